import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../src/cli/nodeBackend.ts';
import { QUICK_EVAL_STEPS } from '../../src/sll/evalSchedule.ts';
import { HEAP_TOLERANCE, soakSummary } from './soakLoop.ts';
import { runSoak } from './soakRun.ts';

const STEPS = 2000;
const WARM_UP_STEPS = 250;

// Small batches and image counts keep 2,000 steps to a few minutes on two cores; `npm run soak`
// runs larger ones for longer.
describe('a long run on WASM', () => {
  beforeAll(async () => {
    await startNodeBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it(
    `trains tiny for ${STEPS} steps with evaluations and checkpoints: tensors and bytes constant, heap within ${HEAP_TOLERANCE * 100}%`,
    { timeout: 900_000 },
    async () => {
      const result = await runSoak({
        steps: STEPS,
        sampleEvery: 50,
        batchSize: 8,
        trainImages: 512,
        evalEvery: 250,
        evalImages: 100,
      });
      const summary = soakSummary(result, WARM_UP_STEPS);
      console.log(summary.lines.join('\n'));
      expect(result.errors).toEqual([]);
      expect(result.forcedGc).toBe(true);
      expect(summary.end.step).toBe(STEPS);
      expect(result.evaluations).toBe(QUICK_EVAL_STEPS.length + STEPS / 250);
      expect(summary.tensorCounts).toEqual([summary.start.tensors]);
      expect(summary.byteCounts).toEqual([summary.start.bytes]);
      expect(summary.heapDeviation).toBeLessThanOrEqual(HEAP_TOLERANCE);
      expect(summary.flat).toBe(true);
    },
  );
});
