// @vitest-environment happy-dom
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { depthOf, toTrainConfig } from '../../src/store/settings.ts';
import { RunEstimate } from '../../src/ui/RunEstimate.tsx';
import { createTestLab, emit, renderWithLab } from './render.tsx';

afterEach(cleanup);

const text = (id: string) => screen.getByTestId(id).textContent ?? '';

function metrics(step: number, imagesPerSecond: number): WorkerEvent {
  return {
    type: 'metrics',
    step,
    epoch: step / 781,
    loss: 1.5,
    trainAccuracy: 0.4,
    learningRate: 0.01,
    imagesPerSecond,
    etaSeconds: null,
    totalSteps: 3905,
  };
}

describe('RunEstimate', () => {
  it('shows the memory of the next run and that it fits WASM', () => {
    const { store } = renderWithLab(<RunEstimate />, createTestLab({ preset: 'tiny', ...depthOf('tiny') }));
    emit(store, { type: 'ready', backend: 'wasm', adapter: null, fallbacks: [] });
    expect(text('estimate.memory')).toMatch(
      /^Memory ≈ \d+ MB \(weights\+Adam \d+ kB, activations \d+ MB at batch 64, Gram \d+(\.\d)? MB\) · fits WASM's 4 GB$/,
    );
    expect(screen.queryByTestId('estimate.verdict')).toBeNull();
    expect(text('estimate.time')).toBe('Time per epoch: measured after the first steps');
  });

  it('refuses small on WASM with the way out, from the forced backend before the worker is ready', () => {
    renderWithLab(<RunEstimate />, createTestLab({ preset: 'small', ...depthOf('small'), backend: 'wasm' }));
    const verdict = screen.getByTestId('estimate.verdict');
    expect(verdict.dataset.level).toBe('refuse');
    expect(verdict.textContent).toMatch(/^too large for WASM's 4 GB \(needs ~7\.\d GB/);
    expect(verdict.textContent).toContain('use a GPU backend');
    expect(text('estimate.memory')).toMatch(/^Memory ≈ 7\.\d GB/);
  });

  it('follows the batch size', () => {
    const lab = createTestLab();
    renderWithLab(<RunEstimate />, lab);
    expect(text('estimate.memory')).toContain('at batch 64');
    act(() => lab.store.getState().updateSettings({ batchSize: 16 }));
    expect(text('estimate.memory')).toContain('at batch 16');
  });

  it('times an epoch from the measured speed of the held run, and not of another network', () => {
    const lab = createTestLab();
    renderWithLab(<RunEstimate />, lab);
    const { store } = lab;
    emit(store, { type: 'ready', backend: 'wasm', adapter: null, fallbacks: [] });
    emit(store, {
      type: 'model',
      config: toTrainConfig(store.getState().settings),
      step: 0,
      source: { kind: 'new' },
    });
    emit(store, metrics(1, 3)); // the first steps only: 49,984 images at 3/s
    expect(text('estimate.time')).toBe('≈ 4 h 38 min per epoch on wasm (measured)');
    // Then refined, the warm-up left out: 781 steps of 64 images at 128 images/s.
    emit(store, metrics(5, 128));
    emit(store, metrics(9, 128));
    expect(text('estimate.time')).toBe('≈ 7 min per epoch on wasm (measured)');
    act(() => store.getState().updateSettings({ width: 32 }));
    expect(text('estimate.time')).toBe('Time per epoch: measured after the first steps');
  });
});
