import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam } from '../../src/kernels/adam.ts';
import { presetArch } from '../../src/sll/arch.ts';
import { SllModel } from '../../src/kernels/model.ts';
import { trainStep } from '../../src/kernels/training.ts';
import { quadrantImages, smallArch } from '../helpers/tensors.ts';

function toyBatch(n: number, size: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const { images, labels } = quadrantImages(n, size, seed);
  return {
    x: tf.tidy(() => tf.div(tf.tensor4d(images, [n, size, size, 3], 'float32'), 255) as tf.Tensor4D),
    y: tf.tensor1d(Int32Array.from(labels), 'int32'),
  };
}

describe('training', () => {
  it('decreases the loss on a learnable problem', async () => {
    const arch = smallArch({ nClasses: 4, width: 6, convInnerDim: 6, denseInnerDim: 32 });
    const model = SllModel.initialize(arch, 0);
    const adam = new Adam(model.variables);
    const { x, y } = toyBatch(32, arch.imageSize, 1);
    const losses: number[] = [];
    for (let step = 0; step < 40; step++) {
      const { loss, correct } = trainStep(model, adam, x, y, 'xent', 0.01);
      losses.push((await loss.data())[0]);
      tf.dispose([loss, correct]);
    }
    expect(losses[39]).toBeLessThan(0.6 * losses[0]);
    tf.dispose([x, y]);
    adam.dispose();
    model.dispose();
  });

  it('keeps tf.memory().numTensors flat over 50 steps of the tiny preset', async () => {
    const model = SllModel.initialize(presetArch('tiny'), 0);
    const adam = new Adam(model.variables);
    const { x, y } = toyBatch(4, 32, 2);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 50; step++) {
      const { loss, correct } = trainStep(model, adam, x, y, 'xent+margin', 0.01);
      await loss.data();
      tf.dispose([loss, correct]);
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, y]);
    adam.dispose();
    model.dispose();
  });
});
