// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SoundnessAlerts } from '../../src/ui/audit/SoundnessAlerts.tsx';
import { CLASSES, attack, inspection, pgdCurve } from './auditEvents.ts';
import { emit, renderWithLab } from './render.tsx';

afterEach(cleanup);

function withSamples() {
  const lab = renderWithLab(<SoundnessAlerts />);
  emit(lab.store, {
    type: 'samples',
    images: new Uint8Array(12),
    labels: Int32Array.from([0]),
    imageSize: 2,
    channels: 3,
    classNames: CLASSES,
  });
  return lab;
}

describe('SoundnessAlerts', () => {
  it('shows an attack inside its certified radius loudly, with the images, until dismissed', () => {
    const lab = withSamples();
    act(() => lab.store.getState().inspectImage(3));
    emit(lab.store, inspection(1));
    act(() => lab.store.getState().attackInspected(36 / 255));
    emit(
      lab.store,
      attack(2, { adversarialPrediction: 5, perturbationNorm: 0.1411, soundnessViolation: true }),
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(
      /^Soundness violation: on the weights of step 100, PGD changed test image #3's prediction from cat to dog with a perturbation of norm 0\.1411, inside its certified radius 0\.410 \(105\/255\)\. A certificate must never be beaten/,
    );
    expect(
      within(alert)
        .getAllByRole('img')
        .map((i) => i.getAttribute('aria-label')),
    ).toEqual(['original: cat', 'adversarial: predicted dog', 'the perturbation, amplified']);
    // A later, sound attack leaves the alert in place.
    act(() => lab.store.getState().attackInspected(36 / 255));
    emit(lab.store, attack(3));
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('names the test images of a PGD curve’s violations, each a link to the explorer', () => {
    const lab = withSamples();
    act(() => lab.store.getState().runPgdCurve(4));
    emit(lab.store, pgdCurve(1, { violations: [1, 3] }));
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(
      /^Soundness violation: on the weights of step 100, PGD changed correct predictions inside their certified radius on 2 test images: #1#3\./,
    );
    fireEvent.click(within(alert).getByRole('button', { name: '#3' }));
    expect(lab.sent.at(-1)).toEqual({ type: 'audit', id: 2, job: { kind: 'inspect', index: 3 } });
  });
});
