// The SLL conv layer on WebGPU, its direct-convolution programs (src/kernels/webgpu/convLayerPrograms.ts),
// against the tfjs ops on the CPU backend: the value and the gradients for x, K, b and t.
import type * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { sllConvLayer } from '../../../src/kernels/sllConv.ts';
import { startDawnWebgpu } from '../../helpers/dawn.ts';
import { expectLayerAsOnCpu, sllLayerInputs } from '../../helpers/layerGradients.ts';

const skipped = await startDawnWebgpu();

const layer = (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor, t: tf.Tensor) =>
  sllConvLayer(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, t as tf.Tensor1D);

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
      const data = sllLayerInputs([n, size, size, c], [k, k, c, inner], inner);
      await expectLayerAsOnCpu(layer, data, ['x', 'K', 'b', 't']);
    },
  );
});
