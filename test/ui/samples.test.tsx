// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerEvent } from '../../src/protocol.ts';
import { Samples } from '../../src/ui/Samples.tsx';
import { emit, evaluationEvent, renderWithLab, setEps } from './render.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** The first five test images (2x2 RGB), labels 0..4. */
function samplesEvent(channels = 3, labels = [0, 1, 2, 3, 4]): WorkerEvent {
  const size = 2;
  return {
    type: 'samples',
    images: Uint8Array.from({ length: labels.length * size * size * channels }, (_, i) => i % 256),
    labels: Int32Array.from(labels),
    imageSize: size,
    channels,
    classNames: CLASSES,
  };
}

/**
 * An evaluation over the first eight test images; for the five samples: 0 correct with radius
 * 0.05, 1 correct with 0.3, 2 correct with Infinity, 3 correct with exactly 108/255, 4 wrong
 * (predicted truck) with a large radius.
 */
const EVALUATION = evaluationEvent({
  labels: [0, 1, 2, 3, 4, 5, 6, 7],
  predictions: [0, 1, 2, 3, 9, 5, 6, 7],
  radii: [0.05, 0.3, Infinity, 108 / 255, 0.9, 0.1, 0.1, 0.1],
});

const cards = () => screen.getAllByRole('button');

function verdicts(): (string | null)[] {
  return cards().map((f) => f.getAttribute('data-verdict'));
}

function verdictTexts(): (string | null)[] {
  return cards().map((f) => f.querySelector('.verdict')?.textContent ?? null);
}

function captionLines(i: number): string[] {
  const caption = cards()[i].querySelector('.sample-caption');
  return [...(caption?.children ?? [])].map((d) => d.textContent ?? '');
}

describe('Samples', () => {
  it('renders nothing before the samples arrive', () => {
    renderWithLab(<Samples />);
    expect(screen.queryByTestId('samples')).toBeNull();
  });

  it('shows each image with its true class, pending before an evaluation', () => {
    const { store } = renderWithLab(<Samples />);
    emit(store, samplesEvent());
    const panel = screen.getByTestId('samples');
    expect(
      within(panel)
        .getAllByRole('img')
        .map((c) => c.getAttribute('aria-label')),
    ).toEqual(CLASSES.slice(0, 5));
    expect(verdicts()).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(captionLines(0)).toEqual(['true: airplane', 'pred: —', 'r = —', 'pending']);
  });

  it('marks each sample certified, correct or wrong at the slider eps', () => {
    const { store } = renderWithLab(<Samples />);
    emit(store, samplesEvent());
    emit(store, EVALUATION);
    // eps = 36/255 = 0.141
    expect(verdicts()).toEqual(['correct', 'certified', 'certified', 'certified', 'wrong']);
    expect(verdictTexts()).toEqual([
      'correct',
      '✓ certified at 36/255',
      '✓ certified at 36/255',
      '✓ certified at 36/255',
      'wrong',
    ]);
    expect(captionLines(0)).toEqual(['true: airplane', 'pred: airplane', 'r = 0.050', 'correct']);
    expect(captionLines(2)).toEqual(['true: bird', 'pred: bird', 'r = ∞', '✓ certified at 36/255']);
    expect(captionLines(3)[2]).toBe('r = 0.424');
    expect(captionLines(4)).toEqual(['true: deer', 'pred: truck', 'r = 0.900', 'wrong']);
    expect(cards().map((f) => f.className)).toEqual([
      'sample correct',
      'sample certified',
      'sample certified',
      'sample certified',
      'sample wrong',
    ]);

    setEps(store, 72); // 0.282: sample 1 (0.3) still certified
    expect(verdicts()).toEqual(['correct', 'certified', 'certified', 'certified', 'wrong']);
    expect(verdictTexts()[1]).toBe('✓ certified at 72/255');
    setEps(store, 77); // 0.302: sample 1 is only correct
    expect(verdicts()).toEqual(['correct', 'correct', 'certified', 'certified', 'wrong']);
    setEps(store, 108); // exactly sample 3's radius: not certified (strictly greater needed)
    expect(verdicts()).toEqual(['correct', 'correct', 'certified', 'correct', 'wrong']);
    setEps(store, 255);
    expect(verdicts()).toEqual(['correct', 'correct', 'certified', 'correct', 'wrong']);
    setEps(store, 0);
    expect(verdicts()).toEqual(['certified', 'certified', 'certified', 'certified', 'wrong']);
  });

  it('leaves samples beyond the evaluated images pending', () => {
    const { store } = renderWithLab(<Samples />);
    emit(store, samplesEvent());
    emit(store, evaluationEvent({ labels: [0, 1, 2], predictions: [0, 7, 2], radii: [0.5, 0.5, 0.01] }));
    expect(verdicts()).toEqual(['certified', 'wrong', 'correct', 'pending', 'pending']);
    expect(captionLines(1)[1]).toBe('pred: horse');
    expect(captionLines(3)).toEqual(['true: cat', 'pred: —', 'r = —', 'pending']);
  });

  it('keeps samples pending after a restored evaluation (no radii, no predictions)', () => {
    const { store } = renderWithLab(<Samples />);
    emit(store, samplesEvent());
    emit(store, {
      type: 'history',
      certificates: null,
      metrics: [],
      evaluations: [{ step: 400, n: 500, naturalAccuracy: 0.9, certified: [], imagesPerSecond: 100 }],
    });
    expect(verdicts()).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
  });

  it('opens a card in the explorer by click or keyboard: each card is a button', () => {
    const { store, sent } = renderWithLab(<Samples />);
    emit(store, samplesEvent());
    fireEvent.click(screen.getByRole('button', { name: /true: bird/ }));
    expect(sent).toEqual([{ type: 'audit', id: 1, job: { kind: 'inspect', index: 2 } }]);
    const card = screen.getByTestId('sample-4');
    card.focus();
    expect(document.activeElement).toBe(card);
    expect(card.getAttribute('type')).toBe('button');
  });

  it('paints each image from its own pixels, grey images as RGB', () => {
    const painted: { data: number[]; width: number }[] = [];
    const context = {
      putImageData: (image: ImageData) => painted.push({ data: [...image.data], width: image.width }),
    };
    // getContext is overloaded per context type; the component asks for '2d' only.
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
      (() => context) as unknown as HTMLCanvasElement['getContext'],
    );
    const { store } = renderWithLab(<Samples />);
    emit(store, samplesEvent(1, [0, 1]));
    expect(
      screen.getAllByRole('img').map((c) => [c.getAttribute('width'), c.getAttribute('height')]),
    ).toEqual([
      ['2', '2'],
      ['2', '2'],
    ]);
    // Image 1 is bytes 4..7 of the grey buffer.
    expect(painted).toEqual([
      { width: 2, data: [0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255] },
      { width: 2, data: [4, 4, 4, 255, 5, 5, 5, 255, 6, 6, 6, 255, 7, 7, 7, 255] },
    ]);
  });
});
