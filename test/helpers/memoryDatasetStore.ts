import { type DatasetStore, type StoredDataset, summarize } from '../../src/data/datasetStore.ts';

/** Keeps datasets in a Map, standing in for IndexedDB. */
export function memoryDatasetStore(): DatasetStore {
  const datasets = new Map<string, StoredDataset>();
  return {
    async list() {
      return [...datasets.values()].map(summarize);
    },
    async get(id) {
      const found = datasets.get(id);
      return found && structuredClone(found);
    },
    async put(dataset) {
      datasets.set(dataset.id, structuredClone(dataset));
    },
    async delete(id) {
      datasets.delete(id);
    },
  };
}
