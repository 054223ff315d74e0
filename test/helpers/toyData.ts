/** A small learnable dataset for trainer tests: the class is the brightest quadrant of the image. */
import type { DatasetSplit, LoadedDataset } from '../../src/data/dataset.ts';
import type { TrainConfig } from '../../src/sll/trainConfig.ts';
import { quadrantImages, smallArch } from './tensors.ts';

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

/** A network for the toy data, and a recipe that learns it within a few steps. */
export function toyConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    preset: 'custom',
    arch: smallArch({ nClasses: 4, width: 4, convInnerDim: 4, denseInnerDim: 16, mean: [0.5, 0.5, 0.5] }),
    dataset: 'toy',
    loss: 'xent',
    learningRate: 0.01,
    batchSize: 16,
    epochs: 2,
    augment: false,
    seed: 3,
    trainLimit: 0,
    evalEvery: 0,
    evalSubset: 40,
    checkpointSeconds: 0,
    checkpointEvery: 4,
    ...overrides,
  };
}
