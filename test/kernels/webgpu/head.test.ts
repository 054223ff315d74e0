// The last layer, LinearNormalized, on WebGPU (src/kernels/webgpu/headPrograms.ts) against the tfjs
// ops on the CPU backend: the logits and the gradients for x, W and b, with an all-zero row of W,
// whose gradient is PyTorch's g / 1e-12 on both.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { linearNormalized } from '../../../src/kernels/sllDense.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

async function headAndGradients(n: number, features: number, classes: number, zeroRow: boolean) {
  const x = tf.tensor2d(signedUniform(n * features, 1), [n, features]);
  const values = signedUniform(classes * features, 2, 0.3);
  if (zeroRow) values.fill(0, features, 2 * features);
  const weight = tf.tensor2d(values, [classes, features]);
  const bias = tf.tensor1d(signedUniform(classes, 3));
  const weights = tf.tensor2d(signedUniform(n * classes, 4), [n, classes]);
  const f = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(linearNormalized(a as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), weights));
  const { value, grads } = tf.valueAndGrads(f)([x, weight, bias]);
  const out = linearNormalized(x, weight, bias);
  const result = {
    out: await out.data(),
    grads: await Promise.all(grads.map((g) => g.data())),
    x: await x.data(),
    dy: await weights.data(),
  };
  tf.dispose([x, weight, bias, weights, value, grads, out]);
  return result;
}

/** Row 1 of W is zero: its gradient is sum_m dy[m, 1] x_m / 1e-12, as PyTorch's F.normalize gives. */
function zeroRowGradient(
  run: { x: ArrayLike<number>; dy: ArrayLike<number> },
  n: number,
  f: number,
  c: number,
) {
  return Array.from({ length: f }, (_, j) => {
    let g = 0;
    for (let m = 0; m < n; m++) g += run.dy[m * c + 1] * run.x[m * f + j];
    return g / 1e-12;
  });
}

describe('LinearNormalized with tfjs ops', () => {
  it("gives an all-zero row of W PyTorch's gradient, g / 1e-12, not NaN", async () => {
    const [n, f, c] = [5, 9, 3];
    const cpu = await onBackend('cpu', () => headAndGradients(n, f, c, true));
    const row = Array.from(cpu.grads[1].slice(f, 2 * f));
    expect(row.every(Number.isFinite)).toBe(true);
    expect(maxRelativeError(row, zeroRowGradient(cpu, n, f, c))).toBeLessThan(1e-5);
  });
});

describe.skipIf(skipped)('LinearNormalized on WebGPU', () => {
  it.each([
    [3, 7, 4, false],
    [64, 256, 10, false],
    [5, 9, 3, true],
  ])('batch %i, %i features, %i classes, a zero row %s: logits and gradients', async (n, f, c, zeroRow) => {
    const cpu = await onBackend('cpu', () => headAndGradients(n, f, c, zeroRow));
    const before = tf.memory().numTensors;
    const gpu = await headAndGradients(n, f, c, zeroRow);
    expect(tf.memory().numTensors).toBe(before);
    if (zeroRow) {
      const expected = zeroRowGradient(cpu, n, f, c);
      expect(maxRelativeError(gpu.grads[1].slice(f, 2 * f), expected)).toBeLessThan(1e-5);
    }
    expect(maxRelativeError(gpu.out, cpu.out)).toBeLessThan(1e-5);
    ['x', 'W', 'b'].forEach((name, i) =>
      expect(maxRelativeError(gpu.grads[i], cpu.grads[i]), `d${name}`).toBeLessThan(1e-4),
    );
  });
});
