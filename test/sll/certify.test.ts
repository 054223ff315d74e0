import { describe, expect, it } from 'vitest';
import {
  PAPER_EPSILONS,
  certifiedAccuracy,
  certify,
  classPairDistances,
  naturalAccuracy,
} from '../../src/sll/certify.ts';
import { oracleNormalizedRows } from '../oracle/oracle.ts';
import { createRng } from '../../src/sll/rng.ts';

/** argmax with ties to the lowest index. */
function argmax(v: number[]): number {
  return v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
}

describe('certified radius', () => {
  it('equals a brute-force search for the nearest feature point where the prediction changes', () => {
    const rng = createRng(5);
    const nClasses = 4;
    const dims = 2;
    for (let trial = 0; trial < 5; trial++) {
      const w = Array.from({ length: nClasses * dims }, () => rng.normal());
      const wn = oracleNormalizedRows(Float64Array.from(w), nClasses);
      const b = Array.from({ length: nClasses }, () => rng.normal() * 0.3);
      const x0 = [rng.normal(), rng.normal()];
      const f = (x: number[]) =>
        Array.from({ length: nClasses }, (_, j) => b[j] + wn[j * dims] * x[0] + wn[j * dims + 1] * x[1]);
      const logits = f(x0);
      const top = argmax(logits);
      const { radii, predictions } = certify(logits, nClasses, classPairDistances(wn, nClasses));
      expect(predictions[0]).toBe(top);
      // Brute force: along 3600 directions, bisect the distance at which the argmax changes.
      let best = Infinity;
      for (let a = 0; a < 3600; a++) {
        const dir = [Math.cos((a * Math.PI) / 1800), Math.sin((a * Math.PI) / 1800)];
        const changed = (r: number) => argmax(f([x0[0] + r * dir[0], x0[1] + r * dir[1]])) !== top;
        if (!changed(50)) continue;
        let lo = 0;
        let hi = 50;
        for (let it = 0; it < 50; it++) {
          const mid = (lo + hi) / 2;
          if (changed(mid)) hi = mid;
          else lo = mid;
        }
        best = Math.min(best, hi);
      }
      expect(radii[0]).toBeLessThanOrEqual(best + 1e-9);
      expect(Math.abs(radii[0] - best) / best).toBeLessThan(1e-5);
    }
  });

  it('breaks ties towards the lowest class index, for the prediction and the radius', () => {
    const wn = [1, 0, 0, 1, -1, 0];
    const { predictions, radii } = certify([0.5, 0.5, 0.1], 3, classPairDistances(wn, 3));
    expect(predictions[0]).toBe(0);
    expect(radii[0]).toBe(0);
  });

  it('gives an infinite radius when no other class can overtake (identical rows)', () => {
    const wn = [1, 0, 1, 0];
    const { radii } = certify([0.3, 0.1], 2, classPairDistances(wn, 2));
    expect(radii[0]).toBe(Infinity);
  });

  it('certifies only correct predictions with radius strictly greater than eps', () => {
    const c = { predictions: Int32Array.from([0, 1, 2, 1]), radii: Float64Array.from([0.5, 0.2, 0.9, 0.3]) };
    const labels = [0, 1, 1, 1];
    expect(naturalAccuracy(c.predictions, labels)).toBe(0.75);
    expect(certifiedAccuracy(c, labels, 0.2)).toBe(0.5); // 0.2 is not > 0.2
    expect(certifiedAccuracy(c, labels, 0.19)).toBe(0.75);
    expect(certifiedAccuracy(c, labels, 0.5)).toBe(0);
    expect(PAPER_EPSILONS.map((e) => Math.round(e * 255))).toEqual([36, 72, 108, 255]);
  });
});
