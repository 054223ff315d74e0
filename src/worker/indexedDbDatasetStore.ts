import {
  summarize,
  type DatasetStore,
  type StoredDataset,
  type StoredDatasetSummary,
} from '../data/datasetStore.ts';

const SUMMARIES = 'summaries';
const DATASETS = 'datasets';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * Imported datasets in IndexedDB. Summaries live in their own store so listing them never reads
 * the pixels; both stores change in one transaction, so a dataset is either wholly there or absent.
 */
export function indexedDbDatasetStore(
  dbName = 'sll-lab-datasets',
  factory: IDBFactory = indexedDB,
): DatasetStore {
  let opened: Promise<IDBDatabase> | null = null;
  const db = () => {
    opened ??= new Promise((resolve, reject) => {
      const req = factory.open(dbName, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore(SUMMARIES, { keyPath: 'id' });
        req.result.createObjectStore(DATASETS, { keyPath: 'id' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return opened;
  };
  return {
    async list() {
      const tx = (await db()).transaction(SUMMARIES, 'readonly');
      return request<StoredDatasetSummary[]>(tx.objectStore(SUMMARIES).getAll());
    },
    async get(id) {
      const tx = (await db()).transaction(DATASETS, 'readonly');
      return request<StoredDataset | undefined>(tx.objectStore(DATASETS).get(id));
    },
    async put(dataset) {
      const tx = (await db()).transaction([SUMMARIES, DATASETS], 'readwrite');
      tx.objectStore(DATASETS).put(dataset);
      tx.objectStore(SUMMARIES).put(summarize(dataset));
      await done(tx);
    },
    async delete(id) {
      const tx = (await db()).transaction([SUMMARIES, DATASETS], 'readwrite');
      tx.objectStore(DATASETS).delete(id);
      tx.objectStore(SUMMARIES).delete(id);
      await done(tx);
    },
  };
}
