import { type DBSchema, type IDBPObjectStore, openDB } from 'idb';
import type { Checkpoint, CheckpointStore } from '../engine/checkpoints.ts';
import { StorageError } from '../engine/errors.ts';

const STORE = 'checkpoints';
const KEY = 'latest';

interface CheckpointsDb extends DBSchema {
  // Out-of-line key (KEY); `unknown` because records from an older version may be found.
  [STORE]: { key: string; value: Checkpoint | { version?: unknown } };
}

type Store<Mode extends IDBTransactionMode> = IDBPObjectStore<
  CheckpointsDb,
  [typeof STORE],
  typeof STORE,
  Mode
>;

/**
 * The latest checkpoint in IndexedDB (`sll-lab-checkpoints`, through idb), one record. Every
 * failure (a full quota, a checkpoint too large to copy, anything else) becomes a `StorageError`;
 * a failed save leaves the record that was there.
 */
export function indexedDbCheckpointStore(dbName = 'sll-lab-checkpoints'): CheckpointStore {
  // Opened for each call and closed after it, so no connection outlives the operation.
  const withStore = async <T, Mode extends IDBTransactionMode>(
    mode: Mode,
    fn: (store: Store<Mode>) => Promise<T>,
  ): Promise<T> => {
    const db = await openDB<CheckpointsDb>(dbName, 1, { upgrade: (d) => void d.createObjectStore(STORE) });
    try {
      const tx = db.transaction(STORE, mode);
      const [result] = await Promise.all([fn(tx.store), tx.done]);
      return result;
    } finally {
      db.close();
    }
  };
  return {
    async save(c) {
      await failingAs('save the checkpoint', () => withStore('readwrite', (s) => s.put(c, KEY)));
    },
    async load() {
      const c = await failingAs('read the checkpoint', () => withStore('readonly', (s) => s.get(KEY)));
      // As found, another version's or a damaged one too: the trainer checks it (readCheckpoint).
      return (c ?? null) as Checkpoint | null;
    },
    async clear() {
      await failingAs('delete the checkpoint', () => withStore('readwrite', (s) => s.delete(KEY)));
    },
  };
}

/** Runs an IndexedDB operation; whatever it throws (synchronously or not) becomes a `StorageError`. */
async function failingAs<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new StorageError(operation, e);
  }
}
