// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PaperTable } from '../../src/ui/PaperTable.tsx';
import { emit, evaluationEvent, renderWithLab } from './render.tsx';

afterEach(cleanup);

const cells = () => screen.getAllByRole('cell').map((c) => c.textContent);
const headers = () => screen.getAllByRole('columnheader').map((c) => c.textContent);

describe('PaperTable', () => {
  it('shows nothing before an evaluation', () => {
    renderWithLab(<PaperTable />);
    expect(screen.queryByTestId('paper-table')).toBeNull();
  });

  it('shows natural and certified accuracy at the paper radii of the latest evaluation', () => {
    const { store } = renderWithLab(<PaperTable />);
    const certified = [
      { eps: 36 / 255, accuracy: 0.5 },
      { eps: 72 / 255, accuracy: 0.375 },
      { eps: 108 / 255, accuracy: 0.25 },
      { eps: 1, accuracy: 0.0625 },
    ];
    emit(store, evaluationEvent({ radii: [1, 1], predictions: [0, 1], labels: [0, 0], step: 7, certified }));
    expect(headers()).toEqual([
      'natural',
      'certified at 36/255',
      'certified at 72/255',
      'certified at 108/255',
      'certified at 255/255',
    ]);
    expect(cells()).toEqual(['50.00%', '50.00%', '37.50%', '25.00%', '6.25%']);
    expect(screen.getByText('On 2 test images at step 7')).toBeTruthy();
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
    expect(screen.getByText('On 10,000 test images at step 40')).toBeTruthy();
  });
});
