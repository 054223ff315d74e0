// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PgdCurvePanel } from '../../src/ui/audit/PgdCurvePanel.tsx';
import { CertifiedCurve } from '../../src/ui/charts/Certification.tsx';
import { modelEvent, pgdCurve, stateEvent } from './auditEvents.ts';
import { emit, evaluationEvent, renderWithLab, setEps, stubLayout } from './render.tsx';

beforeEach(() => stubLayout(600, 200));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function renderBoth() {
  const lab = renderWithLab(
    <>
      <PgdCurvePanel />
      <CertifiedCurve />
    </>,
  );
  emit(lab.store, modelEvent(100));
  emit(
    lab.store,
    evaluationEvent({
      labels: [0, 1, 2, 3],
      predictions: [0, 1, 9, 3],
      radii: [0.2, 0.05, 0.4, 0.3],
      step: 100,
    }),
  );
  return lab;
}

describe('PGD curve: empirical against certified', () => {
  it('runs on 200 test images by default, bounded by the test set, with progress and Cancel', () => {
    const lab = renderBoth();
    const input = screen.getByTestId('pgd-images') as HTMLInputElement;
    expect(input.value).toBe('200');
    fireEvent.change(input, { target: { value: '10001' } });
    expect(screen.getByRole('alert').textContent).toBe(
      'Choose a whole number of test images from 1 to 10,000.',
    );
    fireEvent.click(screen.getByTestId('pgd-run'));
    expect(lab.sent).toEqual([]);
    fireEvent.change(input, { target: { value: '20' } });
    fireEvent.click(screen.getByTestId('pgd-run'));
    expect(lab.sent).toEqual([{ type: 'audit', id: 1, job: { kind: 'pgdCurve', n: 20, steps: 100 } }]);
    emit(lab.store, { type: 'progress', task: 'audit', done: 5, total: 20, unit: 'images' });
    expect(screen.getByTestId('audit-progress').textContent).toMatch('PGD curve: 5 / 20 images');
    fireEvent.click(screen.getByTestId('audit-cancel'));
    expect(lab.sent.at(-1)).toEqual({ type: 'cancelAudit', id: 1 });
    emit(lab.store, { type: 'auditEnded', id: 1, reason: 'cancelled' });
    expect(screen.getByText('The PGD curve was cancelled.')).toBeTruthy();
  });

  it('draws the PGD and certified curves of the same images over the chart, with the slack at eps', async () => {
    const lab = renderBoth();
    act(() => lab.store.getState().runPgdCurve(4));
    emit(lab.store, pgdCurve(1));
    const figure = screen.getByTestId('certified-curve');
    expect(figure.dataset.pgdImages).toBe('4');
    expect(figure.querySelector('figcaption')?.textContent).toBe(
      'Certified accuracy against ε (from the radii, no retraining), and under PGD on the first 4 test images (step 100)',
    );
    await waitFor(() => expect(screen.getByTestId('pgd-curve').querySelectorAll('path')).toHaveLength(1));
    expect(screen.getByTestId('certified-curve-same-images').querySelectorAll('path')).toHaveLength(1);
    // At 36/255 = 0.141: empirical radii 0.5 and Infinity beat it (2 of 4); certified 0.2 and 0.3 (2 of 4).
    expect(screen.getByTestId('pgd-slack-marker').textContent).toBe('slack 0.0 pts');
    expect(screen.getByTestId('pgd-summary').textContent).toMatch(
      /at ε = 36\/255, 50\.0% resist PGD and 50\.0% are certified/,
    );
    // At 0.25: PGD 2 of 4 (0.5, ∞), certified 1 of 4 (0.3).
    setEps(lab.store, 64);
    expect(screen.getByTestId('pgd-slack-marker').textContent).toBe('slack 25.0 pts');
    expect(screen.getByTestId('pgd-summary').textContent).toMatch(
      /50\.0% resist PGD and 25\.0% are certified/,
    );
    const text = screen.getByTestId('certified-curve-text');
    expect(text.textContent).toMatch(/PGD accuracy \(from each image's empirical radius\) stays at or above/);
    expect([...text.querySelectorAll('th')].map((t) => t.textContent)).toEqual([
      'ε',
      'certified accuracy',
      'certified, first 4 images',
      'PGD, first 4 images',
    ]);
    // The legend names all three curves and the slack.
    expect([...figure.querySelectorAll('.chart-legend li')].map((l) => l.textContent)).toEqual([
      'certified, latest evaluation (4 images)',
      'certified, first 4 images',
      "PGD, first 4 images (its gap to blue: the certificate's slack)",
    ]);
  });

  it('says when the curve is of an earlier step, and hides one of another model', () => {
    const lab = renderBoth();
    act(() => lab.store.getState().runPgdCurve(4));
    emit(lab.store, pgdCurve(1));
    emit(lab.store, stateEvent(140));
    expect(screen.getByTestId('certified-curve').querySelector('figcaption')?.textContent).toMatch(
      /\(step 100, an earlier step\)$/,
    );
    emit(lab.store, modelEvent(140));
    expect(screen.queryByTestId('pgd-curve')).toBeNull();
    expect(screen.queryByTestId('pgd-summary')).toBeNull();
  });
});
