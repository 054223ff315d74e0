// The SLL dense layer on WebGPU (src/kernels/webgpu/denseLayerPrograms.ts) against the tfjs ops on
// the CPU backend: the value and the gradients for x, W, b and t.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { sllDenseLayer } from '../../../src/kernels/sllDense.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

/** `[x, W, b, t]`: the bias is wide enough that some pre-activations are negative. */
function inputs(n: number, features: number, inner: number) {
  return [
    [signedUniform(n * features, 1), [n, features]],
    [signedUniform(inner * features, 2, 0.5), [inner, features]],
    [signedUniform(inner, 3, 0.5), [inner]],
    [signedUniform(inner, 4).map(Math.abs), [inner]],
  ] as const;
}

async function layerAndGradients(data: ReturnType<typeof inputs>) {
  const [x, weight, bias, scaling] = data.map(([v, shape]) => tf.tensor(v, [...shape]));
  const weights = tf.tensor(signedUniform(x.size, 5), x.shape);
  const layer = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor, t: tf.Tensor) =>
    sllDenseLayer(a as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, t as tf.Tensor1D);
  const f = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor, t: tf.Tensor) =>
    tf.sum(tf.mul(layer(a, w, b, t), weights));
  const { value, grads } = tf.valueAndGrads(f)([x, weight, bias, scaling]);
  const out = layer(x, weight, bias, scaling);
  const result = { out: await out.data(), grads: await Promise.all(grads.map((g) => g.data())) };
  tf.dispose([x, weight, bias, scaling, weights, value, grads, out]);
  return result;
}

describe.skipIf(skipped)('the SLL dense layer on WebGPU', () => {
  it.each([
    [3, 7, 5],
    [1, 4, 9],
    [70, 33, 20],
  ])('batch %i, %i features, %i inner: value and gradients', async (n, features, inner) => {
    const data = inputs(n, features, inner);
    const cpu = await onBackend('cpu', () => layerAndGradients(data));
    const before = tf.memory().numTensors;
    const gpu = await layerAndGradients(data);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelativeError(gpu.out, cpu.out)).toBeLessThan(1e-5);
    ['x', 'W', 'b', 't'].forEach((name, i) =>
      expect(maxRelativeError(gpu.grads[i], cpu.grads[i]), `d${name}`).toBeLessThan(1e-4),
    );
  });
});
