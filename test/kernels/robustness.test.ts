import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { certifiedAccuracy } from '../../src/sll/certify.ts';
import { Evaluator } from '../../src/kernels/evaluator.ts';
import { pgdAttack } from '../../src/kernels/pgd.ts';
import { createRng } from '../../src/sll/rng.ts';
import { sllConvScaling } from '../../src/kernels/sllConv.ts';
import { sllDenseScaling } from '../../src/kernels/sllDense.ts';
import { brightnessTrainedModel } from '../helpers/brightnessModel.ts';

describe('PGD attack', () => {
  it('stays in the eps-ball and [0, 1], and never beats the certificate', async () => {
    // Brightness decides the class, so a few steps give margins worth attacking.
    const { model, x, y, labels } = brightnessTrainedModel(24);
    const n = labels.length;

    const evaluator = await Evaluator.create(model);
    const clean = await evaluator.certifyBatch(x);
    for (const eps of [0.05, 0.3, 1.0]) {
      const adv = await pgdAttack((z) => evaluator.logits(z), x, y, { eps, steps: 20, rng: createRng(4) });
      const delta = tf.sub(adv, x);
      const norms = await tf.sqrt(tf.sum(tf.square(delta), [1, 2, 3])).data();
      expect(Math.max(...norms)).toBeLessThanOrEqual(eps * (1 + 1e-5));
      expect((await tf.min(adv).data())[0]).toBeGreaterThanOrEqual(0);
      expect((await tf.max(adv).data())[0]).toBeLessThanOrEqual(1);
      const attacked = await evaluator.certifyBatch(adv);
      let robust = 0;
      for (let i = 0; i < n; i++) if (attacked.predictions[i] === labels[i]) robust++;
      expect(robust / n).toBeGreaterThanOrEqual(certifiedAccuracy(clean, labels, eps));
      tf.dispose([adv, delta]);
    }
    // A large attack must actually hurt, or the attack is not doing anything.
    const strong = await pgdAttack((z) => evaluator.logits(z), x, y, {
      eps: 3,
      steps: 30,
      rng: createRng(5),
    });
    const broken = await evaluator.certifyBatch(strong);
    const stillRight = broken.predictions.filter((p, i) => p === labels[i]).length;
    const cleanRight = clean.predictions.filter((p, i) => p === labels[i]).length;
    expect(stillRight).toBeLessThan(cleanRight);
    evaluator.dispose();
    tf.dispose([x, y, strong]);
    model.dispose();
  });
});

describe('numerical safety of the t-vectors', () => {
  it('dense t stays finite and exact for |q| far beyond 88 (where exp overflows float32)', async () => {
    const w = tf.tensor2d([
      [1, 0.5],
      [0.2, 1],
      [0, 0],
    ]);
    for (const q of [
      [200, -200, 0],
      [-1000, 0, 1000],
    ]) {
      const t = await sllDenseScaling(w, tf.tensor1d(q)).data();
      for (const v of t) expect(Number.isFinite(v)).toBe(true);
      expect(t[2]).toBe(0); // an all-zero row: 1/0 := 0
      // Reference in float64 with the same cancellation done by hand (exp(q_j - q_i)).
      const gram = [
        [1.25, 0.7],
        [0.7, 1.04],
      ];
      for (let i = 0; i < 2; i++) {
        const s = gram[i].reduce((acc, g, j) => acc + Math.exp(q[j] - q[i]) * g, 0);
        expect(t[i]).toBeCloseTo(1 / s, 6);
      }
    }
  });

  it('conv t ignores q and is 0 for an all-zero kernel slice', async () => {
    const kernel = tf.concat([tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 1), tf.zeros([3, 3, 2, 1])], 3);
    const t = await sllConvScaling(kernel as tf.Tensor4D).data();
    expect(t[2]).toBe(0);
    expect(t[0]).toBeGreaterThan(0);
    expect(Number.isFinite(t[1])).toBe(true);
  });
});
