import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import {
  summarize,
  type DatasetStore,
  type StoredDataset,
  type StoredDatasetSummary,
} from '../data/datasetStore.ts';

const SUMMARIES = 'summaries';
const DATASETS = 'datasets';

interface DatasetsDb extends DBSchema {
  [SUMMARIES]: { key: string; value: StoredDatasetSummary };
  [DATASETS]: { key: string; value: StoredDataset };
}

/**
 * Imported datasets in IndexedDB (through idb). Summaries live in their own store so listing them
 * never reads the pixels; both stores change in one transaction, so a dataset is either wholly
 * there or absent.
 */
export function indexedDbDatasetStore(dbName = 'sll-lab-datasets'): DatasetStore {
  let opened: Promise<IDBPDatabase<DatasetsDb>> | null = null;
  const db = () =>
    (opened ??= openDB<DatasetsDb>(dbName, 1, {
      upgrade(d) {
        d.createObjectStore(SUMMARIES, { keyPath: 'id' });
        d.createObjectStore(DATASETS, { keyPath: 'id' });
      },
    }));
  return {
    async list() {
      return (await db()).getAll(SUMMARIES);
    },
    async get(id) {
      return (await db()).get(DATASETS, id);
    },
    async put(dataset) {
      const tx = (await db()).transaction([SUMMARIES, DATASETS], 'readwrite');
      await Promise.all([
        tx.objectStore(DATASETS).put(dataset),
        tx.objectStore(SUMMARIES).put(summarize(dataset)),
        tx.done,
      ]);
    },
    async delete(id) {
      const tx = (await db()).transaction([SUMMARIES, DATASETS], 'readwrite');
      await Promise.all([tx.objectStore(DATASETS).delete(id), tx.objectStore(SUMMARIES).delete(id), tx.done]);
    },
  };
}
