import type { DatasetInfo, DatasetSplit } from './dataset.ts';

/** An imported dataset as kept between visits. */
export interface StoredDataset {
  id: string;
  info: DatasetInfo;
  /** Where it came from, for the page (for example the dropped file's name). */
  source: string;
  importedAt: string;
  train: DatasetSplit;
  test: DatasetSplit;
}

/** What a list of stored datasets shows without reading their pixels. */
export type StoredDatasetSummary = Omit<StoredDataset, 'train' | 'test'> & {
  trainCount: number;
  testCount: number;
};

export interface DatasetStore {
  list(): Promise<StoredDatasetSummary[]>;
  get(id: string): Promise<StoredDataset | undefined>;
  put(dataset: StoredDataset): Promise<void>;
  delete(id: string): Promise<void>;
}

export function summarize(dataset: StoredDataset): StoredDatasetSummary {
  const { train, test, ...rest } = dataset;
  return { ...rest, trainCount: train.n, testCount: test.n };
}
