import { type Checkpoint, CHECKPOINT_VERSION, type CheckpointStore } from '../engine/checkpoints.ts';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** The latest checkpoint in IndexedDB (`sll-lab-checkpoints`), one record. */
export function indexedDbCheckpointStore(
  factory: IDBFactory = indexedDB,
  dbName = 'sll-lab-checkpoints',
): CheckpointStore {
  const storeName = 'checkpoints';
  const key = 'latest';
  const open = (): Promise<IDBDatabase> => {
    const req = factory.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(storeName);
    return request(req);
  };
  const withStore = async <T>(
    mode: IDBTransactionMode,
    fn: (s: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> => {
    const db = await open();
    try {
      const tx = db.transaction(storeName, mode);
      const result = await request(fn(tx.objectStore(storeName)));
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error ?? new Error('checkpoint transaction aborted'));
      });
      return result;
    } finally {
      db.close();
    }
  };
  return {
    async save(c) {
      await withStore('readwrite', (s) => s.put(c, key));
    },
    async load() {
      const c = (await withStore('readonly', (s) => s.get(key))) as Checkpoint | undefined;
      return c && c.version === CHECKPOINT_VERSION ? c : null;
    },
    async clear() {
      await withStore('readwrite', (s) => s.delete(key));
    },
  };
}
