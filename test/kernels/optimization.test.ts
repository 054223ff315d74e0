import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam, OFFICIAL_ADAM } from '../../src/kernels/adam.ts';
import { multiMarginLoss, offsetCrossEntropy, trainingLoss } from '../../src/kernels/losses.ts';
import { oracleMultiMargin, oracleXent } from '../oracle/oracleLoss.ts';
import { createRng } from '../../src/sll/rng.ts';
import { interpSchedule, learningRateAt, totalSteps } from '../../src/sll/schedule.ts';

describe('losses', () => {
  const rng = createRng(1);
  const nClasses = 7;
  const logits = Array.from({ length: 5 * nClasses }, () => rng.normal() * 2);
  const labels = [0, 3, 6, 2, 3];

  it('xent is T * CE((f - o*y) / T) with o = 3*sqrt(2)/2, T = 0.25', async () => {
    const value = offsetCrossEntropy(tf.tensor2d(logits, [5, nClasses]), tf.tensor1d(labels, 'int32'));
    expect((await value.data())[0]).toBeCloseTo(oracleXent(logits, labels, nClasses), 5);
  });

  it('margin is MultiMarginLoss(p=1, margin=0.7), divided by C', async () => {
    const value = multiMarginLoss(tf.tensor2d(logits, [5, nClasses]), tf.tensor1d(labels, 'int32'));
    expect((await value.data())[0]).toBeCloseTo(oracleMultiMargin(logits, labels, nClasses), 5);
  });

  it('xent+margin is the sum', async () => {
    const value = trainingLoss(
      'xent+margin',
      tf.tensor2d(logits, [5, nClasses]),
      tf.tensor1d(labels, 'int32'),
    );
    const expected = oracleXent(logits, labels, nClasses) + oracleMultiMargin(logits, labels, nClasses);
    expect((await value.data())[0]).toBeCloseTo(expected, 5);
  });
});

describe('interp schedule', () => {
  it('uses floor(epochs * floor(50000 / batch)) steps and knots at floor(2N/5), floor(4N/5)', () => {
    const n = totalSteps(3, 50000, 64);
    expect(n).toBe(3 * 781);
    const k1 = Math.floor((2 * n) / 5);
    const k2 = Math.floor((4 * n) / 5);
    expect(interpSchedule(0, n, 0.01)).toBe(0);
    expect(interpSchedule(k1, n, 0.01)).toBeCloseTo(0.01, 12);
    expect(interpSchedule(k2, n, 0.01)).toBeCloseTo(0.0005, 12);
    expect(interpSchedule(n, n, 0.01)).toBe(0);
    expect(interpSchedule(n + 10, n, 0.01)).toBe(0);
    expect(interpSchedule(k1 / 2, n, 0.01)).toBeCloseTo(0.005, 12);
    const mid = (k1 + k2) / 2;
    expect(interpSchedule(mid, n, 0.01)).toBeCloseTo(0.01 + ((mid - k1) / (k2 - k1)) * (0.0005 - 0.01), 12);
  });

  it('trains step 0 at the full rate and step k at interp(k - 1), as the official loop does', () => {
    expect(learningRateAt(0, 100, 0.01)).toBe(0.01);
    expect(learningRateAt(1, 100, 0.01)).toBe(0);
    expect(learningRateAt(21, 100, 0.01)).toBeCloseTo(0.005, 12);
  });
});

describe('Adam', () => {
  it('matches torch.optim.Adam(betas=(0.5, 0.9)) step by step', async () => {
    const p = tf.variable(tf.tensor1d([1.5, -2, 0.25]));
    const adam = new Adam([p], OFFICIAL_ADAM);
    const ref = [1.5, -2, 0.25];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 1; t <= 5; t++) {
      const lr = 0.01 * t;
      // Loss sum(p^3): gradient 3 p^2.
      const g = tf.tidy(() => tf.mul(tf.square(p), 3));
      adam.apply([g], lr);
      g.dispose();
      for (let i = 0; i < 3; i++) {
        const gi = 3 * ref[i] ** 2;
        m[i] = 0.5 * m[i] + 0.5 * gi;
        v[i] = 0.9 * v[i] + 0.1 * gi * gi;
        const denom = Math.sqrt(v[i]) / Math.sqrt(1 - 0.9 ** t) + 1e-8;
        ref[i] -= (lr / (1 - 0.5 ** t)) * (m[i] / denom);
      }
      const got = await p.data();
      for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(ref[i], 5);
    }
    const state = await adam.exportState();
    expect(state.step).toBe(5);
    const other = new Adam([p], OFFICIAL_ADAM);
    other.importState(state);
    expect(Array.from((await other.exportState()).m[0])).toEqual(Array.from(state.m[0]));
    adam.dispose();
    other.dispose();
    p.dispose();
  });
});
