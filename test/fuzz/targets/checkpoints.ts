/**
 * Checkpoint records in IndexedDB (fake-indexeddb), damaged or from another version, restored by
 * the page's Trainer through the IndexedDB store.
 */
// idb checks values against the global IDB* classes: fake-indexeddb installs them.
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { type Checkpoint, CheckpointError } from '../../../src/engine/checkpoints.ts';
import { TrainerError } from '../../../src/engine/errors.ts';
import { indexedDbCheckpointStore } from '../../../src/worker/indexedDbCheckpointStore.ts';
import { freshIndexedDb } from '../../helpers/rawIndexedDb.ts';
import type { FuzzTarget } from '../harness.ts';
import { mutateValue } from '../mutate.ts';
import { sameBits, trainedToy, weightBits } from '../seeds.ts';

/**
 * A stored checkpoint record (damaged, or from another version) restored by the page's Trainer
 * through the IndexedDB store: refused records leave the current run as it was, and the page is
 * told (announceCheckpoint reports them rather than offering them).
 */
export async function checkpointTarget(): Promise<FuzzTarget<unknown> & { dispose(): void }> {
  const source = await trainedToy();
  const base = (await source.store.load()) as Checkpoint;
  source.trainer.dispose();
  freshIndexedDb();
  const store = indexedDbCheckpointStore('sll-fuzz-checkpoints');
  await store.save(base);
  const current = await trainedToy(store);
  await current.trainer.restoreCheckpoint();
  const reference = await weightBits(current.trainer);
  const tensors = tf.memory().numTensors;
  const older: Record<string, unknown> = { ...base, history: { ...base.history } };
  delete (older.history as Record<string, unknown>).certificates;
  let lastState = current.trainer.runState;
  return {
    name: 'checkpoint records',
    seeds: [
      { kind: 'checkpoint', value: base },
      { kind: 'checkpoint without radii (older)', value: older },
    ],
    specials: [
      { kind: 'version 0', value: { ...base, version: 0 } },
      { kind: 'version 2', value: { ...base, version: 2 } },
      { kind: 'no version', value: { ...base, version: undefined } },
      { kind: 'a string', value: 'checkpoint' },
      { kind: 'an array', value: [base] },
      {
        kind: 'weights as a plain array',
        value: { ...base, params: base.params.map(([n, v]) => [n, [...v]]) },
      },
      { kind: 'batch larger than the data', value: { ...base, config: { ...base.config, batchSize: 97 } } },
    ],
    mutate: (seed, rng) => mutateValue(seed, rng),
    async feed(record) {
      current.events.length = 0;
      lastState = current.trainer.runState;
      await store.save(record as Checkpoint);
      await current.trainer.restoreCheckpoint();
    },
    errors: [CheckpointError, TrainerError],
    async check(refusal) {
      if (refusal) {
        if (current.trainer.runState !== lastState) {
          return `a refused record moved the run from ${lastState} to ${current.trainer.runState}`;
        }
        if (!sameBits(await weightBits(current.trainer), reference))
          return 'a refused record changed the model';
        if (tf.memory().numTensors !== tensors) {
          return `a refused record left ${tf.memory().numTensors - tensors} tensors behind`;
        }
        // The page is told on load: an unreadable record is reported, never offered.
        if (refusal.error instanceof CheckpointError) {
          const before = current.events.length;
          const offered = await current.trainer.announceCheckpoint();
          const told = current.events.slice(before).find((e) => e.type === 'error');
          if (offered !== null || told?.type !== 'error' || told.name !== 'CheckpointUnreadable') {
            return 'announceCheckpoint did not report the unreadable record';
          }
        }
        return null;
      }
      await store.save(base);
      await current.trainer.restoreCheckpoint();
      if (tf.memory().numTensors !== tensors) {
        return `restores left ${tf.memory().numTensors - tensors} tensors behind`;
      }
      return sameBits(await weightBits(current.trainer), reference)
        ? null
        : 'the base checkpoint did not restore';
    },
    dispose: () => current.trainer.dispose(),
  };
}
