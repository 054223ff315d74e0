import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { presetArch } from '../src/sll/arch.ts';
import { trainingFlops } from '../src/sll/flops.ts';
import { measure } from './measure.ts';
import { inChildProcess, mostTellingLine } from './nodeProcess.ts';
import { PYTHON, measurePytorch, torchVersion } from './pytorch.ts';
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
    const failed = unmeasuredRow({ runtime: 'chromium', backend: 'wasm' }, 'small', 4, null, {
      error: 'page.evaluate: Error: out of memory\n    at Object.measure (main.ts:32:32)',
    });
    expect(formatTable([failed]).split('\n')[2]).toMatch(
      /failed: page\.evaluate: Error: out of memory \|( \|)+$/,
    );
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

describe('a Node measurement in its own process', () => {
  it('returns what the child measured, and turns a child that dies into an error', async () => {
    const shape = { batch: 1, size: 4, channels: 2 };
    const plan = { warmup: 0, runs: 1, budgetMs: 0 };
    const r = await inChildProcess({ type: 'formulations', backend: 'cpu', shape, plan }, 60_000);
    expect(r.timings.map((t) => t.work)).toContain('filter gradient');
    expect(r.timings.every((t) => t.backend === 'cpu' && t.ms >= 0)).toBe(true);
    const crash = [
      'file:///x/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js:9',
      'RuntimeError: memory access out of bounds',
      '    at wasm://wasm/00b1:wasm-function[1]:0x1',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    expect(mostTellingLine(crash)).toBe('RuntimeError: memory access out of bounds');
    expect(mostTellingLine('only a line\n')).toBe('only a line');
    expect(mostTellingLine('')).toBe('no message');
    const broken = { type: 'measure', backend: 'cpu', options: { preset: 'no-such-preset' } } as never;
    await expect(inChildProcess(broken, 60_000)).rejects.toThrow(/the measuring process failed \(exit 1\)/);
  }, 60_000);
});

describe('the static harness server (bench/static/serve.py)', () => {
  it('serves files cross-origin isolated, keeps each posted result as a line and exits when told', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sll-serve-'));
    const out = join(dir, 'results.jsonl');
    // Not Playwright's port (5199), where a dev server may be running.
    const port = 5211;
    const server = spawn(PYTHON, [
      'bench/static/serve.py',
      '--root',
      'bench/static',
      '--port',
      String(port),
      '--out',
      out,
    ]);
    const exited = new Promise<number | null>((resolve) => server.on('close', resolve));
    await new Promise((resolve) => server.stderr.once('data', resolve));
    const page = await fetch(`http://127.0.0.1:${port}/serve.py`);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const post = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body) });
    await post('/bench-result', { kind: 'started', backend: 'webgpu' });
    await post('/bench-result', { kind: 'measurement', backend: 'webgpu' });
    await post('/bench-done', {});
    expect(await exited).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual(['started', 'measurement']);
  });
});
