// The conv scaling programs (src/kernels/webgpu/convScalingPrograms.ts) against the tfjs ops on the
// CPU backend: t, and the gradient of a weighted sum of t with respect to the kernel.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { convScalingByOps, sllConvScaling } from '../../../src/kernels/sllConv.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

/** t and d(sum_i r_i t_i)/dK for a kernel given as values, with `scaling` on the active backend. */
async function scalingAndGradient(
  kernelValues: Float32Array,
  shape: number[],
  scaling: typeof sllConvScaling,
) {
  const kernel = tf.tensor4d(kernelValues, shape as [number, number, number, number]);
  const weights = tf.tensor1d(signedUniform(shape[3], 9));
  const { value, grads } = tf.valueAndGrads((k: tf.Tensor) =>
    tf.sum(tf.mul(scaling(k as tf.Tensor4D), weights)),
  )([kernel]);
  const t = scaling(kernel);
  const result = { t: await t.data(), dK: await grads[0].data() };
  tf.dispose([kernel, weights, value, grads, t]);
  return result;
}

const SHAPES = [
  [3, 3, 4, 5],
  [3, 3, 16, 16],
  [5, 5, 2, 3],
  [1, 1, 6, 4],
];

describe.skipIf(skipped)('conv scaling on WebGPU', () => {
  it.each(SHAPES)(
    'kernel [%i, %i, %i, %i]: t within 1e-5 and dK within 1e-4 of the ops on the CPU',
    async (...shape) => {
      const kernel = signedUniform(
        shape.reduce((a, b) => a * b),
        shape[2] + shape[3],
      );
      const cpu = await onBackend('cpu', () => scalingAndGradient(kernel, shape, convScalingByOps));
      const before = tf.memory().numTensors;
      const gpu = await scalingAndGradient(kernel, shape, sllConvScaling);
      expect(tf.memory().numTensors).toBe(before);
      expect(maxRelativeError(gpu.t, cpu.t)).toBeLessThan(1e-5);
      expect(maxRelativeError(gpu.dK, cpu.dK)).toBeLessThan(1e-4);
    },
  );

  it('an output channel of zeros gets t = 0 and no gradient, as with the safe inverse', async () => {
    const shape = [3, 3, 2, 3];
    const kernel = signedUniform(54, 4).map((v, i) => (i % 3 === 1 ? 0 : v));
    const cpu = await onBackend('cpu', () => scalingAndGradient(kernel, shape, convScalingByOps));
    const gpu = await scalingAndGradient(kernel, shape, sllConvScaling);
    expect(gpu.t[1]).toBe(0);
    expect(maxRelativeError(gpu.t, cpu.t)).toBeLessThan(1e-5);
    expect(maxRelativeError(gpu.dK, cpu.dK)).toBeLessThan(1e-4);
  });
});
