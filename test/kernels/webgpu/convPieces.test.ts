// The im2col and adjoint-filter programs (src/kernels/webgpu/) against the tfjs ops on the CPU backend,
// and the filter gradient built on im2col against tfjs's own Conv2DBackpropFilter there.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  adjointFilter,
  filterGradientByIm2col,
  filterGradientNative,
  im2colByOps,
} from '../../../src/kernels/portableConv.ts';
import { im2colPatches } from '../../../src/kernels/webgpu/im2colProgram.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    signedUniform(
      shape.reduce((a, b) => a * b),
      seed,
    ),
    shape,
  );
}

/** Odd sizes on purpose: rows and columns that are not multiples of a workgroup, non-square images. */
const CASES = [
  { x: [2, 5, 7, 3], k: 3, pad: 1 },
  // Same rank, k and pad, other sizes: the shader must not be reused from the case above.
  { x: [1, 6, 6, 4], k: 3, pad: 1 },
  { x: [3, 4, 4, 6], k: 3, pad: 2 },
  { x: [1, 6, 5, 2], k: 5, pad: 2 },
  { x: [2, 3, 3, 4], k: 1, pad: 0 },
];

describe.skipIf(skipped)('im2col on WebGPU', () => {
  it.each(CASES)('patches of $x with k $k, pad $pad equal the tfjs ops exactly', async ({ x, k, pad }) => {
    const images = randomTensor(x, 1) as tf.Tensor4D;
    const expected = await onBackend('cpu', () => im2colByOps(images, k, k, pad).data());
    const patches = im2colPatches(images, k, k, pad);
    const [n, h, w, c] = x;
    expect(patches.shape).toEqual([n * (h + 2 * pad - k + 1) * (w + 2 * pad - k + 1), k * k * c]);
    expect(await patches.data()).toEqual(expected);
    tf.dispose([images, patches]);
  });

  it.each(CASES)(
    'the filter gradient of $x with k $k, pad $pad equals Conv2DBackpropFilter on the CPU',
    async ({ x, k, pad }) => {
      const images = randomTensor(x, 2) as tf.Tensor4D;
      const [n, h, w] = x;
      const dy = randomTensor([n, h + 2 * pad - k + 1, w + 2 * pad - k + 1, 5], 3) as tf.Tensor4D;
      const expected = await onBackend('cpu', () => filterGradientNative(images, dy, k, k, pad).data());
      const before = tf.memory().numTensors;
      const grad = filterGradientByIm2col(images, dy, k, k, pad);
      expect(maxRelativeError(await grad.data(), expected)).toBeLessThan(1e-5);
      grad.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([images, dy]);
    },
  );
});

describe.skipIf(skipped)('the adjoint filter on WebGPU', () => {
  it.each([
    [3, 3, 4, 5],
    [5, 5, 2, 3],
    [1, 1, 6, 4],
  ])('filter [%i, %i, %i, %i]: the ops value exactly, and its own gradient', async (...shape) => {
    const filter = randomTensor(shape, 4) as tf.Tensor4D;
    const weights = randomTensor([shape[0], shape[1], shape[3], shape[2]], 5);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(adjointFilter(x as tf.Tensor4D), weights));
    const expected = await onBackend('cpu', async () => ({
      value: await adjointFilter(filter).data(),
      grad: await tf.grad(f)(filter).data(),
    }));
    const value = adjointFilter(filter);
    const grad = tf.grad(f)(filter);
    expect(await value.data()).toEqual(expected.value);
    expect(await grad.data()).toEqual(expected.grad);
    tf.dispose([filter, weights, value, grad]);
  });
});
