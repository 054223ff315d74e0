import { describe, expect, it } from 'vitest';
import { memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import { EngineHost } from '../../src/engine/engineHost.ts';
import { toyHostDeps } from '../helpers/toyHost.ts';
import { Trainer } from '../../src/engine/trainer.ts';
import type { ProgressTask, WorkerEvent } from '../../src/protocol.ts';
import { toyConfig, toyData } from '../helpers/toyData.ts';

type Progress = Extract<WorkerEvent, { type: 'progress' }>;

/** The progress events of one task, split into operations (each from done 0 to done = total). */
function operations(events: WorkerEvent[], task: ProgressTask): Progress[][] {
  const ops: Progress[][] = [];
  for (const e of events) {
    if (e.type !== 'progress' || e.task !== task) continue;
    if (e.done === 0) ops.push([]);
    ops.at(-1)!.push(e);
  }
  return ops;
}

/** Starts at 0, only grows, ends once at total, in the given unit. */
function expectWellFormed(op: Progress[], total: number, unit: string): void {
  expect(op[0].done).toBe(0);
  expect(op.at(-1)!.done).toBe(total);
  expect(op.every((e) => e.total === total && e.unit === unit)).toBe(true);
  for (let i = 1; i < op.length; i++) expect(op[i].done).toBeGreaterThan(op[i - 1].done);
}

// A clock that moves a second per reading, so no evaluation report is throttled away.
function slowClock() {
  let t = 0;
  return () => (t += 1000);
}

describe('progress of long operations', () => {
  it('a run reports its set-up, then its warm-up, then each evaluation, in that order', async () => {
    const events: WorkerEvent[] = [];
    // 600 test images: three batches of 250, 250 and 100.
    const data = toyData(96, 600);
    const trainer = new Trainer({
      emit: (e) => events.push(e),
      loadData: async () => data,
      store: memoryCheckpointStore(),
      now: slowClock(),
      yieldToEvents: async () => {},
      metricsIntervalMs: 0,
    });
    trainer.configure(toyConfig({ epochs: 1, evalSubset: 600 }));
    await trainer.start();

    const [setup] = operations(events, 'setup');
    expectWellFormed(setup, 3, 'stages');
    expect(setup.map((e) => e.done)).toEqual([0, 1, 2, 3]);
    const kinds = events.map((e) => e.type);
    // The set-up is over before training starts, and covers the first checkpoint.
    const setupEnd = events.indexOf(setup[3]);
    expect(events.findIndex((e) => e.type === 'checkpoint')).toBeLessThan(setupEnd);
    expect(events.findIndex((e) => e.type === 'state' && e.state === 'running')).toBeGreaterThan(setupEnd);

    const [compile] = operations(events, 'compile');
    expectWellFormed(compile, 1, 'steps');
    // Warming up until the first metrics arrive.
    expect(events.indexOf(compile[1])).toBeLessThan(kinds.indexOf('metrics'));
    expect(events.indexOf(compile[0])).toBeGreaterThan(setupEnd);

    // One epoch of 6 steps: quick evaluations need a periodic cadence, so only the last step's.
    const evals = operations(events, 'evaluation');
    expect(evals).toHaveLength(1);
    expectWellFormed(evals[0], 600, 'images');
    expect(evals[0].map((e) => e.done)).toEqual([0, 250, 500, 600]);
    // The evaluation event comes before the end of its progress: the page always shows one of them.
    expect(events.indexOf(evals[0][2])).toBeLessThan(kinds.indexOf('evaluation'));
    expect(events.indexOf(evals[0][3])).toBe(kinds.indexOf('evaluation') + 1);
    trainer.dispose();
  });

  it('a periodic cadence starts with quick evaluations on a few images', async () => {
    const events: WorkerEvent[] = [];
    const trainer = new Trainer({
      emit: (e) => events.push(e),
      loadData: async () => toyData(8 * 40, 250),
      store: memoryCheckpointStore(),
      now: slowClock(),
      yieldToEvents: async () => {},
    });
    trainer.configure(toyConfig({ epochs: 1, batchSize: 8, evalEvery: 25, evalSubset: 250 }));
    await trainer.start();
    const evaluations = events.filter((e) => e.type === 'evaluation').map((e) => [e.step, e.n]);
    expect(evaluations).toEqual([
      [3, 200],
      [10, 200],
      [20, 200],
      [25, 250],
      [40, 250],
    ]);
    expect(operations(events, 'evaluation').map((op) => op.at(-1)!.total)).toEqual([200, 200, 200, 250, 250]);
    trainer.dispose();
  });

  it('a weights load, then its full evaluation, and a checkpoint restore each report progress', async () => {
    const events: WorkerEvent[] = [];
    const h = new EngineHost(toyHostDeps(events, { now: slowClock() }));
    await h.init('cpu');
    await h.handle({ type: 'configure', config: toyConfig({ epochs: 1 }) });
    await h.handle({ type: 'start' });
    for (let i = 0; i < 2000 && !events.some((e) => e.type === 'state' && e.state === 'done'); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await h.handle({ type: 'exportWeights', withOptimizer: false });
    const weights = events.findLast((e) => e.type === 'weights');
    if (weights?.type !== 'weights') throw new Error('no weights');

    events.length = 0;
    await h.handle({ type: 'importWeights', file: new TextEncoder().encode(weights.text), asNewModel: true });
    const [load] = operations(events, 'weights');
    expectWellFormed(load, 1, 'files');
    const [full] = operations(events, 'evaluation');
    expectWellFormed(full, 40, 'images');
    expect(events.indexOf(load[1])).toBeLessThan(events.indexOf(full[0]));
    expect(events.at(-2)).toMatchObject({ type: 'evaluation', n: 40 });
    expect(events.at(-1)).toEqual({
      type: 'progress',
      task: 'evaluation',
      done: 40,
      total: 40,
      unit: 'images',
    });

    events.length = 0;
    await h.handle({ type: 'restoreCheckpoint' });
    const [restore] = operations(events, 'restore');
    expectWellFormed(restore, 1, 'checkpoints');
    expect(events.indexOf(restore[1])).toBeGreaterThan(events.findIndex((e) => e.type === 'model'));

    // A failure still ends the operation, before the error is reported.
    events.length = 0;
    await h.handle({ type: 'importWeights', file: new TextEncoder().encode('not json'), asNewModel: true });
    expect(events.map((e) => (e.type === 'progress' ? `${e.task} ${e.done}/${e.total}` : e.type))).toEqual([
      'weights 0/1',
      'weights 1/1',
      'error',
    ]);
    h.dispose();
  });
});
