// idb checks values against the global IDB* classes, so fake-indexeddb installs them; each test
// then swaps in a fresh, empty global indexedDB.
import 'fake-indexeddb/auto';
import { freshIndexedDb, writeRaw } from '../helpers/rawIndexedDb.ts';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/data/datasetStore.ts';
import { indexedDbDatasetStore } from '../../src/worker/indexedDbDatasetStore.ts';
import { dataset, datasetStoreContract } from '../data/datasetStoreContract.ts';

/** Writes one dataset the way the hand-written IndexedDB code before idb did, names and all. */
function writeAsBefore(factory: globalThis.IDBFactory): Promise<void> {
  return writeRaw(
    factory,
    'sll-lab-datasets',
    (db) => {
      db.createObjectStore('summaries', { keyPath: 'id' });
      db.createObjectStore('datasets', { keyPath: 'id' });
    },
    (tx) => {
      tx.objectStore('datasets').put(dataset('old', 3));
      tx.objectStore('summaries').put(summarize(dataset('old', 3)));
    },
  );
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
