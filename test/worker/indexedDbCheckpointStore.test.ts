// idb checks values against the global IDB* classes, so fake-indexeddb installs them; each test
// then swaps in a fresh, empty global indexedDB.
import 'fake-indexeddb/auto';
import { freshIndexedDb, writeRaw } from '../helpers/rawIndexedDb.ts';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  CHECKPOINT_VERSION,
  CheckpointError,
  readCheckpoint,
} from '../../src/engine/checkpoints.ts';
import { toyConfig } from '../helpers/toyData.ts';
import { indexedDbCheckpointStore } from '../../src/worker/indexedDbCheckpointStore.ts';

function checkpoint(step: number): Checkpoint {
  return {
    version: CHECKPOINT_VERSION,
    savedAt: 1_700_000_000_000 + step,
    config: toyConfig(),
    step,
    totalSteps: 100,
    params: [
      ['layer.0.weight', Float32Array.from([1, -2, 3.5, step])],
      ['layer.0.bias', Float32Array.from([0.25])],
    ],
    adam: { step, m: [new Float32Array([0.1, 0.2])], v: [new Float32Array([0.3, 0.4])] },
    history: {
      metrics: [{ step, epoch: 0, loss: 1.5, trainAccuracy: 0.25, learningRate: 0.01, imagesPerSecond: 900 }],
      evaluations: [],
    },
  };
}

/** Writes a record the way the hand-written IndexedDB code before idb did, names and all. */
function writeAsBefore(factory: globalThis.IDBFactory, value: unknown): Promise<void> {
  return writeRaw(
    factory,
    'sll-lab-checkpoints',
    (db) => db.createObjectStore('checkpoints'),
    (tx) => tx.objectStore('checkpoints').put(value, 'latest'),
  );
}

describe('IndexedDB checkpoint store', () => {
  it('saves, loads the latest, and clears', async () => {
    freshIndexedDb();
    const store = indexedDbCheckpointStore();
    expect(await store.load()).toBeNull();
    await store.save(checkpoint(4));
    await store.save(checkpoint(8));
    const back = await store.load();
    expect(back).toEqual(checkpoint(8));
    expect(back!.params[0][1]).toBeInstanceOf(Float32Array);
    await store.clear();
    expect(await store.load()).toBeNull();
    await store.clear(); // clearing nothing is fine
  });

  it('hands back a checkpoint of another version as found, for readCheckpoint to refuse by name', async () => {
    const factory = freshIndexedDb();
    const store = indexedDbCheckpointStore();
    await store.save({ ...checkpoint(4), version: CHECKPOINT_VERSION + 1 } as unknown as Checkpoint);
    const newer = await store.load();
    expect(() => readCheckpoint(newer)).toThrow(
      /written by a newer version of the lab \(checkpoint format 2;/,
    );
    await writeAsBefore(factory, { ...checkpoint(4), version: 0 });
    const older = await store.load();
    expect(() => readCheckpoint(older)).toThrow(CheckpointError);
    expect(() => readCheckpoint(older)).toThrow(
      /written by an older version of the lab \(checkpoint format 0;/,
    );
  });

  it('reads what the earlier code stored (same database, store and key)', async () => {
    const factory = freshIndexedDb();
    await writeAsBefore(factory, checkpoint(12));
    expect(await indexedDbCheckpointStore().load()).toEqual(checkpoint(12));
  });

  it('closes its connection after each call, so the database can be deleted at once', async () => {
    const factory = freshIndexedDb();
    const store = indexedDbCheckpointStore('test-checkpoints');
    await store.save(checkpoint(4));
    await store.load();
    const blocked = await new Promise<boolean>((resolve, reject) => {
      const req = factory.deleteDatabase('test-checkpoints');
      req.onblocked = () => resolve(true);
      req.onsuccess = () => resolve(false);
      req.onerror = () => reject(req.error);
    });
    expect(blocked).toBe(false);
    expect(await store.load()).toBeNull();
  });
});
