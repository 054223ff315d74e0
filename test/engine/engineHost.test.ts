import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendOrder, selectBackend } from '../../src/engine/backends.ts';
import { type CheckpointStore, memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import type { Command, WorkerEvent } from '../../src/protocol.ts';
import type { BackendName } from '../../src/sll/backendNames.ts';
import type { TrainConfig } from '../../src/sll/trainConfig.ts';
import { toyConfig } from '../helpers/toyData.ts';
import { EngineHost } from '../../src/engine/engineHost.ts';
import { toyHostDeps } from '../helpers/toyHost.ts';
import { decodeOnnxModel } from '../helpers/onnx.ts';

describe('backend selection', () => {
  it('tries webgpu, webgl, wasm, cpu in order and says why each one was passed over', async () => {
    expect(backendOrder('auto')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(backendOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    const tried: BackendName[] = [];
    const ready = await selectBackend('auto', async (name) => {
      tried.push(name);
      if (name === 'webgpu') throw new Error('navigator.gpu is missing');
      if (name === 'webgl') throw new Error('WebGL 2 is not available');
      return { adapter: 'SIMD on' };
    });
    expect(tried).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(ready).toEqual({
      backend: 'wasm',
      adapter: 'SIMD on',
      fallbacks: [
        { backend: 'webgpu', reason: 'navigator.gpu is missing' },
        { backend: 'webgl', reason: 'WebGL 2 is not available' },
      ],
    });
  });

  it('skips a backend lost earlier and fails with every reason when none starts', async () => {
    const forcedFlags: boolean[] = [];
    await selectBackend('webgl', async (_name, { forced }) => {
      forcedFlags.push(forced);
      if (forcedFlags.length === 1) throw new Error('no WebGL 2');
      return { adapter: null };
    });
    expect(forcedFlags).toEqual([true, false]); // only the chosen backend is "forced"
    const ready = await selectBackend('auto', async () => ({ adapter: null }), undefined, ['webgpu']);
    expect(ready.backend).toBe('webgl');
    expect(ready.fallbacks).toEqual([{ backend: 'webgpu', reason: 'lost during this session' }]);
    await expect(
      selectBackend('cpu', async (name) => {
        throw new Error(`${name} broken`);
      }),
    ).rejects.toThrow(/cpu: cpu broken; webgpu: webgpu broken/);
  });
});

function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return toyConfig({ epochs: 1, seed: 1, evalSubset: 20, checkpointEvery: 2, ...overrides });
}

function host(options: { loseDeviceAtStep?: number; store?: CheckpointStore } = {}) {
  const events: WorkerEvent[] = [];
  const backends: string[] = [];
  let steps = 0;
  let loseDevice: (reason: string) => void = () => {};
  const h = new EngineHost(
    toyHostDeps(events, {
      selectBackend: async (choice, avoid) => {
        backends.push(`${choice} avoid=${avoid.join(',')}`);
        // The first backend's device goes away mid-run, as WebGPU's device.lost reports it.
        const lost =
          backends.length === 1 ? new Promise<string>((resolve) => (loseDevice = resolve)) : undefined;
        return { backend: 'cpu', adapter: null, fallbacks: [], lost };
      },
      ...(options.store ? { store: options.store } : {}),
      // Called once after every training step.
      yieldToEvents: async () => {
        steps += 1;
        if (steps === options.loseDeviceAtStep) loseDevice('the driver was reset');
        await new Promise((r) => setImmediate(r));
      },
    }),
  );
  const until = async (pred: (e: WorkerEvent) => boolean) => {
    for (let i = 0; i < 2000 && !events.some(pred); i++) await new Promise((r) => setTimeout(r, 5));
    return events.find(pred);
  };
  return { h, events, backends, until };
}

/** The step of the last event of a kind that carries one. */
function lastStepOf(events: WorkerEvent[], type: 'model' | 'state'): number {
  const last = events.filter((e) => e.type === type).at(-1);
  return last && 'step' in last ? last.step : -1;
}

describe('EngineHost', () => {
  it('reports the backend, trains on start, evaluates and exports on request', async () => {
    const { h, events, until } = host();
    await h.init('cpu');
    expect(events[0]).toEqual({ type: 'ready', backend: 'cpu', adapter: null, fallbacks: [] });
    expect(events[1]).toEqual({ type: 'datasets', imported: [], added: null });
    const send = (c: Command) => h.handle(c);
    await send({ type: 'configure', config: config() });
    await send({ type: 'start' });
    expect(await until((e) => e.type === 'state' && e.state === 'done')).toBeDefined();
    await send({ type: 'evaluate', subset: 'full' });
    const full = events.filter((e) => e.type === 'evaluation').at(-1);
    expect(full).toMatchObject({ n: 40 });
    await send({ type: 'exportWeights', withOptimizer: false });
    expect(events.at(-1)).toMatchObject({ type: 'weights' });
    await send({ type: 'exportOnnx' });
    const onnx = events.at(-1);
    expect(onnx?.type === 'onnx' && decodeOnnxModel(onnx.bytes).graph?.output?.[0]?.name).toBe('logits');
    h.dispose();
  });

  it('turns a bad command into an error event, not an exception', async () => {
    const { h, events } = host();
    await h.init('cpu');
    await h.handle({ type: 'exportWeights', withOptimizer: false });
    expect(events.at(-1)).toMatchObject({ type: 'error', name: 'NoModel' });
    await h.handle({ type: 'importWeights', file: new TextEncoder().encode('not json'), asNewModel: false });
    expect(events.at(-1)).toMatchObject({ type: 'error', name: 'WeightsFileError' });
    await h.handle({
      type: 'importDataset',
      files: [{ name: 'cifar-10-binary.tar.gz', bytes: new Uint8Array(10) }],
    });
    expect(events.at(-1)).toMatchObject({ type: 'error', name: 'ArchiveError' });
    h.dispose();
  });

  it('moves to another backend and restores the checkpoint when asked to switch', async () => {
    const { h, events, backends, until } = host();
    await h.init('auto');
    await h.handle({ type: 'configure', config: config({ epochs: 3 }) });
    await h.handle({ type: 'start' });
    await until((e) => e.type === 'metrics' && e.step >= 3);
    await h.handle({ type: 'chooseBackend', backend: 'wasm' });
    expect(backends).toEqual(['auto avoid=', 'wasm avoid=']);
    const paused = events.filter((e) => e.type === 'state').at(-1);
    expect(paused).toMatchObject({ state: 'paused' });
    expect(lastStepOf(events, 'model')).toBeGreaterThanOrEqual(3);
    expect(tf.getBackend()).toBe('cpu');
    h.dispose();
  });

  it('recovers from a lost device on the next backend, from the last checkpoint', async () => {
    const { h, events, backends, until } = host({ loseDeviceAtStep: 5 });
    await h.init('auto');
    await h.handle({ type: 'configure', config: config({ epochs: 3, checkpointEvery: 4 }) });
    await h.handle({ type: 'start' });
    const error = await until((e) => e.type === 'error');
    expect(error).toMatchObject({
      name: 'DeviceLost',
      message: 'the cpu device was lost (the driver was reset)',
      hint: expect.stringMatching(/next backend/),
    });
    await until((e) => e.type === 'state' && e.state === 'paused');
    expect(backends).toEqual(['auto avoid=', 'auto avoid=cpu']);
    expect(events.filter((e) => e.type === 'ready')).toHaveLength(2);
    expect(lastStepOf(events, 'model')).toBe(4);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    h.dispose();
  });

  it('handles commands in order: a resume sent right after a restore waits for it', async () => {
    const store = memoryCheckpointStore();
    const first = host({ store });
    await first.h.init('cpu');
    await first.h.handle({ type: 'configure', config: config({ epochs: 4 }) });
    await first.h.handle({ type: 'start' });
    await first.until((e) => e.type === 'metrics' && e.step >= 3);
    await first.h.handle({ type: 'pause' });
    const pausedAt = lastStepOf(first.events, 'state');
    first.h.dispose();

    const second = host({ store });
    await second.h.init('cpu');
    expect(second.events.find((e) => e.type === 'resumable')).toMatchObject({ step: pausedAt });
    void second.h.handle({ type: 'restoreCheckpoint' });
    void second.h.handle({ type: 'resume' });
    await second.until((e) => e.type === 'state' && e.state === 'done');
    expect(second.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(second.events.find((e) => e.type === 'state' && e.state === 'running')).toMatchObject({
      step: pausedAt,
    });
    const firstMetric = second.events.find((e) => e.type === 'metrics');
    expect(firstMetric?.type === 'metrics' && firstMetric.step).toBeGreaterThan(pausedAt);
    second.h.dispose();
  });
});
