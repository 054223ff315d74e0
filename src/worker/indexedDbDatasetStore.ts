import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
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
 * What idb's openDB does (open, create the stores on upgrade, wrap the request), but from the
 * given factory: openDB always uses the global `indexedDB`, and the tests pass a fresh one each.
 */
function open(factory: IDBFactory, dbName: string): Promise<IDBPDatabase<DatasetsDb>> {
  const request = factory.open(dbName, 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore(SUMMARIES, { keyPath: 'id' });
    request.result.createObjectStore(DATASETS, { keyPath: 'id' });
  };
  return wrap(request) as Promise<IDBPDatabase<DatasetsDb>>;
}

/**
 * Imported datasets in IndexedDB (through idb). Summaries live in their own store so listing them
 * never reads the pixels; both stores change in one transaction, so a dataset is either wholly
 * there or absent.
 */
export function indexedDbDatasetStore(
  dbName = 'sll-lab-datasets',
  factory: IDBFactory = indexedDB,
): DatasetStore {
  let opened: Promise<IDBPDatabase<DatasetsDb>> | null = null;
  const db = () => (opened ??= open(factory, dbName));
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
