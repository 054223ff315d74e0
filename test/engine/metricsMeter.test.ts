import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MetricsMeter } from '../../src/engine/metricsMeter.ts';
import type { Run } from '../../src/engine/run.ts';
import { createRng } from '../../src/sll/rng.ts';

const BATCH = 64;
const TOTAL = 3905;

/** The parts of a run the meter reads. */
function fakeRun(): Run {
  return {
    step: 0,
    totalSteps: TOTAL,
    stepsPerEpoch: 781,
    config: { batchSize: BATCH, learningRate: 0.01 },
  } as unknown as Run;
}

/**
 * Trains `steps` fake steps on a fake clock, `stepSeconds(i)` each, flushing after every one (the
 * page's case: a step takes longer than the 100 ms metrics interval). Returns each flush's ETA,
 * with the clock time it was taken at.
 */
async function simulate(
  stepSeconds: (i: number) => number,
  steps: number,
  hooks: { afterStep?: (i: number, meter: MetricsMeter, advance: (s: number) => void) => void } = {},
) {
  let clock = 1_000_000;
  const meter = new MetricsMeter(() => clock);
  const run = fakeRun();
  meter.restart(0);
  const etas: { step: number; at: number; eta: number | null; imagesPerSecond: number }[] = [];
  for (let i = 0; i < steps; i++) {
    clock += stepSeconds(i) * 1000;
    meter.add({ loss: tf.scalar(1), correct: tf.scalar(10), batch: BATCH });
    run.step += 1;
    const flush = await meter.flush(run);
    if (flush.kind !== 'point') throw new Error(`flush ${flush.kind}`);
    etas.push({
      step: run.step,
      at: clock / 1000,
      eta: flush.etaSeconds,
      imagesPerSecond: flush.point.imagesPerSecond,
    });
    hooks.afterStep?.(i, meter, (s) => (clock += s * 1000));
  }
  return etas;
}

describe('MetricsMeter ETA', () => {
  it('shows no ETA during warm-up (a 138 s shader compilation), then a sane one', async () => {
    // First step: 138 s of compilation, then 0.5 s steps.
    const etas = await simulate((i) => (i === 0 ? 138 : 0.5), 40);
    const firstShown = etas.findIndex((e) => e.eta !== null);
    expect(etas.slice(0, 12).every((e) => e.eta === null)).toBe(true);
    expect(firstShown).toBeGreaterThan(0);
    // The first ETA shown is the true one (0.5 s a step), not hundreds of hours.
    const shown = etas[firstShown];
    expect(shown.eta!).toBeCloseTo((TOTAL - shown.step) * 0.5, -1);
    // Every later one too: the compilation never enters the estimate.
    for (const e of etas.slice(firstShown)) expect(e.eta!).toBeCloseTo((TOTAL - e.step) * 0.5, -1);
  });

  it('smooths a noisy throughput into a stable ETA, and waits for it to settle', async () => {
    const noise = createRng(7).uniform;
    // Steps of 0.3 to 1.5 s (mean 0.9 s), as the page sees them with charts competing for the cores.
    const etas = await simulate(() => 0.3 + 1.2 * noise(), 300);
    const shown = etas.filter((e) => e.eta !== null);
    expect(shown.length).toBeGreaterThan(250);
    // Not before 15 timed steps after the 3 warm-up steps, nor before 8 s of timing.
    expect(shown[0].step).toBeGreaterThanOrEqual(18);
    // The raw throughput jumps by a factor of up to 5; the projected finishing time barely moves.
    const rates = etas.map((e) => e.imagesPerSecond);
    expect(Math.max(...rates) / Math.min(...rates)).toBeGreaterThan(3);
    const finishes = shown.map((e) => e.at + e.eta!);
    const truth = etas[0].at + (TOTAL - 1) * 0.9; // mean step time
    for (const f of finishes) expect(Math.abs(f - truth) / (TOTAL * 0.9)).toBeLessThan(0.2);
    // From one step to the next it moves by a few percent at first, then by about 1%.
    const moves = finishes.slice(1).map((f, i) => Math.abs(f - finishes[i]) / shown[i + 1].eta!);
    expect(Math.max(...moves)).toBeLessThan(0.05);
    expect(Math.max(...moves.slice(50))).toBeLessThan(0.025);
  });

  it('leaves evaluations out of the throughput and adds the ones to come to the ETA', async () => {
    // 0.5 s steps; after every 10th, an evaluation of 500 images taking 5 s.
    let clock = 0;
    const meter = new MetricsMeter(() => clock);
    const run = fakeRun();
    meter.restart(0);
    let last: number | null = null;
    for (let i = 0; i < 60; i++) {
      clock += 500;
      meter.add({ loss: tf.scalar(1), correct: tf.scalar(10), batch: BATCH });
      run.step += 1;
      const flush = await meter.flush(run, 1000);
      if (flush.kind !== 'point') throw new Error('no point');
      expect(flush.point.imagesPerSecond).toBeCloseTo(BATCH / 0.5, 6);
      last = flush.etaSeconds;
      if (run.step % 10 === 0) {
        clock += 5000;
        meter.exclude(5000, 500);
      }
    }
    // 0.5 s for each step left, and 1000 images still to evaluate at 10 ms each.
    expect(last).toBeCloseTo((TOTAL - 60) * 0.5 + 1000 * 0.01, 6);
  });

  it('measures again after a restart (a resume, perhaps on another backend)', async () => {
    let clock = 0;
    const meter = new MetricsMeter(() => clock);
    const run = fakeRun();
    const step = async (seconds: number) => {
      clock += seconds * 1000;
      meter.add({ loss: tf.scalar(1), correct: tf.scalar(10), batch: BATCH });
      run.step += 1;
      const flush = await meter.flush(run);
      return flush.kind === 'point' ? flush.etaSeconds : undefined;
    };
    meter.restart(0);
    for (let i = 0; i < 30; i++) await step(1);
    expect(await step(1)).not.toBeNull();
    meter.restart(run.step);
    expect(await step(0.1)).toBeNull();
    for (let i = 0; i < 200; i++) await step(0.1);
    expect(await step(0.1)).toBeCloseTo((TOTAL - run.step) * 0.1, 0);
  });
});
