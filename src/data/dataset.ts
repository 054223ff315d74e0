/** The in-memory form every dataset source (shipped files, imported archive) produces. */

export type SplitName = 'train' | 'test';

/** What a model needs to know about a dataset besides its pixels. */
export interface DatasetInfo {
  name: string;
  imageSize: number;
  channels: number;
  classNames: string[];
  /** Per-channel normalisation of inputs in [0, 1] (docs/math.md §2.3). */
  mean: number[];
  std: number[];
}

/** One split as exact bytes: image i occupies images[i*S*S*C, (i+1)*S*S*C) in H, W, C order. */
export interface DatasetSplit {
  n: number;
  imageSize: number;
  channels: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** A dataset ready to train on: what it is, and both splits as bytes. */
export interface LoadedDataset {
  info: DatasetInfo;
  train: DatasetSplit;
  test: DatasetSplit;
}
