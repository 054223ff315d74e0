// The trunk's input and its pooling on WebGPU (src/kernels/webgpu/trunkPrograms.ts) against the tfjs
// ops on the CPU backend: values, and the gradients for the images and for the pooled features.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { poolAndFlatten, trunkInput } from '../../../src/kernels/model.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform, smallArch } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

async function valueAndGradient(f: (x: tf.Tensor) => tf.Tensor, shape: number[], outSize: number) {
  const x = tf.tensor(
    signedUniform(
      shape.reduce((a, b) => a * b),
      1,
    ),
    shape,
  );
  const weights = tf.tensor1d(signedUniform(outSize, 2));
  const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => tf.sum(tf.mul(tf.reshape(f(a), [-1]), weights)))(
    x,
  );
  const out = f(x);
  const result = { out: await out.data(), grad: await grad.data() };
  tf.dispose([x, weights, value, grad, out]);
  return result;
}

async function compare(f: (x: tf.Tensor) => tf.Tensor, shape: number[], outSize: number) {
  const cpu = await onBackend('cpu', () => valueAndGradient(f, shape, outSize));
  const before = tf.memory().numTensors;
  const gpu = await valueAndGradient(f, shape, outSize);
  expect(tf.memory().numTensors).toBe(before);
  expect(gpu.out.length).toBe(outSize);
  expect(maxRelativeError(gpu.out, cpu.out)).toBeLessThan(1e-6);
  expect(maxRelativeError(gpu.grad, cpu.grad)).toBeLessThan(1e-6);
}

describe.skipIf(skipped)('the ends of the trunk on WebGPU', () => {
  it.each([6, 3])('the input, normalised and padded to width %i', async (width) => {
    const arch = smallArch({ width, imageSize: 8 });
    const input = (x: tf.Tensor) =>
      tf.tidy(() =>
        trunkInput(x as tf.Tensor4D, tf.tensor1d(arch.mean), tf.tensor1d(arch.std.map((s) => 1 / s)), arch),
      );
    await compare(input, [2, 8, 8, 3], 2 * 8 * 8 * width);
  });

  it('the 4x4 pooling, flattened in C, H, W order', async () => {
    const arch = smallArch({ width: 5, imageSize: 8 });
    await compare((x) => poolAndFlatten(x as tf.Tensor4D, arch), [3, 8, 8, 5], 3 * 5 * 2 * 2);
  });
});
