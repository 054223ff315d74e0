// @vitest-environment happy-dom
import { cleanup, screen, waitFor } from '@testing-library/react';
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

/** The eps marker's x in chart pixels (it is drawn over the chart, not inside it). */
function markerX(figure: HTMLElement): number {
  const markers = figure.querySelectorAll<HTMLElement>('.eps-marker');
  expect(markers).toHaveLength(1);
  return Number.parseFloat(markers[0].style.left);
}

/** Counts the changes inside a chart's recharts drawing from now on. */
function watchDrawing(figure: HTMLElement): () => number {
  const surface = figure.querySelector('.recharts-wrapper > svg');
  expect(surface).toBeTruthy();
  let changes = 0;
  const observer = new MutationObserver((records) => (changes += records.length));
  observer.observe(surface as Node, {
    subtree: true,
    childList: true,
    attributes: true,
    characterData: true,
  });
  return () => {
    changes += observer.takeRecords().length;
    observer.disconnect();
    return changes;
  };
}

describe('RadiusHistogram', () => {
  it('shows a placeholder and no bins before any evaluation', () => {
    renderWithLab(<RadiusHistogram />);
    expect(screen.getByTestId('radius-histogram-empty').textContent).toBe(
      'Certified radii appear here after the first evaluation.',
    );
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

  it('draws one bar per non-empty bin of correct radii, and an eps marker that follows the slider', () => {
    const { store } = renderWithLab(<RadiusHistogram />);
    emit(store, EIGHT);
    const figure = screen.getByTestId('radius-histogram');
    // 40 bins over [0, 1), then the "≥ 1" bin.
    expect(figure.dataset.bins).toBe('41');
    // Six correct images in six different bins; the two wrong ones are not drawn.
    expect(figure.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(6);
    const ticks = figure.querySelectorAll('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
    expect([...ticks].map((t) => t.textContent)).toEqual(['0.00', '0.25', '0.50', '0.75', '≥ 1']);

    // The x axis runs over [0, 1 + 1/40]: the last bin is drawn just past 1.
    const scale = plotScale(figure);
    const x = (v: number) => scale.x(v / (1 + 1 / 40));
    expect(screen.getByText('ε 36/255')).toBeTruthy();
    expect(markerX(figure)).toBeCloseTo(x(36 / 255), 6);

    const changes = watchDrawing(figure);
    setEps(store, 72);
    expect(screen.queryByText('ε 36/255')).toBeNull();
    expect(screen.getByText('ε 72/255')).toBeTruthy();
    expect(markerX(figure)).toBeCloseTo(x(72 / 255), 6);
    // The label belongs to the marker; the recharts drawing did not change at all.
    expect(screen.getByText('ε 72/255').closest('.eps-marker')).toBeTruthy();
    expect(changes()).toBe(0);
  });

  it('names its axes, and offers screen readers a summary and a table instead of the drawing', async () => {
    const { store } = renderWithLab(<RadiusHistogram />);
    emit(store, EIGHT);
    const figure = screen.getByTestId('radius-histogram');
    expect([...figure.querySelectorAll('.recharts-label')].map((t) => t.textContent)).toEqual([
      'certified radius (L2, pixels scaled to [0, 1])',
      'images',
    ]);
    expect(figure.querySelector('.chart-body')?.getAttribute('aria-hidden')).toBe('true');
    expect(figure.querySelector('svg[tabindex]')).toBeNull();
    // recharts' portal layers (which Chromium would make tab stops) are taken out of the tab order.
    await waitFor(() => {
      const layers = figure.querySelectorAll('g[class*="recharts-zIndex-layer"]');
      expect(layers.length).toBeGreaterThan(0);
      for (const g of layers) expect(g.getAttribute('tabindex')).toBe('-1');
    });
    const caption = figure.querySelector('figcaption');
    expect(figure.getAttribute('aria-labelledby')).toBe(caption?.id);
    const text = screen.getByTestId('radius-histogram-text');
    expect(text.querySelector('p')?.textContent).toBe(
      '6 of 8 test images are classified correctly; the median of their certified radii is 0.200; 1 have a radius of 1 or more.',
    );
    const rows = [...text.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toHaveLength(41);
    expect(rows[40]).toEqual(['1.000', 'no limit', '1']);
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

  it('draws nothing before any evaluation, nor for a restored one, and says what will appear', () => {
    const { store } = renderWithLab(<CertifiedCurve />);
    const figure = screen.getByTestId('certified-curve');
    expect(figure.querySelectorAll('.recharts-line-curve')).toHaveLength(0);
    expect(screen.getByTestId('certified-curve-empty').textContent).toBe(
      'Certified accuracy against ε appears here after the first evaluation.',
    );
    emit(store, RESTORED);
    expect(figure.querySelectorAll('.recharts-line-curve')).toHaveLength(0);
    expect(screen.getByTestId('certified-curve-empty').textContent).toBe(
      'Certified accuracy against ε appears here after the next evaluation.',
    );
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

  it('marks the slider eps with a marker that follows the slider, without redrawing the chart', () => {
    const { store } = renderWithLab(<CertifiedCurve />);
    emit(store, EIGHT);
    const figure = screen.getByTestId('certified-curve');
    const scale = plotScale(figure);
    expect(markerX(figure)).toBeCloseTo(scale.x(36 / 255), 6);
    expect(screen.getByTestId('certified-curve-eps').textContent).toBe('ε 36/255: 50.0%');
    const changes = watchDrawing(figure);
    setEps(store, 200);
    expect(markerX(figure)).toBeCloseTo(scale.x(200 / 255), 6);
    expect(screen.getByTestId('certified-curve-eps').textContent).toBe('ε 200/255: 12.5%');
    // The dot on the marker sits at the certified accuracy (1/8 of the plot height up).
    const dot = figure.querySelector<HTMLElement>('.eps-dot');
    const [top, bottom] = [scale.y(1), scale.y(0)];
    expect(Number.parseFloat(dot?.style.top ?? '')).toBeCloseTo((bottom - top) * (1 - 1 / 8), 6);
    expect(changes()).toBe(0);
    expect(curvePoints(figure)[255][1]).toBeCloseTo(scale.y(1 / 8), 6);
  });

  it('offers screen readers the certified accuracy at a few eps', () => {
    const { store } = renderWithLab(<CertifiedCurve />);
    emit(store, EIGHT);
    const text = screen.getByTestId('certified-curve-text');
    expect(text.querySelector('p')?.textContent).toBe(
      'Certified accuracy falls from 75.0% at ε = 0 to 12.5% at ε = 255/255.',
    );
    const rows = [...text.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['0/255', '75.0%'],
      ['18/255', '62.5%'],
      ['36/255', '50.0%'],
      ['72/255', '37.5%'],
      ['108/255', '25.0%'],
      ['255/255', '12.5%'],
    ]);
  });
});
