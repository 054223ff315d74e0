// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import {
  AccuracyChart,
  LearningRateChart,
  LossChart,
  ThroughputChart,
  formatLearningRate,
} from '../../src/ui/charts/TrainingCharts.tsx';
import { emit, evaluationEvent, renderWithLab, setEps, stubLayout } from './render.tsx';

beforeEach(() => stubLayout(600, 240));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function metrics(step: number, loss: number, imagesPerSecond = 500, learningRate = 0.01): WorkerEvent {
  return {
    type: 'metrics',
    step,
    epoch: step / 100,
    loss,
    trainAccuracy: 0.5,
    learningRate,
    imagesPerSecond,
    etaSeconds: 10,
    totalSteps: 400,
  };
}

/** Points of the one line drawn in `color` (by recharts, or over its chart), as [x, y] pixels. */
function linePoints(figure: HTMLElement, color: string): [number, number][] {
  const paths = [...figure.querySelectorAll('.recharts-line-curve, .overlay-line path')].filter(
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

const texts = (figure: HTMLElement, selector: string) =>
  [...figure.querySelectorAll(selector)].map((t) => t.textContent);

describe('metric charts', () => {
  it('say what will appear in them before the first step', () => {
    renderWithLab(
      <>
        <LossChart />
        <LearningRateChart />
        <ThroughputChart />
        <AccuracyChart />
      </>,
    );
    expect(screen.getByTestId('loss-chart-empty').textContent).toBe(
      'The training loss appears here after the first training steps.',
    );
    expect(screen.getByTestId('lr-chart-empty').textContent).toContain('learning rate');
    expect(screen.getByTestId('throughput-chart-empty').textContent).toContain('images per second');
    expect(screen.getByTestId('accuracy-chart-empty').textContent).toBe(
      'Natural and certified accuracy appear here after the first evaluation.',
    );
    expect(document.querySelectorAll('.recharts-wrapper')).toHaveLength(0);
  });

  it('name both axes with units, tick steps at integers, and show learning rates whole', () => {
    const { store } = renderWithLab(
      <>
        <LossChart />
        <LearningRateChart />
        <ThroughputChart />
      </>,
    );
    // Three steps: recharts would tick 1, 1.5, 2, 2.5, 3 if decimals were allowed.
    emit(store, metrics(1, 2.3, 500, 0.01));
    emit(store, metrics(2, 2.0, 510, 0.0075));
    emit(store, metrics(3, 1.8, 520, 0.005));
    for (const [id, yTitle] of [
      ['loss-chart', 'loss'],
      ['lr-chart', 'learning rate'],
      ['throughput-chart', 'images/s'],
    ]) {
      const figure = screen.getByTestId(id);
      expect(texts(figure, '.recharts-label')).toEqual(['step', yTitle]);
      const steps = texts(figure, '.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
      expect(steps.length).toBeGreaterThan(1);
      for (const t of steps) expect(t).toMatch(/^\d+$/);
      expect(figure.querySelector('svg[tabindex]')).toBeNull();
      expect(figure.querySelector('.chart-body')?.getAttribute('aria-hidden')).toBe('true');
    }
    const lrTicks = texts(
      screen.getByTestId('lr-chart'),
      '.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value',
    );
    expect(lrTicks.length).toBeGreaterThan(1);
    for (const t of lrTicks) expect(t).toMatch(/^(0|\d(\.\d)?e-\d+)$/);
    expect(formatLearningRate(0.01)).toBe('1e-2');
    expect(formatLearningRate(0.0075)).toBe('7.5e-3');
    expect(formatLearningRate(0)).toBe('0');
  });

  it('offer screen readers a sentence and a table of the last points', () => {
    const { store } = renderWithLab(<LossChart />);
    for (let step = 1; step <= 12; step++) emit(store, metrics(step, 3 - step / 10));
    const text = screen.getByTestId('loss-chart-text');
    expect(text.querySelector('p')?.textContent).toBe(
      'loss: 12 points from step 1 to step 12; at step 12 loss 1.800.',
    );
    const rows = [...text.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toHaveLength(10);
    expect(rows[9]).toEqual(['12', '1.800']);
    expect(text.querySelector('caption')?.textContent).toBe('The last 10 points');
  });

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
    const legend = [
      'natural',
      'cert 36/255',
      'cert 72/255',
      'cert 108/255',
      'cert 255/255',
      'cert at slider ε',
    ];
    expect(texts(figure, '.chart-legend li')).toEqual(legend);
    expect(figure.querySelector('.eps-value')?.textContent).toBe('36/255');
    expectYs(linePoints(figure, '#e377c2'), [y(3 / 4), y(2 / 4)]);

    const surface = figure.querySelector('.recharts-wrapper > svg') as Node;
    let changes = 0;
    const observer = new MutationObserver((records) => (changes += records.length));
    observer.observe(surface, { subtree: true, childList: true, attributes: true, characterData: true });
    setEps(store, 72);
    changes += observer.takeRecords().length;
    observer.disconnect();
    // Only the slider's line moved: recharts' drawing did not change.
    expect(changes).toBe(0);
    // The legend keeps its order and its words; the caption says where the slider is.
    expect(texts(figure, '.chart-legend li')).toEqual(legend);
    expect(figure.querySelector('.eps-value')?.textContent).toBe('72/255');
    expectYs(linePoints(figure, '#e377c2'), [y(1 / 4), y(2 / 4)]);
    // The natural accuracy line does not move with eps; the slider's line has its steps.
    expectYs(linePoints(figure, '#111'), [y(1), y(1)]);
    const xs = (color: string) => linePoints(figure, color).map(([x]) => x);
    xs('#e377c2').forEach((x, i) => expect(x).toBeCloseTo(xs('#111')[i], 6));
  });

  it('draws the slider point of a single evaluation where recharts draws its other points', () => {
    const { store } = renderWithLab(<AccuracyChart />);
    emit(store, first);
    const figure = screen.getByTestId('accuracy-chart');
    const y = yScale(figure);
    // One point makes no line: recharts draws its dot.
    const dots = [...figure.querySelectorAll('.recharts-dot')].filter(
      (d) => d.getAttribute('stroke') === '#111',
    );
    expect(dots).toHaveLength(1);
    const naturalX = Number(dots[0].getAttribute('cx'));
    const slider = linePoints(figure, '#e377c2');
    expect(slider).toHaveLength(1);
    expect(slider[0][0]).toBeCloseTo(naturalX, 6);
    expect(slider[0][1]).toBeCloseTo(y(3 / 4), 6);
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
