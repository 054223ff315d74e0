/** A small SLL model trained a little on images whose brightness gives the class: margins worth attacking. */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../src/kernels/adam.ts';
import { SllModel } from '../../src/kernels/model.ts';
import { trainStep } from '../../src/kernels/training.ts';
import { createRng } from '../../src/sll/rng.ts';
import { smallArch } from './tensors.ts';

export const BRIGHTNESS_ARCH = smallArch({ nClasses: 3, width: 4, convInnerDim: 4, denseInnerDim: 16 });

/** `n` 8x8 images, label i % 3, and the model after 30 Adam steps on them; the caller disposes all. */
export function brightnessTrainedModel(n: number) {
  const model = SllModel.initialize(BRIGHTNESS_ARCH, 2);
  const rng = createRng(3);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const pixels = Float32Array.from({ length: n * 8 * 8 * 3 }, (_, j) => {
    const label = labels[Math.floor(j / (8 * 8 * 3))];
    return Math.min(1, Math.max(0, 0.15 + 0.35 * label + 0.1 * rng.normal()));
  });
  const x = tf.tensor4d(pixels, [n, 8, 8, 3]);
  const y = tf.tensor1d(labels, 'int32');
  const adam = new Adam(model.variables);
  for (let s = 0; s < 30; s++) tf.dispose(Object.values(trainStep(model, adam, x, y, 'xent', 0.01)));
  adam.dispose();
  return { model, x, y, labels };
}
