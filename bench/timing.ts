/** Wall-clock timing for the benchmarks: warm-up runs, then timed runs within a budget. */

export interface TimingPlan {
  /** Untimed runs first: the first ones compile shaders, grow buffer pools and JIT the code. */
  warmup: number;
  /** Timed runs wanted. */
  runs: number;
  /** No new timed run starts past this many milliseconds of timed runs (at least one always runs). */
  budgetMs: number;
}

export interface Timing {
  medianMs: number;
  samplesMs: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times several runs in turn (a, b, a, b, ...), so a comparison between them is not skewed by
 * what ran before or by load that comes and goes. The budget counts all of them together.
 */
export async function timeInterleaved(runs: (() => Promise<void>)[], plan: TimingPlan): Promise<Timing[]> {
  for (let i = 0; i < plan.warmup; i++) for (const run of runs) await run();
  const samples: number[][] = runs.map(() => []);
  let spent = 0;
  for (let k = 0; k < Math.max(1, plan.runs) && (k === 0 || spent < plan.budgetMs); k++) {
    for (const [i, run] of runs.entries()) {
      const start = performance.now();
      await run();
      const ms = performance.now() - start;
      samples[i].push(ms);
      spent += ms;
    }
  }
  return samples.map((samplesMs) => ({ medianMs: median(samplesMs), samplesMs }));
}

/** Times `run`, which must finish its work (read back a result) before its promise settles. */
export async function timeRuns(run: () => Promise<void>, plan: TimingPlan): Promise<Timing> {
  const [timing] = await timeInterleaved([run], plan);
  return timing;
}
