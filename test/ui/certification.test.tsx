// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CertifiedCurve, RadiusHistogram } from '../../src/ui/charts/Certification.tsx';
import { emit, evaluationEvent, renderWithLab, setEps, stubLayout } from './render.tsx';

beforeEach(() => stubLayout(600, 200));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/**
 * Eight test images, six correct with radii 0.05, 0.1, 0.2, 108/255, 0.5, Infinity (histogram bins
 * of width 1/40: 2, 4, 8, 16, 20 and the last one), two wrong. Certified at k/255: k=0 -> 6/8,
 * k=36 -> 4/8, k=72 -> 3/8, k=108 -> 2/8, k=255 -> 1/8.
 */
const EIGHT = evaluationEvent({
  labels: [0, 1, 2, 3, 4, 5, 6, 7],
  predictions: [0, 1, 2, 3, 4, 5, 9, 9],
  radii: [0.05, 0.1, 0.2, 108 / 255, 0.5, Infinity, 0.9, 0.9],
});

const RESTORED = {
  type: 'history' as const,
  certificates: null,
  metrics: [],
  evaluations: [
    {
      step: 400,
      n: 500,
      naturalAccuracy: 0.9,
      certified: [{ eps: 36 / 255, accuracy: 0.6 }],
      imagesPerSecond: 100,
    },
  ],
};

/** The plot area of a chart, read from its axis lines: value -> pixel. */
function plotScale(figure: HTMLElement) {
  const attr = (el: Element | null, name: string) => Number(el?.getAttribute(name));
  const xAxis = figure.querySelector('.recharts-xAxis .recharts-cartesian-axis-line');
  const yAxis = figure.querySelector('.recharts-yAxis .recharts-cartesian-axis-line');
  const [left, right] = [attr(xAxis, 'x1'), attr(xAxis, 'x2')];
  const [top, bottom] = [attr(yAxis, 'y1'), attr(yAxis, 'y2')];
  expect(right - left).toBeGreaterThan(100);
  expect(bottom - top).toBeGreaterThan(100);
  return {
    x: (v: number) => left + (right - left) * v,
    /** For a [0, 1] y domain. */
    y: (v: number) => bottom - (bottom - top) * v,
  };
}

function referenceLineX(figure: HTMLElement): number {
  const lines = figure.querySelectorAll('.recharts-reference-line-line');
  expect(lines).toHaveLength(1);
  return Number(lines[0].getAttribute('x1'));
}

describe('RadiusHistogram', () => {
  it('shows a placeholder and no bins before any evaluation', () => {
    renderWithLab(<RadiusHistogram />);
    expect(screen.getByTestId('fraction-certified').textContent).toBe('—');
    expect(screen.getByTestId('radius-histogram').dataset.bins).toBe('0');
    expect(screen.getByTestId('radius-histogram').querySelectorAll('.recharts-bar-rectangle')).toHaveLength(
      0,
    );
  });

  it('states the certified fraction at the slider eps', () => {
    const { store } = renderWithLab(<RadiusHistogram />);
    emit(store, EIGHT);
    const fraction = () => screen.getByTestId('fraction-certified').textContent;
    const caption = () => screen.getByTestId('radius-histogram').querySelector('figcaption')?.textContent;
    expect(fraction()).toBe('50.0%');
    expect(caption()).toBe(
      'Certified radius of correctly classified test images · 50.0% certified at ε = 36/255',
    );
    setEps(store, 72);
    expect(fraction()).toBe('37.5%');
    expect(caption()).toContain('certified at ε = 72/255');
    setEps(store, 108);
    expect(fraction()).toBe('25.0%');
    setEps(store, 255);
    expect(fraction()).toBe('12.5%');
  });

  it('draws one bar per non-empty bin of correct radii, and an eps line that follows the slider', () => {
    const { store } = renderWithLab(<RadiusHistogram />);
    emit(store, EIGHT);
    const figure = screen.getByTestId('radius-histogram');
    expect(figure.dataset.bins).toBe('40');
    // Six correct images in six different bins; the two wrong ones are not drawn.
    expect(figure.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(6);

    const scale = plotScale(figure);
    expect(screen.getByText('ε 36/255')).toBeTruthy();
    expect(referenceLineX(figure)).toBeCloseTo(scale.x(36 / 255), 6);

    setEps(store, 72);
    expect(screen.queryByText('ε 36/255')).toBeNull();
    expect(screen.getByText('ε 72/255')).toBeTruthy();
    expect(referenceLineX(figure)).toBeCloseTo(scale.x(72 / 255), 6);
    // The label sits on the line.
    expect(Number(screen.getByText('ε 72/255').getAttribute('x'))).toBeCloseTo(scale.x(72 / 255), 6);
  });

  it('ignores a restored evaluation, which has no radii', () => {
    const { store } = renderWithLab(<RadiusHistogram />);
    emit(store, RESTORED);
    expect(screen.getByTestId('fraction-certified').textContent).toBe('—');
    expect(screen.getByTestId('radius-histogram').dataset.bins).toBe('0');
  });
});

describe('CertifiedCurve', () => {
  function curvePoints(figure: HTMLElement): [number, number][] {
    const paths = figure.querySelectorAll('.recharts-line-curve');
    expect(paths).toHaveLength(1);
    const d = paths[0].getAttribute('d') ?? '';
    expect(d.startsWith('M')).toBe(true);
    return d
      .slice(1)
      .split('L')
      .map((p) => p.split(',').map(Number) as [number, number]);
  }

  it('draws nothing before any evaluation, nor for a restored one', () => {
    const { store } = renderWithLab(<CertifiedCurve />);
    const figure = screen.getByTestId('certified-curve');
    expect(figure.querySelectorAll('.recharts-line-curve')).toHaveLength(0);
    emit(store, RESTORED);
    expect(figure.querySelectorAll('.recharts-line-curve')).toHaveLength(0);
  });

  it('draws certified accuracy at every k/255 from the radii', () => {
    const { store } = renderWithLab(<CertifiedCurve />);
    emit(store, EIGHT);
    const figure = screen.getByTestId('certified-curve');
    const scale = plotScale(figure);
    const points = curvePoints(figure);
    expect(points).toHaveLength(256);
    const expected: [number, number][] = [
      [0, 6 / 8],
      [36, 4 / 8],
      [72, 3 / 8],
      [107, 3 / 8],
      [108, 2 / 8],
      [255, 1 / 8],
    ];
    for (const [k, accuracy] of expected) {
      expect(points[k][0]).toBeCloseTo(scale.x(k / 255), 6);
      expect(points[k][1]).toBeCloseTo(scale.y(accuracy), 6);
    }
  });

  it('marks the slider eps with a line that follows the slider', () => {
    const { store } = renderWithLab(<CertifiedCurve />);
    emit(store, EIGHT);
    const figure = screen.getByTestId('certified-curve');
    const scale = plotScale(figure);
    expect(referenceLineX(figure)).toBeCloseTo(scale.x(36 / 255), 6);
    setEps(store, 200);
    expect(referenceLineX(figure)).toBeCloseTo(scale.x(200 / 255), 6);
    // Moving eps does not redraw the curve from other data.
    expect(curvePoints(figure)[255][1]).toBeCloseTo(scale.y(1 / 8), 6);
  });
});
