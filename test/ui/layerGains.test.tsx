// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LayerGainsChart } from '../../src/ui/audit/LayerGainsChart.tsx';
import { layerGains, modelEvent, stateEvent } from './auditEvents.ts';
import { emit, renderWithLab, stubLayout } from './render.tsx';

beforeEach(() => stubLayout(600, 220));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const GOOD: [string, number, number][] = [
  ['conv 1', 0.99998, 0.97],
  ['conv 2', 1.00004, 0.95],
  ['dense 1', 0.9, 0.88],
];

function withModel() {
  const lab = renderWithLab(<LayerGainsChart />);
  emit(lab.store, modelEvent(50));
  return lab;
}

describe('LayerGainsChart', () => {
  it('tells the worker the page’s cadence once, and waits for the first measurement', () => {
    const lab = renderWithLab(<LayerGainsChart />);
    expect(lab.sent).toEqual([{ type: 'watchLayerGains', steps: 50 }]);
    expect(screen.getByTestId('layer-gains-empty').textContent).toMatch(/largest gain appears here/);
    expect((screen.getByTestId('layer-gains-every') as HTMLInputElement).value).toBe('50');
  });

  it('draws two bars per layer with the bound 1, and says all are within 1 + 1e-4', async () => {
    const lab = withModel();
    emit(lab.store, layerGains(50, GOOD));
    const figure = screen.getByTestId('layer-gains');
    expect(figure.dataset.layers).toBe('3');
    expect(figure.dataset.flagged).toBe('0');
    expect(figure.querySelector('figcaption')?.textContent).toBe(
      'Every layer 1-Lipschitz: largest gain per layer at step 50',
    );
    await waitFor(() => expect(figure.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(6));
    expect(figure.querySelector('.recharts-reference-line')).toBeTruthy();
    expect(screen.getByTestId('layer-gains-verdict').textContent).toBe(
      'All 3 layers are at or below 1 + 0.0001 (largest 1.000040).',
    );
    expect(screen.getByTestId('head-gains').textContent).toBe(
      'Head (rows normalised): row norms 0.999999 to 1.000001; largest pair gain ‖wᵢ − wⱼ‖/√2 = 0.930000.',
    );
    const rows = [...screen.getByTestId('layer-gains-text').querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.textContent)).toEqual([
      'conv 10.9999800.970000',
      'conv 21.0000400.950000',
      'dense 10.9000000.880000',
    ]);
  });

  it('flags a layer above 1 + 1e-4 in colour and words', async () => {
    const lab = withModel();
    emit(lab.store, layerGains(50, [...GOOD, ['dense 2', 0.5, 1.0002]]));
    const figure = screen.getByTestId('layer-gains');
    expect(figure.dataset.flagged).toBe('1');
    const verdict = screen.getByTestId('layer-gains-verdict');
    expect(verdict.getAttribute('role')).toBe('alert');
    expect(verdict.textContent).toBe(
      'Above 1 + 0.0001: dense 2: 1.000200. Such a layer breaks the certificate.',
    );
    await waitFor(() => expect(figure.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(8));
    const fills = [...figure.querySelectorAll('.recharts-bar-rectangle path')].map((p) =>
      p.getAttribute('fill'),
    );
    expect(fills.filter((f) => f === '#d62728')).toHaveLength(1);
  });

  it('names the step the figures belong to, and drops another model’s', () => {
    const lab = withModel();
    emit(lab.store, layerGains(50, GOOD));
    emit(lab.store, stateEvent(80));
    expect(screen.getByTestId('layer-gains').querySelector('figcaption')?.textContent).toBe(
      'Every layer 1-Lipschitz: largest gain per layer at step 50 (the model is now at step 80)',
    );
    emit(lab.store, modelEvent(0));
    expect(screen.getByTestId('layer-gains-empty')).toBeTruthy();
  });

  it('sends a new cadence, and refuses one that is not a whole number', () => {
    const lab = withModel();
    const input = screen.getByTestId('layer-gains-every');
    fireEvent.change(input, { target: { value: '-3' } });
    expect(screen.getByRole('alert').textContent).toBe('Choose a whole number of steps, 0 or more.');
    fireEvent.click(screen.getByTestId('layer-gains-measure'));
    fireEvent.change(input, { target: { value: '10' } });
    fireEvent.click(screen.getByTestId('layer-gains-measure'));
    expect(lab.sent).toEqual([
      { type: 'watchLayerGains', steps: 50 },
      { type: 'watchLayerGains', steps: 10 },
    ]);
  });
});
