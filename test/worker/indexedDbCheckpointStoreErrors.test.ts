// idb checks values against the global IDB* classes, so fake-indexeddb installs them.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Checkpoint, CHECKPOINT_VERSION } from '../../src/engine/checkpoints.ts';
import { StorageError } from '../../src/engine/errors.ts';
import { indexedDbCheckpointStore } from '../../src/worker/indexedDbCheckpointStore.ts';
import { freshIndexedDb } from '../helpers/rawIndexedDb.ts';
import { toyConfig } from '../helpers/toyData.ts';

function checkpoint(step: number): Checkpoint {
  return {
    version: CHECKPOINT_VERSION,
    savedAt: 1_700_000_000_000 + step,
    config: toyConfig(),
    step,
    totalSteps: 100,
    params: [['layer.0.weight', Float32Array.from([1, -2, 3.5, step])]],
    adam: { step, m: [new Float32Array([0.1])], v: [new Float32Array([0.3])] },
    history: { metrics: [], evaluations: [] },
  } as Checkpoint;
}

async function failureOf(p: Promise<unknown>): Promise<StorageError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StorageError);
  return e as StorageError;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('IndexedDB checkpoint store failures', () => {
  it('turns a checkpoint the browser cannot copy into a StorageError and keeps the previous one', async () => {
    freshIndexedDb();
    const store = indexedDbCheckpointStore();
    await store.save(checkpoint(4));
    // A function cannot be structured-cloned: the DataCloneError a too large checkpoint also gives.
    const unclonable = { ...checkpoint(8), extra: () => 0 } as unknown as Checkpoint;
    const e = await failureOf(store.save(unclonable));
    expect(e.name).toBe('StorageError');
    expect(e.failure).toBe('clone');
    expect(e.message).toMatch(
      /^could not save the checkpoint: it is too large for the browser to copy into storage \(DataCloneError: /,
    );
    expect((e.cause as DOMException).name).toBe('DataCloneError');
    expect(e.hint).toContain('smaller network');
    expect((await store.load())!.step).toBe(4);
  });

  it('turns a full quota into a StorageError that says so', async () => {
    freshIndexedDb();
    const store = indexedDbCheckpointStore();
    await store.save(checkpoint(4));
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
    });
    const e = await failureOf(store.save(checkpoint(8)));
    expect(e.failure).toBe('quota');
    expect(e.message).toBe(
      "could not save the checkpoint: the browser's storage for this site is full (QuotaExceededError: the quota has been exceeded)",
    );
    vi.restoreAllMocks();
    expect((await store.load())!.step).toBe(4);
  });

  it('turns any other failure (here: opening the database) into a StorageError', async () => {
    freshIndexedDb();
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('the database is blocked', 'UnknownError');
    });
    const e = await failureOf(indexedDbCheckpointStore().load());
    expect(e.failure).toBe('other');
    expect(e.message).toBe(
      "could not read the checkpoint: the browser's storage failed (UnknownError: the database is blocked)",
    );
    expect(e.hint).toBeNull();
  });
});
