// The SLL dense layer on WebGPU (src/kernels/webgpu/denseLayerPrograms.ts) against the tfjs ops on
// the CPU backend: the value and the gradients for x, W, b and t.
import type * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { sllDenseLayer } from '../../../src/kernels/sllDense.ts';
import { startDawnWebgpu } from '../../helpers/dawn.ts';
import { expectLayerAsOnCpu, sllLayerInputs } from '../../helpers/layerGradients.ts';

const skipped = await startDawnWebgpu();

const layer = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, t: tf.Tensor) =>
  sllDenseLayer(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, t as tf.Tensor1D);

describe.skipIf(skipped)('the SLL dense layer on WebGPU', () => {
  it.each([
    [3, 7, 5],
    [1, 4, 9],
    [70, 33, 20],
  ])('batch %i, %i features, %i inner: value and gradients', async (n, features, inner) => {
    await expectLayerAsOnCpu(layer, sllLayerInputs([n, features], [inner, features], inner), [
      'x',
      'W',
      'b',
      't',
    ]);
  });
});
