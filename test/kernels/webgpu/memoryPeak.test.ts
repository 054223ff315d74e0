// The estimate the page shows before a WebGPU run (src/sll/memoryEstimate.ts) against a measured
// training step on flat parameters and an evaluation batch, on Dawn. The lab's programs keep far
// less than tfjs's ops: the estimate for WebGL's path would be several times the peak here.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { measureMemory } from '../../../bench/memory.ts';
import { presetArch } from '../../../src/sll/arch.ts';
import { estimateTrainingMemory } from '../../../src/sll/memoryEstimate.ts';
import { startDawnWebgpu } from '../../helpers/dawn.ts';

const skipped = await startDawnWebgpu();

describe.skipIf(skipped)('memory estimate against the measured peak (WebGPU)', () => {
  it('tiny at batch 32: each phase within 0.9-1.15x', async () => {
    const before = tf.memory().numTensors;
    const m = await measureMemory('tiny:32');
    expect(tf.memory().numTensors).toBe(before);
    const estimate = estimateTrainingMemory(presetArch('tiny'), 32, 'webgpu');
    // Weights, their flat copy and Adam's two moments (and the input's mean and 1/std, 24 bytes).
    expect(m.residentBytes - 4 * estimate.weightsBytes).toBe(2 * 3 * 4);
    for (const [phase, estimated, measured] of [
      ['step', estimate.stepPeakBytes, m.gradientsPeakBytes],
      ['evaluation', estimate.evaluationPeakBytes, m.evaluationPeakBytes],
    ] as const) {
      expect(estimated / measured, `${phase}: estimate ${estimated}, peak ${measured}`).toBeGreaterThan(0.9);
      expect(estimated / measured, phase).toBeLessThan(1.15);
    }
    expect(estimateTrainingMemory(presetArch('tiny'), 32, 'webgl').stepPeakBytes).toBeGreaterThan(
      4 * m.gradientsPeakBytes,
    );
  }, 300_000);
});
