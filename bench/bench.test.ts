import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { presetArch } from '../src/kernels/arch.ts';
import { trainingFlops } from '../src/kernels/flops.ts';
import { measure } from './measure.ts';
import { measurePytorch, torchVersion } from './pytorch.ts';
import { predictedStepMs, unmeasuredRow, withPytorch } from './rows.ts';
import { formatTable } from './table.ts';
import { timeInterleaved, timeRuns } from './timing.ts';

const hasTorch = (await torchVersion()).version !== null;

describe('timing', () => {
  it('warms up, then times the runs asked for, and stops at the budget after one run', async () => {
    let calls = 0;
    const run = async () => {
      calls += 1;
    };
    const t = await timeRuns(run, { warmup: 2, runs: 3, budgetMs: 1e9 });
    expect(calls).toBe(5);
    expect(t.samplesMs).toHaveLength(3);
    calls = 0;
    const slow = () => new Promise<void>((resolve) => setTimeout(() => resolve(void (calls += 1)), 20));
    expect((await timeRuns(slow, { warmup: 0, runs: 10, budgetMs: 1 })).samplesMs).toHaveLength(1);
    const order: string[] = [];
    const mark = (name: string) => async () => void order.push(name);
    await timeInterleaved([mark('a'), mark('b')], { warmup: 1, runs: 2, budgetMs: 1e9 });
    expect(order.join('')).toBe('abab' + 'ab');
  });
});

describe('a benchmark row', () => {
  it('measures the tiny preset on the CPU backend without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const m = await measure({
      preset: 'tiny',
      batch: 4,
      evalBatch: 8,
      plan: { warmup: 0, runs: 1, budgetMs: 0 },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(m.backend).toBe('cpu');
    expect(m.flopsPerStep).toBe(trainingFlops(presetArch('tiny'), 4).total);
    expect(m.trainImagesPerSec).toBeCloseTo((4 / m.stepMs) * 1000, 6);
    expect(m.gflopsPerSec).toBeCloseTo(m.flopsPerStep / m.stepMs / 1e6, 6);
    // Forward, backward and Adam of 2 conv + 1 dense + 1 last layer: hundreds of kernels.
    expect(m.kernelsPerStep).toBeGreaterThan(100);
    expect(m.dispatchesPerStep).toBe(m.kernelsPerStep);
    // At least the model, Adam's moments and the batch are alive during a step.
    expect(m.peakBytes).toBeGreaterThan(3 * 4 * 4 * 32 * 32 * 3);
    for (const ms of [
      m.augmentMs,
      m.scalingsMs,
      m.evalBatchMs,
      m.recomputeBatchMs,
      ...Object.values(m.breakdown),
    ])
      expect(ms).toBeGreaterThanOrEqual(0);
    expect(m.breakdown.convMs).toBeGreaterThan(0);
    expect(m.breakdown.gramMs).toBeGreaterThan(0);
    const row = withPytorch(m, 'node', null, {
      stepMs: m.stepMs * 2,
      trainImagesPerSec: m.trainImagesPerSec / 2,
      evalImagesPerSec: m.evalImagesPerSec / 4,
      evalBatchMs: 1,
      threads: 1,
      torch: 'test',
    });
    expect(row.ratioToPytorch).toEqual({ train: 2, eval: 4 });
    const skipped = unmeasuredRow({ runtime: 'node', backend: 'cpu' }, 'small', 4, null, {
      skipped: 'predicted 999 s per step',
    });
    expect(skipped.flopsPerStep).toBe(trainingFlops(presetArch('small'), 4).total);
    // A preset with 10x the work is predicted at 10x the step time of the measured one.
    expect(predictedStepMs(10 * m.flopsPerStep, [row], { runtime: 'node', backend: 'cpu' })).toBeCloseTo(
      10 * m.stepMs,
      6,
    );
    expect(predictedStepMs(1, [row], { runtime: 'chromium', backend: 'cpu' })).toBeNull();
    const table = formatTable([row, skipped]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toContain('| node cpu | tiny | 4 |');
    expect(table[2]).toContain('2.00, 4.00');
    expect(table[3]).toContain('skipped: predicted 999 s per step');
  });
});

describe.skipIf(!hasTorch)('the PyTorch side', () => {
  it('trains and evaluates the same architecture and reports its speed', async () => {
    const r = await measurePytorch(presetArch('tiny'), { batch: 4, evalBatch: 8, steps: 1, budgetMs: 0 });
    expect(r.stepMs).toBeGreaterThan(0);
    expect(r.trainImagesPerSec).toBeCloseTo((4 / r.stepMs) * 1000, 6);
    expect(r.evalImagesPerSec).toBeCloseTo((8 / r.evalBatchMs) * 1000, 6);
    expect(r.threads).toBeGreaterThanOrEqual(1);
    expect(r.torch).toMatch(/^\d+\.\d+/);
  });
});
