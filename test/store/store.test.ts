import { describe, expect, it } from 'vitest';
import type { Command, MetricsPoint, WorkerEvent } from '../../src/protocol.ts';
import { METRICS_HISTORY_CAP, withMetricsPoint } from '../../src/sll/runHistory.ts';
import { createLabStore } from '../../src/store/labStore.ts';
import {
  DEFAULT_SETTINGS,
  isPresetShape,
  settingsFromQuery,
  settingsToQuery,
  toTrainConfig,
} from '../../src/store/settings.ts';

describe('settings', () => {
  it('round-trip through the URL, and bad values fall back to defaults', () => {
    const s = {
      ...DEFAULT_SETTINGS,
      preset: 'tiny' as const,
      nConv: 3,
      width: 12,
      epsSteps: 72,
      backend: 'wasm' as const,
      augment: false,
    };
    expect(settingsFromQuery(settingsToQuery(s))).toEqual(s);
    const bad = settingsFromQuery('eps=999&width=-4&loss=nope&backend=tpu&lr=-1&preset=giant');
    expect(bad).toEqual(DEFAULT_SETTINGS);
  });

  it('make a training config: official conv inner 5 stays, lab/tiny inner follows the width', () => {
    expect(
      toTrainConfig({ ...DEFAULT_SETTINGS, preset: 'small', nConv: 20, nDense: 7, width: 45 }).arch
        .convInnerDim,
    ).toBe(5);
    const lab = toTrainConfig({ ...DEFAULT_SETTINGS, width: 24 });
    expect(lab.arch.convInnerDim).toBe(24);
    expect(lab.preset).toBe('custom');
    expect(isPresetShape(DEFAULT_SETTINGS)).toBe(true);
    expect(toTrainConfig(DEFAULT_SETTINGS).preset).toBe('lab');
    expect(toTrainConfig({ ...DEFAULT_SETTINGS, dataset: 'cifar100-abc' }).arch.nClasses).toBe(100);
  });
});

const FIRST_METRICS: WorkerEvent = {
  type: 'metrics',
  step: 1,
  epoch: 0,
  loss: 2,
  trainAccuracy: 0.1,
  learningRate: 0.01,
  imagesPerSecond: 10,
  etaSeconds: 5,
  totalSteps: 10,
};

describe('lab store', () => {
  function store() {
    const sent: Command[] = [];
    const files: string[] = [];
    const s = createLabStore({ send: (c) => sent.push(c), saveFile: (name) => files.push(name) });
    return { s, sent, files };
  }

  it('Train configures and starts; a changed depth makes the next Train a fresh run', () => {
    const { s, sent } = store();
    s.getState().train();
    expect(sent.map((c) => c.type)).toEqual(['configure', 'start']);
    s.getState().applyEvent(FIRST_METRICS);
    s.getState().train();
    expect(s.getState().metrics).toHaveLength(1); // same run: history kept
    s.getState().updateSettings({ nConv: 2 });
    s.getState().train();
    expect(s.getState().confirmation?.action).toBe('train'); // a run with progress: ask first
    s.getState().confirm();
    expect(s.getState().metrics).toHaveLength(0); // new run: history cleared
    const configure = sent.filter((c) => c.type === 'configure').at(-1);
    expect(configure?.type === 'configure' && configure.config.arch.nConv).toBe(2);
  });

  it('never sends eps to the worker: the slider is applied to the radii in the page', () => {
    const { s, sent } = store();
    const moveEps = () => {
      sent.length = 0;
      for (const epsSteps of [0, 1, 36, 100, 255]) s.getState().updateSettings({ epsSteps });
      expect(sent).toEqual([]);
    };
    moveEps();
    s.getState().train();
    moveEps();
    s.getState().pause();
    moveEps();
    s.getState().resume();
    s.getState().loadWeights(new TextEncoder().encode('{}'));
    s.getState().evaluateFull();
    moveEps();
    s.getState().updateSettings({ epsSteps: 77 });
    s.getState().train();
    const withEps = (value: unknown): boolean =>
      typeof value === 'object' &&
      value !== null &&
      Object.entries(value).some(([k, v]) => k === 'eps' || withEps(v));
    expect(sent.filter(withEps)).toEqual([]);
  });

  it('keeps the history when only the evaluation cadence or size changes (the worker keeps the run too)', () => {
    const { s } = store();
    s.getState().train();
    s.getState().applyEvent(FIRST_METRICS);
    s.getState().updateSettings({ evalEvery: 7, evalImages: 100 });
    s.getState().train();
    expect(s.getState().metrics).toHaveLength(1);
    s.getState().updateSettings({ trainImages: 1000 });
    s.getState().train();
    s.getState().confirm();
    expect(s.getState().metrics).toHaveLength(0);
  });

  it('applies worker events and saves exported weights under a telling name', () => {
    const { s, files } = store();
    s.getState().applyEvent({ type: 'ready', backend: 'webgpu', adapter: 'swiftshader', fallbacks: [] });
    expect(s.getState().backend?.name).toBe('webgpu');
    s.getState().applyEvent({ type: 'error', name: 'WeightsFileError', message: 'wrong format', hint: null });
    expect(s.getState().error?.message).toBe('wrong format');
    s.getState().dismissError();
    expect(s.getState().error).toBeNull();
    s.getState().train();
    s.getState().applyEvent({ type: 'weights', text: '{}' });
    expect(files).toEqual(['sll-lab-lab-step0.json']);
    const config = {
      ...toTrainConfig(DEFAULT_SETTINGS),
      arch: { ...toTrainConfig(DEFAULT_SETTINGS).arch, nConv: 9 },
    };
    s.getState().applyEvent({ type: 'model', config, step: 40, source: { kind: 'checkpoint' } });
    expect(s.getState().settings.nConv).toBe(9);
    expect(s.getState().step).toBe(40);
  });

  it("thins a long run's metrics as the worker does, keeping the newest", () => {
    const { s } = store();
    let worker: MetricsPoint[] = [];
    for (let step = 1; step <= 5_000; step++) {
      const point = {
        step,
        epoch: 0,
        loss: 1 / step,
        trainAccuracy: 0.1,
        learningRate: 0.01,
        imagesPerSecond: 10,
      };
      worker = withMetricsPoint(worker, point);
      s.getState().applyEvent({ type: 'metrics', ...point, etaSeconds: 5, totalSteps: 5_000 });
    }
    expect(s.getState().metrics.length).toBeLessThanOrEqual(METRICS_HISTORY_CAP + 2);
    expect(s.getState().metrics.at(-1)?.step).toBe(5_000);
    expect(s.getState().metrics).toEqual(worker);
  });
});

describe('one truth: the page describes the model the worker holds', () => {
  function trained() {
    const sent: Command[] = [];
    const s = createLabStore({ send: (c) => sent.push(c), saveFile: () => {} });
    s.getState().train();
    s.getState().applyEvent(FIRST_METRICS);
    s.getState().applyEvent({ type: 'state', state: 'paused', step: 1, totalSteps: 10 });
    sent.length = 0;
    return { s, sent };
  }

  it('asks before Train, Reset or a preset change discards a run, saying what is lost; cancel keeps it', () => {
    const { s, sent } = trained();
    s.getState().updateSettings({ nConv: 5 });
    s.getState().train();
    expect(sent).toEqual([]);
    expect(s.getState().confirmation?.lost).toMatch(/lab, 4 conv x 16, step 1 of 10, 0 evaluations/);
    s.getState().cancelConfirmation();
    expect(s.getState().confirmation).toBeNull();
    expect(s.getState().metrics).toHaveLength(1);
    s.getState().reset();
    expect(s.getState().confirmation?.action).toBe('reset');
    expect(sent).toEqual([]);
    s.getState().confirm();
    expect(sent.map((c) => c.type)).toEqual(['reset']);
    expect(s.getState().modelConfig).toBeNull();
  });

  it('refuses at once a network too large for the backend, keeping the run and sending nothing', () => {
    const { s, sent } = trained();
    s.getState().applyEvent({ type: 'ready', backend: 'wasm', adapter: null, fallbacks: [] });
    s.getState().updateSettings({ nConv: 20, nDense: 7, width: 45 });
    s.getState().train();
    expect(sent).toEqual([]);
    expect(s.getState().confirmation).toBeNull();
    expect(s.getState().error?.message).toMatch(/too large for WASM/);
    expect(s.getState().metrics).toHaveLength(1);
  });

  it('a confirmed preset change is not asked again by Train', () => {
    const { s, sent } = trained();
    s.getState().choosePreset('tiny');
    expect(s.getState().settings.preset).toBe('lab');
    expect(s.getState().confirmation?.action).toBe('preset');
    s.getState().confirm();
    expect(s.getState().settings.nConv).toBe(2);
    s.getState().train();
    expect(s.getState().confirmation).toBeNull();
    expect(sent.map((c) => c.type)).toEqual(['configure', 'start']);
  });

  it('Resume does nothing while a run-defining setting is pending; reverting the settings re-enables it', () => {
    const { s, sent } = trained();
    s.getState().updateSettings({ nConv: 5, learningRate: 0.001 });
    s.getState().resume();
    expect(sent).toEqual([]);
    s.getState().revertSettings();
    expect(s.getState().settings.nConv).toBe(4);
    expect(s.getState().settings.learningRate).toBe(0.01);
    s.getState().resume();
    expect(sent.map((c) => c.type)).toEqual(['resume']);
  });

  it('a restored history brings back the latest radii with their evaluation', () => {
    const { s } = trained();
    const summary = { step: 8, n: 3, naturalAccuracy: 2 / 3, certified: [], imagesPerSecond: 1 };
    const certificates = {
      step: 8,
      n: 3,
      radii: Float64Array.from([0.5, 0.1, 0.2]),
      predictions: Int32Array.from([1, 0, 2]),
      labels: Int32Array.from([1, 0, 0]),
    };
    s.getState().applyEvent({
      type: 'model',
      config: s.getState().modelConfig!,
      step: 8,
      source: { kind: 'checkpoint' },
    });
    s.getState().applyEvent({
      type: 'history',
      metrics: [],
      evaluations: [{ ...summary, step: 4 }, summary],
      certificates,
    });
    const [older, latest] = s.getState().evaluations;
    expect(older.radii).toHaveLength(0);
    expect(latest.radii).toEqual(certificates.radii);
    expect(latest.labels).toEqual(certificates.labels);
  });

  it('a loaded file replaces the charts, and continuing a finished file restarts its schedule', () => {
    const { s, sent } = trained();
    const config = s.getState().modelConfig!;
    s.getState().applyEvent({
      type: 'model',
      config,
      step: 10,
      source: { kind: 'file', fileStep: 10, optimizer: 'fresh', finished: true },
    });
    expect(s.getState().metrics).toEqual([]);
    expect(s.getState().step).toBe(10);
    s.getState().applyEvent({ type: 'state', state: 'done', step: 10, totalSteps: 10 });
    s.getState().continueTraining();
    expect(sent.map((c) => c.type)).toEqual(['restartSchedule', 'resume']);
  });

  it('Train after loading a file continues that model, not a fresh one', () => {
    const { s, sent } = trained();
    const config = { ...s.getState().modelConfig!, preset: 'custom' as const };
    s.getState().applyEvent({
      type: 'model',
      config,
      step: 5,
      source: { kind: 'file', fileStep: 5, optimizer: 'restored', finished: false },
    });
    s.getState().train();
    expect(s.getState().confirmation).toBeNull();
    const configure = sent.find((c) => c.type === 'configure');
    expect(configure?.type === 'configure' && configure.config).toEqual(config);
    expect(s.getState().step).toBe(5);
  });
});
