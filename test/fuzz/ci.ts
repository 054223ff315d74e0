/**
 * The CI side of the fuzz targets: a fixed seed (the number) and a modest number of cases,
 * so that the whole folder runs in well under a minute on two cores. `npm run fuzz` runs the same
 * targets longer.
 */
import { expect, it } from 'vitest';
import { type FuzzTarget, formatReport, reportProblems, runFuzz } from './harness.ts';

export const CI_SEED = 17;

/** One test: the target's seeds, specials and `cases` mutations, every limit checked. */
export function itFuzzes<T>(
  title: string,
  make: () => Promise<FuzzTarget<T> & { dispose?(): void }> | (FuzzTarget<T> & { dispose?(): void }),
  cases: number,
): void {
  it(
    title,
    async () => {
      const target = await make();
      try {
        const report = await runFuzz(target, { seed: CI_SEED, cases });
        expect(reportProblems(report), formatReport(report)).toEqual([]);
        expect(report.refused + report.accepted).toBe(report.cases);
      } finally {
        target.dispose?.();
      }
    },
    120_000,
  );
}
