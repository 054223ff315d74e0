/** The benchmark table as printed by `npm run bench` and pasted into docs/performance.md. */
import type { FormulationTiming } from './formulations.ts';
import { type BenchRow, isMeasured } from './rows.ts';

const fixed = (x: number | null | undefined, digits = 1) => (x == null ? '-' : x.toFixed(digits));

const COLUMNS = [
  'target',
  'preset',
  'batch',
  'step ms',
  'JS ms',
  'train img/s',
  'eval img/s',
  'eval img/s, t per batch',
  'GFLOP/s',
  'dispatches',
  'peak MB',
  'conv / gram / conv t / rest ms',
  'augment ms',
  'PyTorch train / eval img/s',
  'ours / PyTorch train, eval',
];

/** A Markdown table: one line per row, skipped and failed rows say why. */
export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const target = `${row.runtime} ${row.backend}`;
    if (!isMeasured(row)) {
      // The first line only: a browser error carries its stack, which would break the row.
      const error = (row.error ?? 'unknown').split('\n')[0];
      const why = row.skipped ? `skipped: ${row.skipped}` : `failed: ${error}`;
      lines.push(`| ${target} | ${row.preset} | ${row.batch} | ${why} |${' |'.repeat(COLUMNS.length - 4)}`);
      continue;
    }
    const b = row.breakdown;
    const cells = [
      target,
      row.preset,
      String(row.batch),
      fixed(row.stepMs, 0),
      fixed(row.jsMsPerStep),
      fixed(row.trainImagesPerSec),
      fixed(row.evalImagesPerSec),
      fixed(row.evalRecomputeImagesPerSec),
      fixed(row.gflopsPerSec, 2),
      String(row.dispatchesPerStep),
      fixed(row.peakBytes / 2 ** 20),
      [b.convMs, b.gramMs, b.convScalingMs, b.restMs].map((x) => fixed(x, 0)).join(' / '),
      fixed(row.augmentMs, 0),
      row.pytorch ? `${fixed(row.pytorch.trainImagesPerSec)} / ${fixed(row.pytorch.evalImagesPerSec)}` : '-',
      row.ratioToPytorch
        ? `${fixed(row.ratioToPytorch.train, 2)}, ${fixed(row.ratioToPytorch.eval, 2)}`
        : '-',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One line per work and target: the time of each form, fastest first. */
export function formatFormulations(timings: readonly (FormulationTiming & { runtime: string })[]): string {
  const groups = new Map<string, (FormulationTiming & { runtime: string })[]>();
  for (const t of timings) {
    const key = `${t.runtime} ${t.backend} | ${t.work}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const lines = ['| target | work | forms, fastest first (ms) |', '|---|---|---|'];
  for (const [key, group] of groups) {
    const forms = [...group].sort((a, b) => a.ms - b.ms).map((t) => `${t.form} ${fixed(t.ms, 1)}`);
    lines.push(`| ${key} | ${forms.join('; ')} |`);
  }
  return lines.join('\n');
}
