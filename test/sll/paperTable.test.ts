import { describe, expect, it } from 'vitest';
import {
  type PaperTableRow,
  paperTableCells,
  paperTableLatex,
  paperTableMarkdown,
  radiusLabel,
} from '../../src/sll/paperTable.ts';

const PAPER = [36 / 255, 72 / 255, 108 / 255, 1];

const CERTIFIED: PaperTableRow = {
  name: 'certified',
  images: 10_000,
  step: 400,
  natural: 0.471,
  atRadii: PAPER.map((eps, i) => ({ eps, accuracy: [0.37, 0.2875, 0.21, 0.0512][i] })),
};

/** A PGD row that lacks the 255/255 radius. */
const PGD: PaperTableRow = {
  name: 'PGD (100 steps)',
  images: 200,
  step: 400,
  natural: 0.48,
  atRadii: PAPER.slice(0, 3).map((eps, i) => ({ eps, accuracy: [0.445, 0.4, 0.305][i] })),
};

describe('the paper table', () => {
  it('names radii as k/255', () => {
    expect(PAPER.map(radiusLabel)).toEqual(['36/255', '72/255', '108/255', '255/255']);
  });

  it('makes one set of cells: percentages with two decimals, a dash for a missing radius', () => {
    expect(paperTableCells([CERTIFIED, PGD])).toEqual({
      header: ['accuracy', 'test images', 'step', 'natural', '36/255', '72/255', '108/255', '255/255'],
      body: [
        ['certified', '10,000', '400', '47.10%', '37.00%', '28.75%', '21.00%', '5.12%'],
        ['PGD (100 steps)', '200', '400', '48.00%', '44.50%', '40.00%', '30.50%', '—'],
      ],
    });
  });

  it('writes Markdown with right-aligned numbers', () => {
    expect(paperTableMarkdown([CERTIFIED, PGD])).toBe(
      [
        '| accuracy | test images | step | natural | 36/255 | 72/255 | 108/255 | 255/255 |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        '| certified | 10,000 | 400 | 47.10% | 37.00% | 28.75% | 21.00% | 5.12% |',
        '| PGD (100 steps) | 200 | 400 | 48.00% | 44.50% | 40.00% | 30.50% | — |',
      ].join('\n'),
    );
  });

  it('writes a LaTeX tabular with %, thousands and dashes escaped', () => {
    expect(paperTableLatex([CERTIFIED, PGD])).toBe(
      [
        '\\begin{tabular}{lrrrrrrr}',
        '\\hline',
        'accuracy & test images & step & natural & $\\varepsilon = 36/255$ & $\\varepsilon = 72/255$ & $\\varepsilon = 108/255$ & $\\varepsilon = 255/255$ \\\\',
        '\\hline',
        'certified & 10{,}000 & 400 & 47.10\\% & 37.00\\% & 28.75\\% & 21.00\\% & 5.12\\% \\\\',
        'PGD (100 steps) & 200 & 400 & 48.00\\% & 44.50\\% & 40.00\\% & 30.50\\% & -- \\\\',
        '\\hline',
        '\\end{tabular}',
      ].join('\n'),
    );
  });

  it('escapes LaTeX specials and Markdown pipes in a row name', () => {
    const odd = { ...CERTIFIED, name: 'a_b & c|d' };
    expect(paperTableLatex([odd]).split('\n')[4]).toMatch(/^a\\_b \\& c\|d & /);
    expect(paperTableMarkdown([odd]).split('\n')[2]).toMatch(/^\| a_b & c\\\|d \| /);
  });

  it('is empty but well formed without rows', () => {
    expect(paperTableCells([])).toEqual({
      header: ['accuracy', 'test images', 'step', 'natural'],
      body: [],
    });
  });
});
