/**
 * Checkpoints: everything needed to continue a run exactly (weights, optimiser state, step, config,
 * metric history). Stored as structured-clone data: IndexedDB in the browser, memory in tests.
 */
import type { AdamState } from '../kernels/adam.ts';
import type { EvaluationSummary, MetricsPoint, TrainConfig } from '../protocol.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  savedAt: number;
  config: TrainConfig;
  step: number;
  totalSteps: number;
  /** Parameters in PyTorch layout, in `state_dict` order. */
  params: [string, Float32Array][];
  adam: AdamState;
  history: { metrics: MetricsPoint[]; evaluations: EvaluationSummary[] };
}

export interface CheckpointStore {
  save(checkpoint: Checkpoint): Promise<void>;
  load(): Promise<Checkpoint | null>;
  clear(): Promise<void>;
}

/** Keeps copies, so that later changes to the run cannot alter a saved checkpoint. */
export function memoryCheckpointStore(): CheckpointStore {
  let saved: Checkpoint | null = null;
  return {
    async save(c) {
      saved = structuredClone(c);
    },
    async load() {
      return saved === null ? null : structuredClone(saved);
    },
    async clear() {
      saved = null;
    },
  };
}

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
