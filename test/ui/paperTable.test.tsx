// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PaperTable } from '../../src/ui/PaperTable.tsx';
import { modelEvent, pgdCurve } from './auditEvents.ts';
import { emit, evaluationEvent, renderWithLab } from './render.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const cells = (row = 'paper-row-certified') =>
  within(screen.getByTestId(row))
    .getAllByRole('cell')
    .map((c) => c.textContent);
const headers = () => screen.getAllByRole('columnheader').map((c) => c.textContent);
const caption = () => screen.getByTestId('paper-table').querySelector('caption')?.textContent;

const CERTIFIED = [
  { eps: 36 / 255, accuracy: 0.5 },
  { eps: 72 / 255, accuracy: 0.375 },
  { eps: 108 / 255, accuracy: 0.25 },
  { eps: 1, accuracy: 0.0625 },
];

function withEvaluation() {
  const lab = renderWithLab(<PaperTable />);
  emit(lab.store, modelEvent(7));
  emit(
    lab.store,
    evaluationEvent({ radii: [1, 1], predictions: [0, 1], labels: [0, 0], step: 7, certified: CERTIFIED }),
  );
  return lab;
}

/** Runs a PGD curve through the store, as the panel would. */
function runPgd(lab: ReturnType<typeof withEvaluation>, step = 7) {
  act(() => lab.store.getState().runPgdCurve(4));
  const id = lab.sent.findLast((c) => c.type === 'audit')?.id ?? 0;
  emit(lab.store, pgdCurve(id, { step }));
}

describe('PaperTable', () => {
  it('shows nothing before an evaluation', () => {
    renderWithLab(<PaperTable />);
    expect(screen.queryByTestId('paper-table')).toBeNull();
  });

  it('shows natural and certified accuracy at the paper radii of the latest evaluation, with its images and step', () => {
    withEvaluation();
    expect(headers()).toEqual(['', 'natural', '36/255', '72/255', '108/255', '255/255']);
    expect(cells()).toEqual(['50.00%', '50.00%', '37.50%', '25.00%', '6.25%']);
    expect(caption()).toBe('On 2 test images at step 7. Accuracy at L2 radius k/255 (pixels in [0, 1]).');
    expect(screen.getByTestId('paper-pgd-missing')).toBeTruthy();
  });

  it('adds the PGD row of the held model’s latest PGD curve, and drops it for another model', () => {
    const lab = withEvaluation();
    runPgd(lab);
    // Natural on the PGD images: 3 of 4 correct.
    expect(cells('paper-row-pgd')).toEqual(['75.00%', '50.00%', '50.00%', '25.00%', '25.00%']);
    expect(within(screen.getByTestId('paper-row-pgd')).getByRole('rowheader').textContent).toBe(
      'PGD (100 steps)',
    );
    expect(caption()).toBe(
      'On 2 test images at step 7; PGD on the first 4 at step 7. Accuracy at L2 radius k/255 (pixels in [0, 1]).',
    );
    emit(lab.store, modelEvent(9));
    emit(
      lab.store,
      evaluationEvent({ radii: [1], predictions: [0], labels: [0], step: 9, certified: CERTIFIED }),
    );
    expect(screen.queryByTestId('paper-row-pgd')).toBeNull();
  });

  it('shows a restored evaluation too: its summary survives a checkpoint even without radii', () => {
    const { store } = renderWithLab(<PaperTable />);
    emit(store, {
      type: 'history',
      certificates: null,
      metrics: [],
      evaluations: [
        {
          step: 40,
          n: 10_000,
          naturalAccuracy: 0.6,
          certified: [{ eps: 36 / 255, accuracy: 0.45 }],
          imagesPerSecond: 1,
        },
      ],
    });
    expect(cells()).toEqual(['60.00%', '45.00%']);
    expect(caption()).toMatch(/^On 10,000 test images at step 40\./);
  });

  it('copies Markdown and LaTeX to the clipboard and says so', async () => {
    const writeText = vi.fn<(text: string) => Promise<void>>(() => Promise.resolve());
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const lab = withEvaluation();
    runPgd(lab);
    await act(async () => fireEvent.click(screen.getByTestId('copy-markdown')));
    expect(writeText).toHaveBeenLastCalledWith(expect.stringMatching(/^\| accuracy \| test images \|/));
    expect(String(writeText.mock.lastCall?.[0]).split('\n')).toHaveLength(4);
    expect(screen.getByTestId('copy-confirmation').textContent).toBe('Copied the table as Markdown.');
    await act(async () => fireEvent.click(screen.getByTestId('copy-latex')));
    expect(writeText).toHaveBeenLastCalledWith(expect.stringMatching(/^\\begin\{tabular\}/));
    expect(screen.getByTestId('copy-confirmation').textContent).toBe('Copied the table as LaTeX.');
  });

  it('offers the text in a box to copy by hand when the clipboard is refused', async () => {
    const writeText = vi.fn<(text: string) => Promise<void>>(() =>
      Promise.reject(new DOMException('denied', 'NotAllowedError')),
    );
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    withEvaluation();
    await act(async () => fireEvent.click(screen.getByTestId('copy-latex')));
    expect(screen.queryByTestId('copy-confirmation')).toBeNull();
    const box = screen.getByTestId('copy-fallback') as HTMLTextAreaElement;
    expect(box.value).toMatch(/^\\begin\{tabular\}/);
    expect(box.value).toMatch(/certified & 2 & 7 & 50.00\\% & 50.00\\%/);
    expect(screen.getByText(/The browser refused the clipboard/)).toBeTruthy();
  });
});
