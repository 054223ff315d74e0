/** Helpers shared by the kernel tests (not shipped in the app bundle: only tests import this file). */
import * as tf from '@tensorflow/tfjs';
import type { Arch } from '../../src/sll/arch.ts';
import { createRng } from '../../src/sll/rng.ts';

export function smallArch(overrides: Partial<Arch> = {}): Arch {
  return {
    nConv: 2,
    nDense: 1,
    width: 4,
    convInnerDim: 3,
    denseInnerDim: 10,
    imageSize: 8,
    inChannels: 3,
    nClasses: 5,
    mean: [0.4913, 0.4821, 0.4465],
    std: [1, 1, 1],
    ...overrides,
  };
}

/** Random images in [0, 1], NCHW (PyTorch / oracle layout). */
export function randomImagesNchw(arch: Arch, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n * arch.inChannels * arch.imageSize ** 2 }, () => rng.uniform());
}

/** Seeded values uniform in [-scale, scale). */
export function signedUniform(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * scale);
}

export function nchwToNhwcTensor(x: Float64Array, n: number, c: number, h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(Float32Array.from(x), [n, c, h, w]), [0, 2, 3, 1]));
}

/**
 * The largest difference relative to the largest expected value, or to `floor` if that is larger
 * (for values that all but vanish, whose float32 noise differs in every digit).
 */
export function maxRelativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  floor = 1e-30,
): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i] - expected[i]));
  return err / Math.max(scale, floor);
}

/**
 * A learnable toy problem for training tests: the class (0..3) is the brightest quadrant of the
 * image. Pixels are bytes, as datasets hold them.
 */
export function quadrantImages(
  n: number,
  size: number,
  seed: number,
): { images: Uint8Array; labels: Uint8Array } {
  const rng = createRng(seed);
  const images = new Uint8Array(n * size * size * 3);
  const labels = new Uint8Array(n);
  for (let b = 0; b < n; b++) {
    const label = Math.floor(rng.uniform() * 4);
    labels[b] = label;
    for (let h = 0; h < size; h++)
      for (let w = 0; w < size; w++) {
        const quadrant = (h < size / 2 ? 0 : 2) + (w < size / 2 ? 0 : 1);
        for (let c = 0; c < 3; c++) {
          images[((b * size + h) * size + w) * 3 + c] = Math.round(
            80 * rng.uniform() + (quadrant === label ? 170 : 0),
          );
        }
      }
  }
  return { images, labels };
}

/**
 * Largest relative differences between `matMul2d` / `gramMatrix` and tfjs's own `matMul` with
 * autodiff, in value and gradients, for every transpose combination, on the active backend.
 */
export async function matMulDeviations(): Promise<Record<string, number>> {
  const { gramMatrix, matMul2d } = await import('../../src/kernels/matMul.ts');
  const rng = createRng(11);
  const rand = (rows: number, cols: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * cols }, () => rng.normal()),
      [rows, cols],
    );
  const out: Record<string, number> = {};
  const compare = async (
    name: string,
    ours: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
    reference: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
    a: tf.Tensor,
    b: tf.Tensor,
  ) => {
    // A non-symmetric weighting, so a gradient missing a transpose shows.
    const weights = rand(...(reference(a, b).shape as [number, number]));
    const loss = (f: typeof ours) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), weights));
    const [oa, ob] = tf.grads(loss(ours))([a, b]);
    const [ra, rb] = tf.grads(loss(reference))([a, b]);
    out[`${name} value`] = maxRelativeError(await ours(a, b).data(), await reference(a, b).data());
    out[`${name} dA`] = maxRelativeError(await oa.data(), await ra.data());
    out[`${name} dB`] = maxRelativeError(await ob.data(), await rb.data());
  };
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const a = ta ? rand(7, 5) : rand(5, 7);
      const b = tb ? rand(6, 7) : rand(7, 6);
      await compare(
        `transposeA ${ta} transposeB ${tb}`,
        (x, y) => matMul2d(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb),
        (x, y) => tf.matMul(x, y, ta, tb),
        a,
        b,
      );
    }
  }
  const w = rand(5, 7);
  const gramWeights = rand(5, 5);
  const gramLoss = (f: (x: tf.Tensor2D) => tf.Tensor) =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor2D), gramWeights)));
  const plainGram = (x: tf.Tensor2D) => tf.matMul(x, x, false, true);
  out['gram value'] = maxRelativeError(await gramMatrix(w).data(), await plainGram(w).data());
  out['gram dW'] = maxRelativeError(
    await gramLoss(gramMatrix)(w).data(),
    await gramLoss(plainGram)(w).data(),
  );
  return out;
}
