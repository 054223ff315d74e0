/** A small learnable dataset for trainer tests: the class is the brightest quadrant of the image. */
import type { TrainingData } from './trainer.ts';
import { createRng } from '../kernels/rng.ts';
import type { DatasetSplit } from '../data/dataset.ts';

export const TOY_IMAGE_SIZE = 8;
export const TOY_CLASSES = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

function toySplit(n: number, seed: number): DatasetSplit {
  const rng = createRng(seed);
  const s = TOY_IMAGE_SIZE;
  const images = new Uint8Array(n * s * s * 3);
  const labels = new Uint8Array(n);
  for (let b = 0; b < n; b++) {
    const label = Math.floor(rng.uniform() * 4);
    labels[b] = label;
    for (let h = 0; h < s; h++)
      for (let w = 0; w < s; w++) {
        const quadrant = (h < s / 2 ? 0 : 2) + (w < s / 2 ? 0 : 1);
        for (let c = 0; c < 3; c++) {
          images[((b * s + h) * s + w) * 3 + c] = Math.round(
            80 * rng.uniform() + (quadrant === label ? 170 : 0),
          );
        }
      }
  }
  return { n, imageSize: s, channels: 3, images, labels };
}

export function toyData(trainSize = 96, testSize = 40): TrainingData {
  return {
    info: {
      name: 'toy',
      imageSize: TOY_IMAGE_SIZE,
      channels: 3,
      classNames: TOY_CLASSES,
      mean: [0.5, 0.5, 0.5],
      std: [1, 1, 1],
    },
    train: toySplit(trainSize, 1),
    test: toySplit(testSize, 2),
  };
}
