// The SLL conv layer on WebGPU, its direct-convolution programs (src/kernels/webgpu/convLayerPrograms.ts),
// against the tfjs ops on the CPU backend: the value and the gradients for x, K, b and t.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { sllConvLayer } from '../../../src/kernels/sllConv.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

/** `[x, K, b, t]`: the bias and t are wide enough that some pre-activations are negative. */
function inputs(n: number, size: number, c: number, inner: number, k: number) {
  return [
    [signedUniform(n * size * size * c, 1), [n, size, size, c]],
    [signedUniform(k * k * c * inner, 2, 0.5), [k, k, c, inner]],
    [signedUniform(inner, 3, 0.5), [inner]],
    [signedUniform(inner, 4).map(Math.abs), [inner]],
  ] as const;
}

async function layerAndGradients(data: ReturnType<typeof inputs>) {
  const [x, kernel, bias, scaling] = data.map(([v, shape]) => tf.tensor(v, [...shape]));
  const weights = tf.tensor(signedUniform(x.size, 5), x.shape);
  const f = (a: tf.Tensor, k: tf.Tensor, b: tf.Tensor, t: tf.Tensor) =>
    tf.sum(
      tf.mul(sllConvLayer(a as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, t as tf.Tensor1D), weights),
    );
  const { value, grads } = tf.valueAndGrads(f)([x, kernel, bias, scaling]);
  const out = sllConvLayer(
    x as tf.Tensor4D,
    kernel as tf.Tensor4D,
    bias as tf.Tensor1D,
    scaling as tf.Tensor1D,
  );
  const result = { out: await out.data(), grads: await Promise.all(grads.map((g) => g.data())) };
  tf.dispose([x, kernel, bias, scaling, weights, value, grads, out]);
  return result;
}

describe.skipIf(skipped)('the SLL conv layer on WebGPU', () => {
  it.each([
    [2, 5, 3, 4, 3],
    [1, 6, 4, 4, 1],
    [3, 4, 2, 5, 5],
    // 432 pixels: the gradients' partial sums span two chunks, the second one short.
    [3, 12, 3, 4, 3],
  ])(
    'batch %i, %i-pixel images, %i channels, %i inner, kernel %i: value and gradients',
    async (n, size, c, inner, k) => {
      const data = inputs(n, size, c, inner, k);
      const cpu = await onBackend('cpu', () => layerAndGradients(data));
      const before = tf.memory().numTensors;
      const gpu = await layerAndGradients(data);
      expect(tf.memory().numTensors).toBe(before);
      expect(maxRelativeError(gpu.out, cpu.out)).toBeLessThan(1e-5);
      ['x', 'K', 'b', 't'].forEach((name, i) =>
        expect(maxRelativeError(gpu.grads[i], cpu.grads[i]), `d${name}`).toBeLessThan(1e-4),
      );
    },
  );
});
