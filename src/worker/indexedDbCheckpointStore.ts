import { wrap, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import { type Checkpoint, CHECKPOINT_VERSION, type CheckpointStore } from '../engine/checkpoints.ts';

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
 * What idb's openDB does (open, create the store on upgrade, wrap the request), but from the
 * given factory: openDB always uses the global `indexedDB`, and the tests pass a fresh one each.
 */
function open(factory: IDBFactory, dbName: string): Promise<IDBPDatabase<CheckpointsDb>> {
  const request = factory.open(dbName, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(STORE);
  return wrap(request) as Promise<IDBPDatabase<CheckpointsDb>>;
}

/** The latest checkpoint in IndexedDB (`sll-lab-checkpoints`, through idb), one record. */
export function indexedDbCheckpointStore(
  factory: IDBFactory = indexedDB,
  dbName = 'sll-lab-checkpoints',
): CheckpointStore {
  // Opened for each call and closed after it, so no connection outlives the operation.
  const withStore = async <T, Mode extends IDBTransactionMode>(
    mode: Mode,
    fn: (store: Store<Mode>) => Promise<T>,
  ): Promise<T> => {
    const db = await open(factory, dbName);
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
      await withStore('readwrite', (s) => s.put(c, KEY));
    },
    async load() {
      const c = await withStore('readonly', (s) => s.get(KEY));
      return c && c.version === CHECKPOINT_VERSION ? (c as Checkpoint) : null;
    },
    async clear() {
      await withStore('readwrite', (s) => s.delete(KEY));
    },
  };
}
