// @vitest-environment happy-dom
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { DEFAULT_SETTINGS, toTrainConfig } from '../../src/store/settings.ts';
import { Accuracies } from '../../src/ui/Accuracies.tsx';
import { emit, evaluationEvent, renderWithLab } from './render.tsx';

afterEach(cleanup);

/** The default run: lab, batch 64, 5 epochs of CIFAR-10, 500 images every 50 steps. */
const TOTAL = 3905;

function metrics(step: number, imagesPerSecond: number): WorkerEvent {
  return {
    type: 'metrics',
    step,
    epoch: step / 781,
    loss: 2,
    trainAccuracy: 0.1,
    learningRate: 0.01,
    imagesPerSecond,
    etaSeconds: null,
    totalSteps: TOTAL,
  };
}

const caption = () => screen.getByText(/no evaluation yet|first accuracy|test images, step/).textContent;

describe('the countdown to the first accuracy', () => {
  it('counts down from the schedule, the step and the measured speed, until the first evaluation', () => {
    const { store } = renderWithLab(<Accuracies />);
    expect(caption()).toBe('no evaluation yet');
    act(() => store.setState({ modelConfig: toTrainConfig(DEFAULT_SETTINGS) }));
    emit(store, { type: 'state', state: 'loading', step: 0, totalSteps: 0 });
    expect(caption()).toBe('first accuracy at step 3, on 200 test images (setting up…)');
    emit(store, { type: 'state', state: 'running', step: 0, totalSteps: TOTAL });
    expect(caption()).toBe('first accuracy at step 3, on 200 test images (warming up…)');
    // The first step warms up: 16 images/s, two steps to go at batch 64.
    emit(store, metrics(1, 16));
    expect(caption()).toBe('first accuracy in ~8 s (step 3, 200 test images)');
    expect(screen.getByTestId('eval-countdown')).toBeTruthy();
    // Then 64 images/s, a step a second; the warm-up no longer counts.
    emit(store, metrics(2, 64));
    expect(caption()).toBe('first accuracy in ~1 s (step 3, 200 test images)');
    emit(store, metrics(3, 64));
    emit(store, { type: 'progress', task: 'evaluation', done: 0, total: 200, unit: 'images' });
    expect(caption()).toBe('first accuracy: evaluating 200 test images…');
    emit(store, { type: 'progress', task: 'evaluation', done: 200, total: 200, unit: 'images' });
    emit(store, evaluationEvent({ radii: [0.1, 0.2], predictions: [1, 2], labels: [1, 0], step: 3 }));
    expect(caption()).toBe('2 test images, step 3');
    expect(screen.getByTestId('natural-accuracy').textContent).toBe('50.00%');
  });

  it('without quick evaluations (evalEvery 0, from a file), counts to the end of the first epoch', () => {
    const { store } = renderWithLab(<Accuracies />);
    act(() => store.setState({ modelConfig: { ...toTrainConfig(DEFAULT_SETTINGS), evalEvery: 0 } }));
    emit(store, { type: 'state', state: 'running', step: 0, totalSteps: TOTAL });
    emit(store, metrics(81, 640));
    expect(caption()).toBe('first accuracy in ~70 s (step 781, 500 test images)');
  });

  it('says nothing is coming when the run is paused', () => {
    const { store } = renderWithLab(<Accuracies />);
    act(() => store.setState({ modelConfig: toTrainConfig(DEFAULT_SETTINGS) }));
    emit(store, { type: 'state', state: 'paused', step: 3, totalSteps: TOTAL });
    expect(caption()).toBe('no evaluation yet');
  });
});
