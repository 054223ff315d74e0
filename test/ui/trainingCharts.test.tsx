// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { AccuracyChart, LossChart, ThroughputChart } from '../../src/ui/charts/TrainingCharts.tsx';
import { emit, evaluationEvent, renderWithLab, setEps, stubLayout } from './render.tsx';

beforeEach(() => stubLayout(600, 240));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function metrics(step: number, loss: number, imagesPerSecond = 500): WorkerEvent {
  return {
    type: 'metrics',
    step,
    epoch: step / 100,
    loss,
    trainAccuracy: 0.5,
    learningRate: 0.01,
    imagesPerSecond,
    etaSeconds: 10,
    totalSteps: 400,
  };
}

/** Points of the one line drawn in `color`, as [x, y] pixels. */
function linePoints(figure: HTMLElement, color: string): [number, number][] {
  const paths = [...figure.querySelectorAll('.recharts-line-curve')].filter(
    (p) => p.getAttribute('stroke') === color,
  );
  expect(paths).toHaveLength(1);
  return (paths[0].getAttribute('d') ?? '')
    .slice(1)
    .split('L')
    .map((p) => p.split(',').map(Number) as [number, number]);
}

function expectYs(points: [number, number][], expected: number[]): void {
  expect(points).toHaveLength(expected.length);
  points.forEach(([, y], i) => expect(y).toBeCloseTo(expected[i], 6));
}

function yScale(figure: HTMLElement) {
  const axis = figure.querySelector('.recharts-yAxis .recharts-cartesian-axis-line');
  const [top, bottom] = [Number(axis?.getAttribute('y1')), Number(axis?.getAttribute('y2'))];
  expect(bottom - top).toBeGreaterThan(100);
  return (v: number) => bottom - (bottom - top) * v;
}

describe('metric charts', () => {
  it('add one point per metrics event', () => {
    const { store } = renderWithLab(
      <>
        <LossChart />
        <ThroughputChart />
      </>,
    );
    expect(screen.getByTestId('loss-chart').dataset.points).toBe('0');
    emit(store, metrics(10, 2.3));
    emit(store, metrics(20, 2.0));
    emit(store, metrics(30, 1.8));
    expect(screen.getByTestId('loss-chart').dataset.points).toBe('3');
    expect(screen.getByTestId('throughput-chart').dataset.points).toBe('3');
    expect(screen.getByText('Training loss')).toBeTruthy();
    expect(linePoints(screen.getByTestId('loss-chart'), '#d62728')).toHaveLength(3);
  });
});

describe('AccuracyChart', () => {
  // Two evaluations of four images: certified at 36/255 is 3/4 then 2/4; at 72/255 it is 1/4 then 2/4.
  const first = evaluationEvent({
    labels: [0, 1, 2, 3],
    predictions: [0, 1, 2, 3],
    radii: [0.2, 0.2, 0.3, 0.1],
    step: 50,
  });
  const second = evaluationEvent({
    labels: [0, 1, 2, 3],
    predictions: [0, 1, 2, 3],
    radii: [0.5, 0.6, 0.1, 0.05],
    step: 100,
  });

  it('draws the certified accuracy at the slider eps over the whole history, and names it', () => {
    const { store } = renderWithLab(<AccuracyChart />);
    emit(store, first);
    emit(store, second);
    const figure = screen.getByTestId('accuracy-chart');
    expect(figure.dataset.points).toBe('2');
    const y = yScale(figure);
    expect(screen.getByText('cert 36/255 (slider)')).toBeTruthy();
    expectYs(linePoints(figure, '#e377c2'), [y(3 / 4), y(2 / 4)]);

    setEps(store, 72);
    expect(screen.queryByText('cert 36/255 (slider)')).toBeNull();
    expect(screen.getByText('cert 72/255 (slider)')).toBeTruthy();
    expectYs(linePoints(figure, '#e377c2'), [y(1 / 4), y(2 / 4)]);
    // The natural accuracy line does not move with eps.
    expectYs(linePoints(figure, '#111'), [y(1), y(1)]);
  });

  it('keeps restored evaluations on the natural and paper lines', () => {
    const { store } = renderWithLab(<AccuracyChart />);
    emit(store, {
      type: 'history',
      certificates: null,
      metrics: [],
      evaluations: [
        {
          step: 50,
          n: 500,
          naturalAccuracy: 0.5,
          certified: [{ eps: 36 / 255, accuracy: 0.25 }],
          imagesPerSecond: 1,
        },
        {
          step: 100,
          n: 500,
          naturalAccuracy: 0.75,
          certified: [{ eps: 36 / 255, accuracy: 0.5 }],
          imagesPerSecond: 1,
        },
      ],
    });
    const figure = screen.getByTestId('accuracy-chart');
    expect(figure.dataset.points).toBe('2');
    const y = yScale(figure);
    expectYs(linePoints(figure, '#111'), [y(0.5), y(0.75)]);
    expectYs(linePoints(figure, '#1f77b4'), [y(0.25), y(0.5)]);
  });
});
