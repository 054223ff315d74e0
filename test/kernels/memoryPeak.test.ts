import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureMemory } from '../../bench/memory.ts';
import { startNodeBackend } from '../../src/cli/nodeBackend.ts';
import { presetArch } from '../../src/sll/arch.ts';
import { estimateTrainingMemory } from '../../src/sll/memoryEstimate.ts';

// The estimate the page shows before a run against a real training step and evaluation batch, on
// WASM (the backend with a hard limit; its tensor bytes are counted as on every backend). The
// estimate follows the measured peak within 0.9-1.1x; the WASM memory grows past the peak (scratch
// buffers, fragmentation), which the refusal's safety margin (80% of 4 GiB) covers.
describe('memory estimate against the measured peak (WASM)', () => {
  beforeAll(async () => {
    await startNodeBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // tiny first: the WASM memory only grows, so each row's size is its own.
  for (const preset of ['tiny', 'lab'] as const) {
    it(`${preset} at batch 64`, async () => {
      const before = tf.memory().numTensors;
      const m = await measureMemory(`${preset}:64`);
      expect(tf.memory().numTensors).toBe(before);
      const estimate = estimateTrainingMemory(presetArch(preset), 64, 'wasm');
      const ratio = estimate.totalBytes / m.peakBytes;
      expect(ratio, `estimate ${estimate.totalBytes} vs peak ${m.peakBytes}`).toBeGreaterThan(0.9);
      expect(ratio).toBeLessThan(1.1);
      // Each phase, too: the forward and backward pass, Adam's update, an evaluation batch.
      expect(estimate.stepPeakBytes / m.gradientsPeakBytes).toBeGreaterThan(0.85);
      expect(estimate.stepPeakBytes / m.gradientsPeakBytes).toBeLessThan(1.15);
      expect(estimate.updatePeakBytes / m.updatePeakBytes).toBeGreaterThan(0.85);
      expect(estimate.updatePeakBytes / m.updatePeakBytes).toBeLessThan(1.15);
      expect(estimate.evaluationPeakBytes / m.evaluationPeakBytes).toBeGreaterThan(0.85);
      expect(estimate.evaluationPeakBytes / m.evaluationPeakBytes).toBeLessThan(1.25);
      expect(m.wasmMemoryBytes).not.toBeNull();
      expect(m.wasmMemoryBytes! / estimate.totalBytes).toBeLessThan(1.5);
    }, 120_000);
  }
});
