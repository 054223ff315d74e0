// idb checks values against the global IDB* classes, so fake-indexeddb installs them; each test
// then swaps in a fresh, empty global indexedDB.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/data/datasetStore.ts';
import { indexedDbDatasetStore } from '../../src/worker/indexedDbDatasetStore.ts';
import { dataset, datasetStoreContract } from '../data/datasetStoreContract.ts';

/** Writes one dataset the way the hand-written IndexedDB code before idb did, names and all. */
function writeAsBefore(factory: IDBFactory): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.open('sll-lab-datasets', 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('summaries', { keyPath: 'id' });
      req.result.createObjectStore('datasets', { keyPath: 'id' });
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['summaries', 'datasets'], 'readwrite');
      tx.objectStore('datasets').put(dataset('old', 3));
      tx.objectStore('summaries').put(summarize(dataset('old', 3)));
      tx.oncomplete = () => {
        req.result.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

/** A new, empty IndexedDB as the global one, which idb (like the page) opens. */
function freshIndexedDb(): IDBFactory {
  const factory = new IDBFactory();
  globalThis.indexedDB = factory;
  return factory;
}

describe('dataset store (IndexedDB)', () => {
  datasetStoreContract(() => {
    freshIndexedDb();
    return indexedDbDatasetStore('test-db');
  });

  it('keeps datasets across reopening the database', async () => {
    freshIndexedDb();
    await indexedDbDatasetStore('test-db').put(dataset('cifar10', 4));
    const again = indexedDbDatasetStore('test-db');
    expect((await again.list()).map((s) => s.id)).toEqual(['cifar10']);
    expect(await again.get('cifar10')).toEqual(dataset('cifar10', 4));
  });

  it('reads what the earlier code stored (same database, stores and keys)', async () => {
    await writeAsBefore(freshIndexedDb());
    const store = indexedDbDatasetStore();
    expect(await store.list()).toEqual([summarize(dataset('old', 3))]);
    expect(await store.get('old')).toEqual(dataset('old', 3));
  });
});
