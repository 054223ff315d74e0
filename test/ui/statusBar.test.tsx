// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { StatusBar } from '../../src/ui/StatusBar.tsx';
import { emit, renderWithLab } from './render.tsx';

afterEach(cleanup);

const badge = () => screen.getByTestId('backend-badge');

function metrics(
  step: number,
  epoch: number,
  imagesPerSecond: number,
  etaSeconds: number | null,
): WorkerEvent {
  return {
    type: 'metrics',
    step,
    epoch,
    loss: 1.5,
    trainAccuracy: 0.4,
    learningRate: 0.01,
    imagesPerSecond,
    etaSeconds,
    totalSteps: 400,
  };
}

describe('BackendBadge', () => {
  it('says a backend is starting until the worker is ready', () => {
    renderWithLab(<StatusBar />);
    expect(badge().textContent).toBe('starting a backend…');
  });

  it('shows the backend and its adapter, and "first choice" without fallbacks', () => {
    const { store } = renderWithLab(<StatusBar />);
    emit(store, { type: 'ready', backend: 'webgpu', adapter: 'nvidia hopper', fallbacks: [] });
    expect(badge().querySelector('strong')?.textContent).toBe('webgpu');
    expect(badge().textContent).toBe('webgpu · nvidia hopper');
    expect(badge().getAttribute('title')).toBe('first choice');
    expect(badge().querySelectorAll('li')).toHaveLength(0);
  });

  it('lists why the backends before it did not start', () => {
    const { store } = renderWithLab(<StatusBar />);
    emit(store, {
      type: 'ready',
      backend: 'wasm',
      adapter: null,
      fallbacks: [
        { backend: 'webgpu', reason: 'navigator.gpu is missing' },
        { backend: 'webgl', reason: 'no WebGL2 context' },
      ],
    });
    expect(badge().querySelector('strong')?.textContent).toBe('wasm');
    expect(badge().textContent).not.toContain('·');
    expect([...badge().querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'not webgpu: navigator.gpu is missing',
      'not webgl: no WebGL2 context',
    ]);
    expect(badge().getAttribute('title')).toBe('webgpu: navigator.gpu is missing\nwebgl: no WebGL2 context');
  });
});

describe('StatusBar', () => {
  it('shows an idle run with no throughput at first', () => {
    renderWithLab(<StatusBar />);
    const run = screen.getByRole('progressbar', { name: 'Run: idle' }) as HTMLProgressElement;
    expect([run.value, run.max]).toEqual([0, 1]);
    expect(screen.getByText('step 0 / 0, ETA —')).toBeTruthy();
    expect(screen.getByTestId('images-per-second').textContent).toBe('— images/s');
    expect(screen.queryByText(/Loading|Dataset ready/)).toBeNull();
  });

  it('shows the dataset download, then the ready dataset', () => {
    const { store } = renderWithLab(<StatusBar />);
    emit(store, {
      type: 'dataset',
      phase: 'loading',
      split: 'train',
      loadedImages: 12_000,
      totalImages: 50_000,
      loadedBytes: 36_864_000,
      totalBytes: 153_600_000,
    });
    const loading = screen.getByRole('progressbar', { name: 'Loading train split' }) as HTMLProgressElement;
    expect([loading.value, loading.max]).toEqual([12_000, 50_000]);
    expect(screen.getByText('12,000 / 50,000 images, 36.86MB')).toBeTruthy();
    emit(store, {
      type: 'dataset',
      phase: 'ready',
      split: 'train',
      loadedImages: 50_000,
      totalImages: 50_000,
      loadedBytes: 0,
      totalBytes: 0,
    });
    const done = screen.getByRole('progressbar', { name: 'Dataset ready' }) as HTMLProgressElement;
    expect([done.value, done.max]).toEqual([1, 1]);
    expect(screen.getByText('50,000 training images')).toBeTruthy();
  });

  it('shows the run progress, epoch, ETA while running and throughput', () => {
    const { store } = renderWithLab(<StatusBar />);
    emit(store, { type: 'state', state: 'running', step: 0, totalSteps: 400 });
    emit(store, metrics(100, 0.25, 1234.4, 75));
    const run = screen.getByRole('progressbar', { name: 'Run: running' }) as HTMLProgressElement;
    expect([run.value, run.max]).toEqual([100, 400]);
    expect(screen.getByText('step 100 / 400, epoch 0.25, ETA 1 min 15 s')).toBeTruthy();
    expect(screen.getByTestId('images-per-second').textContent).toBe('1,234 images/s');

    emit(store, metrics(300, 0.75, 987.6, 3725));
    expect(screen.getByText('step 300 / 400, epoch 0.75, ETA 1 h 2 min')).toBeTruthy();
    expect(screen.getByTestId('images-per-second').textContent).toBe('988 images/s');

    // No ETA when not running.
    emit(store, { type: 'state', state: 'paused', step: 300, totalSteps: 400 });
    expect(screen.getByRole('progressbar', { name: 'Run: paused' })).toBeTruthy();
    expect(screen.getByText('step 300 / 400, epoch 0.75, ETA —')).toBeTruthy();
  });

  it('says the ETA is being measured until the worker finds it stable', () => {
    const { store } = renderWithLab(<StatusBar />);
    emit(store, { type: 'state', state: 'running', step: 0, totalSteps: 400 });
    emit(store, metrics(3, 0.01, 50, null));
    expect(screen.getByText('step 3 / 400, epoch 0.01, ETA measuring…')).toBeTruthy();
    emit(store, metrics(20, 0.05, 120, 300));
    expect(screen.getByText('step 20 / 400, epoch 0.05, ETA 5 min 0 s')).toBeTruthy();
  });

  it('shows each long operation with its own bar, and nothing once it is over', () => {
    const { store } = renderWithLab(<StatusBar />);
    const activity = () => screen.queryByTestId('activity');
    const bar = () => activity()?.querySelector('progress') as HTMLProgressElement;
    const progress = (
      task: 'setup' | 'compile' | 'evaluation' | 'weights' | 'restore',
      done: number,
      total: number,
    ) => emit(store, { type: 'progress', task, done, total, unit: 'x' });
    expect(activity()).toBeNull();

    progress('setup', 1, 3);
    expect(activity()?.textContent).toBe('Setting up the runbuilding the network (2 of 3)');
    expect([bar().value, bar().max]).toEqual([1, 3]);
    progress('setup', 3, 3);
    expect(activity()).toBeNull();

    emit(store, { type: 'ready', backend: 'webgpu', adapter: 'swiftshader', fallbacks: [] });
    progress('compile', 0, 1);
    expect(screen.getByRole('progressbar', { name: 'Compiling shaders' })).toBeTruthy();
    expect(bar().hasAttribute('value')).toBe(false); // indeterminate: no steps to count
    progress('compile', 1, 1);

    progress('evaluation', 2_500, 10_000);
    expect(activity()?.textContent).toContain('2,500 / 10,000 test images');
    const evaluating = screen.getByRole('progressbar', { name: 'Evaluating' }) as HTMLProgressElement;
    expect([evaluating.value, evaluating.max]).toEqual([2_500, 10_000]);
    progress('evaluation', 10_000, 10_000);
    expect(activity()).toBeNull();

    progress('weights', 0, 1);
    expect(screen.getByRole('progressbar', { name: 'Loading weights' })).toBeTruthy();
    progress('weights', 1, 1);
    progress('restore', 0, 1);
    expect(screen.getByRole('progressbar', { name: 'Restoring the checkpoint' })).toBeTruthy();
    progress('restore', 1, 1);
    expect(activity()).toBeNull();
  });
});
