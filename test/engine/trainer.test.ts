import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseWeights } from '../../src/sll/weightsJson.ts';
import { type CheckpointStore, memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import type { WorkerEvent } from '../../src/protocol.ts';
import { toyConfig, toyData } from '../helpers/toyData.ts';
import { MAX_UNREAD_STEPS, Trainer, type TrainerDeps } from '../../src/engine/trainer.ts';
import { transferablesOf } from '../../src/worker/transferables.ts';

const config = toyConfig;
const ARCH = toyConfig().arch;

interface Harness {
  trainer: Trainer;
  events: WorkerEvent[];
  store: CheckpointStore;
  /** Called before each yield, with the step just done. */
  onStep: (fn: (step: number) => void) => void;
}

function harness(
  store: CheckpointStore = memoryCheckpointStore(),
  overrides: Partial<TrainerDeps> = {},
): Harness {
  const events: WorkerEvent[] = [];
  let hook: (step: number) => void = () => {};
  let clock = 0;
  const data = toyData();
  const deps: TrainerDeps = {
    // As the worker does: an evaluation's arrays move to the page, detached here.
    emit: (e) => events.push(structuredClone(e, { transfer: transferablesOf(e) })),
    loadData: async () => data,
    store,
    now: () => (clock += 10),
    yieldToEvents: async () => hook(trainer.currentStep),
    metricsIntervalMs: 0,
    ...overrides,
  };
  const trainer = new Trainer(deps);
  return { trainer, events, store, onStep: (fn) => (hook = fn) };
}

async function weightsOf(trainer: Trainer): Promise<Map<string, Uint32Array>> {
  const params = await trainer.model!.exportParams();
  return new Map([...params].map(([k, v]) => [k, new Uint32Array(v.slice().buffer)]));
}

describe('Trainer', () => {
  it('reads the losses back at least every MAX_UNREAD_STEPS steps, however fast steps enqueue', async () => {
    // A clock that never moves: steps that enqueue in no time, as on a GPU slower than JavaScript.
    const { trainer, events } = harness(memoryCheckpointStore(), { now: () => 0, metricsIntervalMs: 1000 });
    trainer.configure(config({ epochs: 2, batchSize: 4, checkpointEvery: 0 }));
    await trainer.start();
    const steps = events.flatMap((e) => (e.type === 'metrics' ? [e.step] : []));
    expect(steps.at(-1)).toBe(48);
    const gaps = steps.map((s, i) => s - (steps[i - 1] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_UNREAD_STEPS);
    expect(gaps).toContain(MAX_UNREAD_STEPS);
  });

  it('trains: the loss falls and events arrive in order', async () => {
    const { trainer, events } = harness();
    trainer.configure(config({ epochs: 6 }));
    await trainer.start();
    const metrics = events.filter((e) => e.type === 'metrics');
    expect(metrics).toHaveLength(36); // 6 epochs x floor(96 / 16) steps, one event per step here
    const first = metrics.slice(0, 3).reduce((s, m) => s + m.loss, 0);
    const last = metrics.slice(-3).reduce((s, m) => s + m.loss, 0);
    expect(last).toBeLessThan(0.8 * first);
    const samples = events.find((e) => e.type === 'samples');
    expect(samples).toMatchObject({
      imageSize: 8,
      channels: 3,
      classNames: ['top-left', 'top-right', 'bottom-left', 'bottom-right'],
    });
    expect(samples?.type === 'samples' && samples.images.length).toBe(24 * 8 * 8 * 3);
    const states = events.filter((e) => e.type === 'state').map((e) => e.state);
    expect(states).toEqual(['loading', 'running', 'done']);
    const kinds = events.map((e) => e.type);
    expect(kinds.indexOf('checkpoint')).toBeLessThan(kinds.indexOf('metrics'));
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    const evaluations = events.filter((e) => e.type === 'evaluation');
    expect(evaluations).toHaveLength(6); // once per epoch
    const lastEval = evaluations.at(-1)!;
    expect(lastEval.radii).toBeInstanceOf(Float64Array);
    expect(lastEval.radii).toHaveLength(40);
    expect(lastEval.certified.map((c) => c.eps)).toEqual([36 / 255, 72 / 255, 108 / 255, 1]);
    expect(lastEval.naturalAccuracy).toBeGreaterThan(0.5);
    trainer.dispose();
  });

  it('resumes from a checkpoint exactly as an uninterrupted run (augmentation on)', async () => {
    const cfg = config({ augment: true, epochs: 2, checkpointEvery: 5 });
    const straight = harness();
    straight.trainer.configure(cfg);
    await straight.trainer.start();
    const expected = await weightsOf(straight.trainer);
    straight.trainer.dispose();

    const store = memoryCheckpointStore();
    const first = harness(store);
    first.trainer.configure(cfg);
    first.onStep((step) => {
      if (step === 7) void first.trainer.pause();
    });
    await first.trainer.start();
    expect(first.trainer.runState).toBe('paused');
    expect((await store.load())!.step).toBe(7);
    first.trainer.dispose(); // the page reloads: the model is gone, the checkpoint stays

    const second = harness(store);
    expect((await second.trainer.announceCheckpoint())!.step).toBe(7);
    expect(second.events[0]).toMatchObject({ type: 'resumable', step: 7, totalSteps: 12 });
    expect(await second.trainer.restoreCheckpoint()).toBe(true);
    await second.trainer.start();
    expect(second.trainer.currentStep).toBe(12);
    const resumed = await weightsOf(second.trainer);
    for (const [name, bits] of expected) expect(resumed.get(name), name).toEqual(bits);
    second.trainer.dispose();
  });

  it('a weights file with Adam state continues its run exactly; without it, from its step with a fresh Adam', async () => {
    const cfg = config({ augment: true, epochs: 2, evalEvery: 4 });
    const straight = harness();
    straight.trainer.configure(cfg);
    await straight.trainer.start();
    const expected = await weightsOf(straight.trainer);
    straight.trainer.dispose();

    const first = harness();
    first.trainer.configure(cfg);
    first.onStep((step) => {
      if (step === 7) void first.trainer.pause();
    });
    await first.trainer.start();
    const withAdam = await first.trainer.exportWeights(true);
    const withoutAdam = await first.trainer.exportWeights(false);
    first.trainer.dispose();

    // Another page: its settings are the defaults of another network; the file brings its own.
    const second = harness();
    second.trainer.configure(config({ arch: { ...ARCH, width: 5 }, augment: false }));
    await second.trainer.importWeights(withAdam, true);
    const model = second.events.find((e) => e.type === 'model');
    expect(model).toMatchObject({
      step: 7,
      config: { augment: true, epochs: 2 },
      source: { kind: 'file', fileStep: 7, optimizer: 'restored', finished: false },
    });
    const history = second.events.find((e) => e.type === 'history');
    expect(history?.type === 'history' && history.metrics.at(-1)?.step).toBe(7);
    expect(history?.type === 'history' && history.evaluations.at(-1)?.step).toBe(4);
    expect(second.trainer.runState).toBe('paused');
    await second.trainer.start();
    expect(second.trainer.currentStep).toBe(12);
    const continued = await weightsOf(second.trainer);
    for (const [name, bits] of expected) expect(continued.get(name), name).toEqual(bits);
    second.trainer.dispose();

    const third = harness();
    third.trainer.configure(cfg);
    await third.trainer.importWeights(withoutAdam, true);
    expect(third.events.find((e) => e.type === 'model')).toMatchObject({
      step: 7,
      source: { optimizer: 'fresh' },
    });
    third.trainer.dispose();
  });

  it('a finished file is done; restartSchedule trains it further from step 0 with a fresh Adam', async () => {
    const { trainer } = harness();
    trainer.configure(config({ epochs: 1 }));
    await trainer.start();
    const finished = await trainer.exportWeights(true);
    trainer.dispose();
    const other = harness();
    other.trainer.configure(config({ epochs: 1 }));
    await other.trainer.importWeights(finished, true);
    expect(other.trainer.runState).toBe('done');
    expect(other.events.find((e) => e.type === 'model')).toMatchObject({
      step: 6,
      source: { finished: true, optimizer: 'fresh' },
    });
    const loaded = await weightsOf(other.trainer);
    other.trainer.restartSchedule();
    expect(other.trainer.runState).toBe('paused');
    expect(other.trainer.currentStep).toBe(0);
    expect(await weightsOf(other.trainer)).toEqual(loaded);
    await other.trainer.start();
    expect(other.trainer.currentStep).toBe(6);
    other.trainer.dispose();
  });

  it('a checkpoint keeps the latest radii, and a restore sends them back with the history', async () => {
    const store = memoryCheckpointStore();
    const first = harness(store);
    first.trainer.configure(config({ epochs: 1, evalEvery: 2, checkpointEvery: 3 }));
    first.onStep((step) => {
      if (step === 5) void first.trainer.pause();
    });
    await first.trainer.start();
    const lastEvaluation = first.events.filter((e) => e.type === 'evaluation').at(-1);
    first.trainer.dispose();
    const second = harness(store);
    await second.trainer.restoreCheckpoint();
    const history = second.events.find((e) => e.type === 'history');
    if (history?.type !== 'history' || lastEvaluation?.type !== 'evaluation')
      throw new Error('missing events');
    expect(history.certificates).toMatchObject({ step: 4, n: lastEvaluation.n });
    expect(history.certificates?.radii).toEqual(lastEvaluation.radii);
    expect(history.certificates?.predictions).toEqual(lastEvaluation.predictions);
    expect(history.evaluations.at(-1)?.step).toBe(4);
    second.trainer.dispose();
  });

  it('pauses and rolls back to the last checkpoint when the loss is not finite', async () => {
    const { trainer, events, store } = harness();
    trainer.configure(config({ learningRate: 1e30, checkpointEvery: 0 }));
    await trainer.start();
    expect(trainer.runState).toBe('paused');
    const error = events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ name: 'NonFiniteLoss' });
    expect(trainer.currentStep).toBe(0);
    const saved = await store.load();
    const params = await trainer.model!.exportParams();
    for (const [name, values] of saved!.params) expect(params.get(name)).toEqual(values);
    for (const values of params.values()) expect(values.every(Number.isFinite)).toBe(true);
    trainer.dispose();
  });

  it('exports weights that import back, and refuses another architecture without touching the model', async () => {
    const { trainer } = harness();
    trainer.configure(config({ epochs: 1 }));
    await trainer.start();
    const text = await trainer.exportWeights();
    const doc = parseWeights(text);
    expect(doc.extras.config).toMatchObject({ seed: 3, dataset: 'toy' });
    expect(doc.extras.step).toBe(6);
    expect(doc.optimizer).toBeUndefined();
    const checkpoint = parseWeights(await trainer.exportWeights(true));
    expect(checkpoint.params).toEqual(doc.params);
    expect(checkpoint.optimizer?.step).toBe(6);
    // The moments leave in PyTorch layout, like the weights: a conv kernel's moments have its shape.
    const kernel = checkpoint.optimizer!.expAvgSq.get('model.1.kernel')!;
    expect(kernel.length).toBe(doc.params.get('model.1.kernel')!.length);
    expect(kernel.every((x) => x >= 0) && kernel.some((x) => x > 0)).toBe(true);
    const before = await weightsOf(trainer);
    const other = harness();
    other.trainer.configure(config({ arch: { ...ARCH, width: 5 }, epochs: 1 }));
    await other.trainer.start();
    const foreign = await other.trainer.exportWeights();
    other.trainer.dispose();
    await expect(trainer.importWeights(foreign)).rejects.toMatchObject({ name: 'ArchitectureMismatch' });
    expect(await weightsOf(trainer)).toEqual(before);
    await expect(trainer.importWeights('{"format":"x"}')).rejects.toThrow(/wrong format/);
    expect(await weightsOf(trainer)).toEqual(before);
    await trainer.importWeights(text);
    expect(await weightsOf(trainer)).toEqual(before);
    await trainer.importWeights(foreign, true);
    expect(trainer.model!.arch.width).toBe(5);
    trainer.dispose();
  });

  it('keeps tf.memory().numTensors flat over 200 steps and across three runs', async () => {
    const { trainer, onStep } = harness();
    const baseline = tf.memory().numTensors;
    for (let runIndex = 0; runIndex < 3; runIndex++) {
      // By step, the last yield of each: an evaluation's yields come first, its t-vectors alive.
      const counts = new Map<number, number>();
      onStep((step) => counts.set(step, tf.memory().numTensors));
      // 200 steps of batch 8 on 96 images: 12 steps per epoch, 17 epochs => 204 steps.
      trainer.configure(config({ batchSize: 8, epochs: 17, seed: runIndex, checkpointEvery: 50 }));
      await trainer.start();
      expect(counts.size).toBeGreaterThanOrEqual(200);
      expect(new Set([...counts.values()].slice(1)).size).toBe(1);
      await trainer.reset();
      expect(tf.memory().numTensors).toBe(baseline);
    }
  });

  it('writes checkpoints by time as well as by step', async () => {
    const { trainer, events } = harness();
    // The test clock advances 10 ms per reading: a 0.2 s period fires every few steps.
    trainer.configure(config({ checkpointEvery: 0, checkpointSeconds: 0.2 }));
    await trainer.start();
    const steps = events.filter((e) => e.type === 'checkpoint').map((e) => e.step);
    expect(steps[0]).toBe(0);
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.at(-1)).toBe(12);
    trainer.dispose();
  });

  it('trains on a slice of the training set when trainLimit is set', async () => {
    const { trainer, events } = harness();
    trainer.configure(config({ trainLimit: 32, epochs: 1 }));
    await trainer.start();
    expect(events.filter((e) => e.type === 'metrics').at(-1)).toMatchObject({ step: 2, totalSteps: 2 });
    trainer.dispose();
  });

  it('changes of evaluation or checkpoint settings keep the model; depth or the training slice start a new run', async () => {
    const { trainer } = harness();
    trainer.configure(config({ epochs: 1 }));
    await trainer.start();
    const model = trainer.model;
    trainer.configure(config({ epochs: 1, evalEvery: 7, evalSubset: 9, checkpointSeconds: 3 }));
    expect(trainer.model).toBe(model);
    trainer.configure(config({ epochs: 1, trainLimit: 48 }));
    expect(trainer.model).toBeNull();
    await trainer.start();
    trainer.configure(config({ epochs: 1, arch: { ...ARCH, nConv: 3 } }));
    expect(trainer.model).toBeNull();
    expect(trainer.runState).toBe('idle');
    trainer.dispose();
  });
});
