import { describe, expect, it } from 'vitest';
import {
  auditSummary,
  insideCertificate,
  meanRadiusRatio,
  pgdAccuracyFromRadii,
  soundnessViolations,
} from '../../src/sll/audit.ts';
import { PAPER_EPSILONS } from '../../src/sll/certify.ts';

// Four images: 0 correct (certified 0.2, PGD flips at 0.5), 1 wrong, 2 correct and never flipped,
// 3 correct (certified 0.4, PGD flips at 0.3: inside the certificate).
const images = {
  labels: [0, 1, 2, 3],
  predictions: [0, 2, 2, 3],
  certified: [0.2, 0.9, 0.6, 0.4],
  empirical: [0.5, 0, Infinity, 0.3],
};

describe('certificate audit arithmetic', () => {
  it('counts a radius as inside the certificate only beyond the float tolerance', () => {
    expect(insideCertificate(0.3, 0.4)).toBe(true);
    expect(insideCertificate(0.4, 0.4)).toBe(false);
    // 1e-4 relative + 1e-5 absolute: 0.4 - 5e-5 is rounding, 0.4 - 6e-5 is not.
    expect(insideCertificate(0.4 - 5e-5, 0.4)).toBe(false);
    expect(insideCertificate(0.4 - 6e-5, 0.4)).toBe(true);
    expect(insideCertificate(0, Infinity)).toBe(true);
  });

  it('flags a correct image flipped inside its certificate, by bisection or by a direct attack', () => {
    expect(soundnessViolations(images)).toEqual([3]);
    const clean = { ...images, empirical: [0.5, 0, Infinity, 0.45] };
    expect(soundnessViolations(clean)).toEqual([]);
    // PGD at 0.1 flips image 0 (certified 0.2) and image 1 (already wrong: no certificate to break).
    const attack = { eps: 0.1, adversarialPredictions: [5, 5, 2, 3] };
    expect(soundnessViolations(clean, [attack])).toEqual([0]);
    // At 0.3 image 0's flip lies outside its certificate.
    expect(soundnessViolations(clean, [{ ...attack, eps: 0.3 }])).toEqual([]);
  });

  it('reads PGD accuracy off the empirical radii (correct and not flipped within eps)', () => {
    expect(pgdAccuracyFromRadii(images, 0.25)).toBe(3 / 4);
    expect(pgdAccuracyFromRadii(images, 0.3)).toBe(2 / 4); // flipped at 0.3 counts as flipped
    expect(pgdAccuracyFromRadii(images, 10)).toBe(1 / 4);
  });

  it('averages certified / empirical over correct images with both finite and positive', () => {
    expect(meanRadiusRatio(images)).toBeCloseTo((0.2 / 0.5 + 0.4 / 0.3) / 2, 12);
    expect(meanRadiusRatio({ ...images, predictions: [1, 2, 0, 0] })).toBeNull();
  });

  it('summarises at the paper radii, preferring direct attacks over the bisection', () => {
    const attacks = PAPER_EPSILONS.map((eps, k) => ({
      eps,
      adversarialPredictions: k === 0 ? [0, 2, 2, 3] : [9, 9, 9, 9],
    }));
    const summary = auditSummary(images, attacks.slice(0, 2));
    expect(summary.n).toBe(4);
    expect(summary.naturalAccuracy).toBe(3 / 4);
    expect(summary.certified.map((c) => c.accuracy)).toEqual([3 / 4, 2 / 4, 1 / 4, 0]);
    // 36/255 and 72/255 attacked directly; 108/255 (0.4235) and 1 from the radii.
    expect(summary.pgd.map((c) => c.accuracy)).toEqual([3 / 4, 0, 2 / 4, 1 / 4]);
    // Images 2 (certified 0.6) and 3 (0.4) flipped at 72/255; image 0's 0.2 is below it.
    expect(summary.violations).toEqual([2, 3]);
    expect(summary.meanRatio).toBeCloseTo((0.4 + 0.4 / 0.3) / 2, 12);
  });
});
