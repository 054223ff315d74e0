// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageExplorer } from '../../src/ui/audit/ImageExplorer.tsx';
import { CLASSES, attack, inspection, modelEvent, stateEvent } from './auditEvents.ts';
import { type TestLab, emit, evaluationEvent, renderWithLab, setEps } from './render.tsx';

afterEach(cleanup);

/** Six evaluated images: 0 certified (0.3), 1 correct (0.1), 2 wrong, 3 certified (0.41), 4 wrong, 5 correct. */
const EVALUATION = evaluationEvent({
  labels: [0, 1, 2, 3, 4, 5],
  predictions: [0, 1, 7, 3, 9, 5],
  radii: [0.3, 0.1, 0.2, 0.41, 0.5, 0.05],
  step: 100,
});

function openLab(): TestLab & ReturnType<typeof renderWithLab> {
  const lab = renderWithLab(<ImageExplorer />);
  emit(lab.store, modelEvent(100));
  emit(lab.store, {
    type: 'samples',
    images: new Uint8Array(12),
    labels: Int32Array.from([0]),
    imageSize: 2,
    channels: 3,
    classNames: CLASSES,
  });
  emit(lab.store, EVALUATION);
  return lab;
}

const inspects = (lab: TestLab) =>
  lab.sent.flatMap((c) => (c.type === 'audit' && c.job.kind === 'inspect' ? [c.job.index] : []));

describe('ImageExplorer', () => {
  it('waits for a model before it opens anything', () => {
    renderWithLab(<ImageExplorer />);
    expect(screen.getByTestId('explorer-open').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('explorer-status').textContent).toMatch(/Train or load a model/);
  });

  it('opens any test index, and refuses one outside the test set with a message', () => {
    const lab = openLab();
    const input = screen.getByTestId('explorer-index');
    fireEvent.change(input, { target: { value: '10000' } });
    fireEvent.click(screen.getByTestId('explorer-open'));
    expect(screen.getByRole('alert').textContent).toBe('Enter a test index from 0 to 9,999.');
    fireEvent.change(input, { target: { value: '2.5' } });
    fireEvent.click(screen.getByTestId('explorer-open'));
    expect(inspects(lab)).toEqual([]);
    fireEvent.change(input, { target: { value: '9999' } });
    fireEvent.click(screen.getByTestId('explorer-open'));
    expect(inspects(lab)).toEqual([9999]);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('Inspecting test image #9999…');
  });

  it('steps through the latest evaluation’s certified, correct and wrong images at the slider eps', () => {
    const lab = openLab();
    const filter = screen.getByTestId('explorer-filter');
    expect(
      within(filter)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['every test image', 'certified at 36/255 (2)', 'correct but not certified (2)', 'wrong (2)']);
    fireEvent.change(filter, { target: { value: 'wrong' } });
    expect(inspects(lab)).toEqual([2]);
    expect(screen.getByTestId('explorer-status').textContent).toBe(
      '2 wrong among the first 6 test images (evaluation at step 100).',
    );
    fireEvent.click(screen.getByTestId('explorer-next'));
    fireEvent.click(screen.getByTestId('explorer-next')); // past the last match: nothing
    expect(inspects(lab)).toEqual([2, 4]);
    emit(lab.store, inspection(3, { index: 4 }));
    fireEvent.click(screen.getByTestId('explorer-prev'));
    expect(inspects(lab)).toEqual([2, 4, 2]);

    setEps(lab.store, 80); // 0.314: image 0 (0.3) is now only correct
    fireEvent.change(filter, { target: { value: 'certified' } });
    expect(inspects(lab).at(-1)).toBe(3);
    fireEvent.change(filter, { target: { value: 'all' } });
    fireEvent.click(screen.getByTestId('explorer-next'));
    expect(inspects(lab).at(-1)).toBe(4);
  });

  it('shows the image’s logits, prediction, margin, radius and what the radius means at eps', () => {
    const lab = openLab();
    act(() => lab.store.getState().inspectImage(3));
    emit(lab.store, inspection(1));
    const panel = screen.getByTestId('inspection');
    expect(within(panel).getByRole('heading').textContent).toBe('Test image #3 · weights of step 100');
    const bars = within(screen.getByTestId('logit-bars')).getAllByRole('listitem');
    expect(bars.map((b) => b.getAttribute('data-class'))).toEqual(CLASSES);
    expect(bars[3].textContent).toBe('cat (predicted, true)2.500');
    expect(bars[1].textContent).toBe('automobile-0.400');
    expect(screen.getByTestId('inspection-prediction').textContent).toBe('cat (correct)');
    expect(screen.getByTestId('inspection-margin').textContent).toBe('0.8000');
    expect(screen.getByText('margin to the runner-up (dog)')).toBeTruthy();
    expect(screen.getByTestId('inspection-radius').textContent).toBe('0.410 (105/255)');
    expect(screen.getByTestId('certificate-sentence').textContent).toBe(
      'certified: no L2 perturbation smaller than 0.410 (105/255) can change this prediction; at ε = 36/255 it is certified.',
    );
    setEps(lab.store, 105);
    expect(screen.getByTestId('certificate-sentence').textContent).toBe(
      'correct but not certified: no L2 perturbation smaller than 0.410 (105/255) can change this prediction; at ε = 105/255 it is not certified (the radius must exceed ε).',
    );
    emit(lab.store, inspection(1));
    act(() => lab.store.getState().inspectImage(2));
    emit(lab.store, inspection(2, { index: 2, label: 2, prediction: 7, certifiedRadius: Infinity }));
    expect(screen.getByTestId('certificate-sentence').textContent).toBe(
      'wrong: the network says horse, the label is bird. Its radius ∞ only protects the wrong answer, so nothing is certified at any ε.',
    );
  });

  it('marks the panel stale when the model trains on or is replaced, and refreshes it', () => {
    const lab = openLab();
    act(() => lab.store.getState().inspectImage(3));
    emit(lab.store, inspection(1));
    expect(screen.queryByTestId('inspection-stale')).toBeNull();
    emit(lab.store, stateEvent(120));
    expect(screen.getByTestId('inspection').getAttribute('data-stale')).toBe('true');
    expect(screen.getByTestId('inspection-stale').textContent).toMatch(
      /^These numbers describe the weights at step 100; the model is now at step 120\./,
    );
    expect(screen.getByTestId('attack-button').getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(screen.getByTestId('attack-button'));
    expect(lab.sent.some((c) => c.type === 'audit' && c.job.kind === 'attack')).toBe(false);
    fireEvent.click(within(screen.getByTestId('inspection-stale')).getByRole('button', { name: 'Refresh' }));
    expect(inspects(lab)).toEqual([3, 3]);
    emit(lab.store, inspection(2, { step: 120 }));
    expect(screen.queryByTestId('inspection-stale')).toBeNull();

    emit(lab.store, modelEvent(120));
    expect(screen.getByTestId('inspection-stale').textContent).toMatch(
      /describe a previous model \(at step 120\), not the one the lab holds now/,
    );
  });

  it('attacks the image at the slider eps, with progress and Cancel, then shows what PGD found', () => {
    const lab = openLab();
    act(() => lab.store.getState().inspectImage(3));
    emit(lab.store, inspection(1));
    setEps(lab.store, 72);
    fireEvent.click(screen.getByTestId('attack-button'));
    expect(lab.sent.at(-1)).toEqual({
      type: 'audit',
      id: 2,
      job: { kind: 'attack', index: 3, eps: 72 / 255, steps: 100 },
    });
    setEps(lab.store, 80); // the slider moves: nothing is sent
    expect(lab.sent).toHaveLength(2);
    emit(lab.store, { type: 'progress', task: 'audit', done: 40, total: 100, unit: 'PGD steps' });
    expect(screen.getByTestId('audit-progress').textContent).toMatch(
      'Attacking test image 3: 40 / 100 PGD steps',
    );
    fireEvent.click(screen.getByTestId('audit-cancel'));
    expect(lab.sent.at(-1)).toEqual({ type: 'cancelAudit', id: 2 });
    emit(lab.store, attack(2, { eps: 72 / 255, adversarialPrediction: 5, empiricalRadius: 0.63 }));
    expect(screen.queryByTestId('audit-progress')).toBeNull();
    const result = screen.getByTestId('attack-result');
    expect(within(result).getByRole('img', { name: 'adversarial: predicted dog' })).toBeTruthy();
    expect(screen.getByTestId('adversarial-prediction').textContent).toBe('dog (changed)');
    expect(screen.getByTestId('perturbation-norm').textContent).toBe('‖δ‖₂ = 0.0520');
    expect(screen.getByTestId('empirical-radius').textContent).toBe('0.630 (161/255)');
    expect(screen.getByTestId('attack-certified-radius').textContent).toBe('0.410 (105/255)');
    // The largest change is 0.02 (a fifth of 0.1): scaled by 0.5 / 0.02 = 25 around grey.
    expect(screen.getByTestId('perturbation-scale').textContent).toMatch(/^perturbation × 25\.0 /);
    expect(within(result).getByText(/ε = 72\/255, 100 PGD steps, weights of step 100/)).toBeTruthy();
  });

  it('says when an attack was cancelled', () => {
    const lab = openLab();
    act(() => lab.store.getState().inspectImage(3));
    emit(lab.store, inspection(1));
    fireEvent.click(screen.getByTestId('attack-button'));
    emit(lab.store, { type: 'auditEnded', id: 2, reason: 'cancelled' });
    expect(screen.getByText('The attack was cancelled.')).toBeTruthy();
    expect(screen.getByTestId('attack-button').getAttribute('aria-disabled')).toBe('false');
  });
});
