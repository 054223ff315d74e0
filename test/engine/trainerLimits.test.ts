import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../src/cli/nodeBackend.ts';
import { type CheckpointStore, memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import { StorageError, TooLargeError } from '../../src/engine/errors.ts';
import { Trainer } from '../../src/engine/trainer.ts';
import type { WorkerEvent } from '../../src/protocol.ts';
import { presetArch } from '../../src/sll/arch.ts';
import { toyConfig, toyData } from '../helpers/toyData.ts';

function harness(store: CheckpointStore = memoryCheckpointStore()) {
  const events: WorkerEvent[] = [];
  const loads: string[] = [];
  let hook: (step: number) => void = () => {};
  let clock = 0;
  const data = toyData();
  const trainer: Trainer = new Trainer({
    emit: (e) => events.push(e),
    loadData: async (id) => {
      loads.push(id);
      return data;
    },
    store,
    now: () => (clock += 10),
    yieldToEvents: async (): Promise<void> => hook(trainer.currentStep),
    metricsIntervalMs: 0,
  });
  return { trainer, events, loads, onStep: (fn: (step: number) => void) => (hook = fn) };
}

async function weightsOf(trainer: Trainer): Promise<Map<string, Float32Array>> {
  return trainer.model!.exportParams();
}

const errors = (events: WorkerEvent[]) => events.filter((e) => e.type === 'error');

describe('a run too large for WASM', () => {
  beforeAll(async () => {
    await startNodeBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is refused before anything loads, and the paused run is kept as it was', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const { trainer, events, loads, onStep } = harness();
    const toy = toyConfig({ epochs: 2 });
    trainer.configure(toy);
    onStep((step) => {
      if (step === 3) void trainer.pause();
    });
    await trainer.start();
    onStep(() => {});
    expect(trainer.runState).toBe('paused');
    const before = await weightsOf(trainer);
    const tensors = tf.memory().numTensors;
    const loaded = loads.length;
    const seen = events.length;

    const huge = { ...toyConfig(), arch: presetArch('small'), batchSize: 64 };
    expect(() => trainer.configure(huge)).toThrow(TooLargeError);
    expect(() => trainer.configure(huge)).toThrow(
      /^too large for WASM's 4 GB \(needs ~7\.\d GB, ~\d\.\d GB even at batch 1\): use a GPU backend or a smaller network$/,
    );
    // Train after the refusal: refused again, not a silent resume of the paused run.
    const started = Date.now();
    await expect(trainer.start()).rejects.toThrow(TooLargeError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(loads.length).toBe(loaded);
    expect(events.slice(seen).filter((e) => e.type === 'state')).toEqual([]);
    expect(trainer.runState).toBe('paused');
    expect(trainer.currentStep).toBe(3);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(await weightsOf(trainer)).toEqual(before);

    // The kept run continues when its own settings come back.
    trainer.configure(toy);
    await trainer.start();
    expect(trainer.runState).toBe('done');
    expect(trainer.currentStep).toBe(12);
    trainer.dispose();
  });

  it('names the largest batch that fits when a smaller batch is the way out', () => {
    const { trainer } = harness();
    const deep = { ...toyConfig(), arch: { ...presetArch('lab'), nConv: 20 }, batchSize: 256 };
    let refusal: unknown = null;
    try {
      trainer.configure(deep);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(TooLargeError);
    const { name, message, hint } = refusal as TooLargeError;
    expect(name).toBe('TooLarge');
    expect(message).toMatch(
      /^too large for WASM's 4 GB \(needs ~\d+(\.\d)? GB\): lower the batch size or use a GPU backend$/,
    );
    expect(hint).toMatch(/^batch \d+ fits \(~\d(\.\d)? GB\); or choose WebGPU or WebGL as the backend$/);
  });
});

describe('a checkpoint the store cannot keep', () => {
  /** A memory store whose saves fail from `failFrom` on with `error()`. */
  function failingStore(failFrom: number, error: () => unknown) {
    const inner = memoryCheckpointStore();
    const attempts: number[] = [];
    const store: CheckpointStore = {
      async save(c) {
        attempts.push(c.step);
        if (c.step >= failFrom) throw error();
        await inner.save(c);
      },
      load: () => inner.load(),
      clear: () => inner.clear(),
    };
    return { store, attempts };
  }

  it('is reported with the previous one kept, and training goes on (quota full: tries again)', async () => {
    const quota = () =>
      new StorageError(
        'save the checkpoint',
        new DOMException('the quota was exceeded', 'QuotaExceededError'),
      );
    const { store, attempts } = failingStore(8, quota);
    const { trainer, events } = harness(store);
    trainer.configure(toyConfig({ epochs: 2, checkpointEvery: 5 }));
    await trainer.start();
    expect(trainer.runState).toBe('done');
    expect(trainer.currentStep).toBe(12);
    expect(attempts).toEqual([0, 5, 10, 12]);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => e.step)).toEqual([0, 5]);
    expect(errors(events)).toEqual([
      {
        type: 'error',
        name: 'CheckpointNotSaved',
        message:
          "the checkpoint at step 10 was not saved: the browser's storage for this site is full (QuotaExceededError: the quota was exceeded)",
        hint: "training continues; the checkpoint from step 5 is kept; free some of the browser's storage for this site, or train a smaller network",
      },
      expect.objectContaining({ message: expect.stringMatching(/^the checkpoint at step 12 was not saved/) }),
    ]);
    expect((await store.load())!.step).toBe(5);
    trainer.dispose();
  });

  it('stops trying for a run too large to copy, and says when nothing of it is kept', async () => {
    const clone = () =>
      new StorageError(
        'save the checkpoint',
        new DOMException(
          "Failed to execute 'put' on 'IDBObjectStore': Data cannot be cloned, out of memory.",
          'DataCloneError',
        ),
      );
    const { store, attempts } = failingStore(0, clone);
    const { trainer, events } = harness(store);
    trainer.configure(toyConfig({ epochs: 2, checkpointEvery: 5 }));
    await trainer.start();
    expect(trainer.runState).toBe('done');
    expect(attempts).toEqual([0]);
    const [error, ...more] = errors(events);
    expect(more).toEqual([]);
    expect(error).toMatchObject({
      name: 'CheckpointNotSaved',
      message: expect.stringMatching(
        /^the checkpoint at step 0 was not saved: it is too large for the browser to copy into storage \(DataCloneError: .*out of memory\.\)$/,
      ),
      hint: 'training continues; no checkpoint of this run is kept, so a reload cannot resume it; no more checkpoints are tried for this run; train a smaller network to have checkpoints (and resume after a reload)',
    });
    expect(await store.load()).toBeNull();
    trainer.dispose();
  });

  it('reports any other failure of the store with its own message, and tries again', async () => {
    const { store, attempts } = failingStore(5, () => new Error('disk on fire'));
    const { trainer, events } = harness(store);
    trainer.configure(toyConfig({ epochs: 2, checkpointEvery: 5 }));
    await trainer.start();
    expect(trainer.runState).toBe('done');
    expect(attempts).toEqual([0, 5, 10, 12]);
    expect(errors(events)).toHaveLength(3);
    expect(errors(events)[0]).toMatchObject({
      message: 'the checkpoint at step 5 was not saved: disk on fire',
      hint: 'training continues; the checkpoint from step 0 is kept',
    });
    trainer.dispose();
  });
});
