/** A small learnable dataset for trainer tests: the class is the brightest quadrant of the image. */
import type { LoadedDataset } from '../../src/data/dataset.ts';
import { quadrantImages } from './tensors.ts';
import type { DatasetSplit } from '../../src/data/dataset.ts';

export const TOY_IMAGE_SIZE = 8;
export const TOY_CLASSES = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

function toySplit(n: number, seed: number): DatasetSplit {
  return { n, imageSize: TOY_IMAGE_SIZE, channels: 3, ...quadrantImages(n, TOY_IMAGE_SIZE, seed) };
}

export function toyData(trainSize = 96, testSize = 40): LoadedDataset {
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
