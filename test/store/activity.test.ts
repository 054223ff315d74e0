import { describe, expect, it } from 'vitest';
import type { ProgressTask, WorkerEvent } from '../../src/protocol.ts';
import { createLabStore } from '../../src/store/labStore.ts';

const progress = (task: ProgressTask, done: number, total: number, unit = 'images'): WorkerEvent => ({
  type: 'progress',
  task,
  done,
  total,
  unit,
});

describe('lab store: the activity under way', () => {
  function store() {
    return createLabStore({ send: () => {}, saveFile: () => {} });
  }

  it('follows an operation from its start to its end, then clears it', () => {
    const s = store();
    expect(s.getState().activity).toBeNull();
    s.getState().applyEvent(progress('evaluation', 0, 10_000));
    expect(s.getState().activity).toEqual({ task: 'evaluation', done: 0, total: 10_000, unit: 'images' });
    s.getState().applyEvent(progress('evaluation', 2_500, 10_000));
    expect(s.getState().activity).toMatchObject({ done: 2_500 });
    s.getState().applyEvent(progress('evaluation', 10_000, 10_000));
    expect(s.getState().activity).toBeNull();
  });

  it('shows the next operation, and a late end of another one leaves it', () => {
    const s = store();
    s.getState().applyEvent(progress('weights', 0, 1, 'files'));
    s.getState().applyEvent(progress('weights', 1, 1, 'files'));
    s.getState().applyEvent(progress('evaluation', 0, 10_000));
    s.getState().applyEvent(progress('compile', 1, 1, 'steps'));
    expect(s.getState().activity).toMatchObject({ task: 'evaluation', done: 0 });
  });

  it('keeps a null ETA while the worker is still measuring it', () => {
    const s = store();
    const metrics = (step: number, etaSeconds: number | null): WorkerEvent => ({
      type: 'metrics',
      step,
      epoch: step / 100,
      loss: 2,
      trainAccuracy: 0.1,
      learningRate: 0.01,
      imagesPerSecond: 100,
      etaSeconds,
      totalSteps: 100,
    });
    s.getState().applyEvent(metrics(1, null));
    expect(s.getState().etaSeconds).toBeNull();
    s.getState().applyEvent(metrics(20, 40));
    expect(s.getState().etaSeconds).toBe(40);
  });
});
