// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Accuracies } from '../../src/ui/Accuracies.tsx';
import { Controls } from '../../src/ui/Controls.tsx';
import { emit, evaluationEvent, renderWithLab, setEps } from './render.tsx';

afterEach(cleanup);

/**
 * Eight test images: six correct with radii 0.05, 0.1, 0.2, 108/255, 0.5 and Infinity, two wrong
 * with a large radius (which must never count). Certified accuracy at k/255: k=36 -> 4/8,
 * k=72 -> 3/8, k=107 -> 3/8, k=108 -> 2/8 (the radius must exceed eps strictly), k=255 -> 1/8.
 */
const EIGHT = evaluationEvent({
  labels: [0, 1, 2, 3, 4, 5, 6, 7],
  predictions: [0, 1, 2, 3, 4, 5, 9, 9],
  radii: [0.05, 0.1, 0.2, 108 / 255, 0.5, Infinity, 0.9, 0.9],
  step: 120,
  naturalAccuracy: 0.75,
});

const natural = () => screen.getByTestId('natural-accuracy').textContent;
const certified = () => screen.getByTestId('certified-accuracy').textContent;

describe('Accuracies', () => {
  it('shows placeholders before any evaluation', () => {
    renderWithLab(<Accuracies />);
    expect(natural()).toBe('—');
    expect(certified()).toBe('—');
    expect(screen.getByText('no evaluation yet')).toBeTruthy();
    expect(screen.getByText('certified at ε = 36/255')).toBeTruthy();
  });

  it('shows the natural accuracy and the certified accuracy at the slider eps, from the radii', () => {
    const { store } = renderWithLab(<Accuracies />);
    emit(store, EIGHT);
    expect(natural()).toBe('75.00%');
    expect(certified()).toBe('50.00%');
    expect(screen.getByText('8 test images, step 120')).toBeTruthy();
    expect(screen.queryByText('no evaluation yet')).toBeNull();

    setEps(store, 72);
    expect(certified()).toBe('37.50%');
    expect(screen.getByText('certified at ε = 72/255')).toBeTruthy();
    setEps(store, 107);
    expect(certified()).toBe('37.50%');
    setEps(store, 108);
    expect(certified()).toBe('25.00%');
    setEps(store, 255);
    expect(certified()).toBe('12.50%');
    setEps(store, 0);
    expect(certified()).toBe('75.00%');
    // The natural accuracy does not depend on eps.
    expect(natural()).toBe('75.00%');
  });

  it('follows the rendered eps slider, without a round trip to the worker', () => {
    const { store, sent } = renderWithLab(
      <>
        <Controls />
        <Accuracies />
      </>,
    );
    emit(store, EIGHT);
    const slider = screen.getByTestId('eps-slider') as HTMLInputElement;
    expect(slider.value).toBe('36');
    fireEvent.change(slider, { target: { value: '72' } });
    expect(store.getState().settings.epsSteps).toBe(72);
    expect(certified()).toBe('37.50%');
    expect(screen.getByText('certified at ε = 72/255')).toBeTruthy();
    fireEvent.change(slider, { target: { value: '108' } });
    expect(certified()).toBe('25.00%');
    expect(sent).toEqual([]);
  });

  it('shows the latest evaluation', () => {
    const { store } = renderWithLab(<Accuracies />);
    emit(store, EIGHT);
    // 1,000 images, all correct, the first 250 with radius 0.5 and the rest 0.1.
    emit(
      store,
      evaluationEvent({
        labels: Array.from({ length: 1000 }, (_, i) => i % 10),
        predictions: Array.from({ length: 1000 }, (_, i) => i % 10),
        radii: Array.from({ length: 1000 }, (_, i) => (i < 250 ? 0.5 : 0.1)),
        step: 200,
      }),
    );
    expect(natural()).toBe('100.00%');
    expect(certified()).toBe('25.00%');
    expect(screen.getByText('1,000 test images, step 200')).toBeTruthy();
    setEps(store, 10);
    expect(certified()).toBe('100.00%');
  });

  it('does not take the certified number from a restored evaluation (history has no radii)', () => {
    const { store } = renderWithLab(<Accuracies />);
    emit(store, EIGHT);
    expect(certified()).toBe('50.00%');
    // A checkpoint restore replaces the history; its evaluations carry the paper's four numbers only.
    emit(store, {
      type: 'history',
      certificates: null,
      metrics: [],
      evaluations: [
        {
          step: 400,
          n: 500,
          naturalAccuracy: 0.9,
          certified: [
            { eps: 36 / 255, accuracy: 0.6 },
            { eps: 72 / 255, accuracy: 0.4 },
            { eps: 108 / 255, accuracy: 0.2 },
            { eps: 1, accuracy: 0 },
          ],
          imagesPerSecond: 100,
        },
      ],
    });
    expect(certified()).toBe('—');
    expect(screen.queryByText('60.00%')).toBeNull();

    // The next live evaluation is used again.
    emit(store, { ...EIGHT, step: 450 });
    expect(certified()).toBe('50.00%');
    expect(natural()).toBe('75.00%');
    expect(screen.getByText('8 test images, step 450')).toBeTruthy();
  });
});
