/**
 * The paper's table for one model (docs/math.md §9): natural accuracy and accuracy at the paper's
 * radii, certified and under PGD, each row with the test images and the step it used. One set of
 * cells feeds the page, Markdown and LaTeX, so the three never disagree.
 */

/** One row: accuracies measured on `images` test images with the weights of `step`. */
export interface PaperTableRow {
  name: string;
  images: number;
  step: number;
  natural: number;
  atRadii: { eps: number; accuracy: number }[];
}

export interface PaperTableCells {
  header: string[];
  body: string[][];
}

const MISSING = '—';

/** `k/255` for a radius on pixels scaled to [0, 1]. */
export function radiusLabel(eps: number): string {
  return `${Math.round(eps * 255)}/255`;
}

function percentCell(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : MISSING;
}

/**
 * The table's text: the columns are the first row's radii (the certified row always has all four);
 * a row that lacks one of them shows a dash there.
 */
export function paperTableCells(rows: PaperTableRow[]): PaperTableCells {
  const radii = rows[0]?.atRadii.map((r) => r.eps) ?? [];
  return {
    header: ['accuracy', 'test images', 'step', 'natural', ...radii.map(radiusLabel)],
    body: rows.map((row) => [
      row.name,
      row.images.toLocaleString('en-US'),
      String(row.step),
      percentCell(row.natural),
      ...radii.map((eps) => {
        const cell = row.atRadii.find((r) => Math.abs(r.eps - eps) < 1e-9);
        return cell ? percentCell(cell.accuracy) : MISSING;
      }),
    ]),
  };
}

/** A GitHub-flavoured Markdown table, numbers right-aligned. */
export function paperTableMarkdown(rows: PaperTableRow[]): string {
  const { header, body } = paperTableCells(rows);
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const rule = `| --- | ${header
    .slice(1)
    .map(() => '---:')
    .join(' | ')} |`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

const LATEX_SPECIALS = /[\\{}%&#_$^~]/g;
const LATEX_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
};

function latexText(cell: string): string {
  return cell
    .replace(LATEX_SPECIALS, (c) => LATEX_ESCAPES[c] ?? `\\${c}`)
    .replace(/(\d),(\d)/g, '$1{,}$2')
    .replaceAll(MISSING, '--');
}

/** A `tabular` needing no package: `\hline` rules, radii in the header as `$\varepsilon$ = k/255`. */
export function paperTableLatex(rows: PaperTableRow[]): string {
  const { header, body } = paperTableCells(rows);
  const head = header.map((h, i) => (i >= 4 ? `$\\varepsilon = ${h}$` : latexText(h)));
  const line = (cells: string[]) => `${cells.join(' & ')} \\\\`;
  return [
    `\\begin{tabular}{l${'r'.repeat(header.length - 1)}}`,
    '\\hline',
    line(head),
    '\\hline',
    ...body.map((r) => line(r.map(latexText))),
    '\\hline',
    '\\end{tabular}',
  ].join('\n');
}
