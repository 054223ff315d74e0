import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { createLabStore } from '../../src/store/labStore.ts';

const metrics: WorkerEvent = {
  type: 'metrics',
  step: 40,
  epoch: 0,
  loss: 1.5,
  trainAccuracy: 0.3,
  learningRate: 0.01,
  imagesPerSecond: 100,
  etaSeconds: null,
  totalSteps: 1000,
};

describe('lab store: the worker link', () => {
  it('a restart forgets the old worker’s run, keeps the settings, and starts a new worker', () => {
    let restarts = 0;
    const s = createLabStore({ send: () => {}, saveFile: () => {}, restartWorker: () => restarts++ });
    s.getState().updateSettings({ width: 24 });
    s.getState().applyEvent({ type: 'ready', backend: 'wasm', adapter: null, fallbacks: [] });
    s.getState().applyEvent({ type: 'state', state: 'running', step: 40, totalSteps: 1000 });
    s.getState().applyEvent(metrics);
    s.getState().setWorkerLink({ kind: 'silent', seconds: 30 });

    s.getState().restartWorker();
    expect(restarts).toBe(1);
    expect(s.getState()).toMatchObject({
      worker: { kind: 'answering' },
      backend: null,
      runState: 'idle',
      step: 0,
      metrics: [],
      modelConfig: null,
    });
    expect(s.getState().settings.width).toBe(24);
  });
});
