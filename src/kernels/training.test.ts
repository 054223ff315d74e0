import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.ts';
import { presetArch } from './arch.ts';
import { SllModel } from './model.ts';
import { createRng } from './rng.ts';
import { trainStep } from './training.ts';
import { smallArch } from './testUtils.ts';

/** A learnable toy problem: the class is which quadrant of the image is brightest. */
function toyBatch(n: number, size: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = createRng(seed);
  const pixels = new Float32Array(n * size * size * 3);
  const labels = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const label = Math.floor(rng.uniform() * 4);
    labels[b] = label;
    for (let h = 0; h < size; h++)
      for (let w = 0; w < size; w++) {
        const quadrant = (h < size / 2 ? 0 : 2) + (w < size / 2 ? 0 : 1);
        for (let c = 0; c < 3; c++) {
          pixels[((b * size + h) * size + w) * 3 + c] = 0.3 * rng.uniform() + (quadrant === label ? 0.7 : 0);
        }
      }
  }
  return { x: tf.tensor4d(pixels, [n, size, size, 3]), y: tf.tensor1d(labels, 'int32') };
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
