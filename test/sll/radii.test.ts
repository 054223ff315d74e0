import { describe, expect, it } from 'vitest';
import { certifiedAccuracy } from '../../src/sll/certify.ts';
import { certifiedCurve, radiusHistogram } from '../../src/sll/radii.ts';

const evaluation = {
  radii: Float64Array.from([0.5, 0.2, 0.9, 0.3, Infinity]),
  predictions: Int32Array.from([0, 1, 2, 1, 3]),
  labels: Int32Array.from([0, 1, 1, 1, 3]),
};

describe('certification from radii', () => {
  it('counts correct predictions with radius strictly above eps', () => {
    expect(certifiedAccuracy(evaluation, evaluation.labels, 0.2)).toBeCloseTo(3 / 5);
    expect(certifiedAccuracy(evaluation, evaluation.labels, 0.3)).toBeCloseTo(2 / 5);
    expect(certifiedAccuracy(evaluation, evaluation.labels, 5)).toBeCloseTo(1 / 5);
  });

  it('histograms the radii of correct predictions (infinite radii in the last bin)', () => {
    const bins = radiusHistogram(evaluation, 10, 1);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(4);
    expect(bins[5].count).toBe(1);
    expect(bins[9].count).toBe(1);
  });

  it('gives the certified accuracy at every k/255, equal to the direct count', () => {
    const curve = certifiedCurve(evaluation);
    expect(curve).toHaveLength(256);
    for (const { eps, accuracy } of curve)
      expect(accuracy).toBeCloseTo(certifiedAccuracy(evaluation, evaluation.labels, eps), 12);
  });
});
