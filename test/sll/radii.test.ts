import { describe, expect, it } from 'vitest';
import { certifiedAccuracy } from '../../src/sll/certify.ts';
import {
  type LabelledCertificates,
  certifiedAccuracyAt,
  certifiedCurve,
  certifiedIndex,
  countAbove,
  radiusHistogram,
  radiusQuantile,
} from '../../src/sll/radii.ts';
import { createRng } from '../../src/sll/rng.ts';

const evaluation = {
  radii: Float64Array.from([0.5, 0.2, 0.9, 0.3, Infinity]),
  predictions: Int32Array.from([0, 1, 2, 1, 3]),
  labels: Int32Array.from([0, 1, 1, 1, 3]),
};

/**
 * `n` images over 10 classes, about 70% predicted correctly, radii drawn from a few dozen values
 * of k/255 (so many ties, and many equal to some eps the slider can reach), with some Infinity,
 * zero, and NaN radii mixed in.
 */
function randomEvaluation(seed: number, n: number): LabelledCertificates {
  const rng = createRng(seed);
  const labels = new Int32Array(n);
  const predictions = new Int32Array(n);
  const radii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rng.uniform() * 10);
    predictions[i] = rng.uniform() < 0.7 ? labels[i] : (labels[i] + 1) % 10;
    const u = rng.uniform();
    radii[i] =
      u < 0.05
        ? Infinity
        : u < 0.08
          ? 0
          : u < 0.1
            ? NaN
            : u < 0.6
              ? Math.floor(rng.uniform() * 40) / 255
              : rng.uniform() * 1.5;
  }
  return { labels, predictions, radii };
}

describe('certification from radii', () => {
  it('counts correct predictions with radius strictly above eps', () => {
    expect(certifiedAccuracy(evaluation, evaluation.labels, 0.2)).toBeCloseTo(3 / 5);
    expect(certifiedAccuracy(evaluation, evaluation.labels, 0.3)).toBeCloseTo(2 / 5);
    expect(certifiedAccuracy(evaluation, evaluation.labels, 5)).toBeCloseTo(1 / 5);
  });

  it('histograms the radii of correct predictions, with radii of max or more in an extra last bin', () => {
    const bins = radiusHistogram(evaluation, 10, 1);
    expect(bins).toHaveLength(11);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(4);
    expect(bins[5].count).toBe(1); // 0.5
    expect(bins[9].count).toBe(0); // 0.9 was predicted wrongly
    expect(bins[10]).toEqual({ from: 1, to: Infinity, count: 1 }); // Infinity
    const edges = radiusHistogram(
      {
        radii: Float64Array.from([0, 0.1, 0.999, 1, 1.5]),
        predictions: new Int32Array(5),
        labels: new Int32Array(5),
      },
      10,
      1,
    );
    expect(edges.map((b) => b.count)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
  });

  it('gives the certified accuracy at every k/255, equal to the direct count', () => {
    const curve = certifiedCurve(evaluation);
    expect(curve).toHaveLength(256);
    for (const { eps, accuracy } of curve)
      expect(accuracy).toBe(certifiedAccuracy(evaluation, evaluation.labels, eps));
  });
});

describe('certifiedIndex and certifiedAccuracyAt', () => {
  it('sorts the radii of correct predictions once, leaving out NaN', () => {
    const e = {
      radii: Float64Array.from([0.5, NaN, 0.2, Infinity, 0.2, 0.7]),
      predictions: Int32Array.from([0, 1, 2, 3, 4, 9]),
      labels: Int32Array.from([0, 1, 2, 3, 4, 5]),
    };
    const index = certifiedIndex(e);
    expect([...index.sorted]).toEqual([0.2, 0.2, 0.5, Infinity]);
    expect(index.n).toBe(6);
    // Cached per evaluation object: a second call returns the same index.
    expect(certifiedIndex(e)).toBe(index);
    expect(certifiedIndex({ ...e })).not.toBe(index);
  });

  it('is strictly greater than eps, at ties and at eps equal to a radius', () => {
    const index = certifiedIndex(evaluation);
    expect(certifiedAccuracyAt(index, 0.2)).toBe(3 / 5); // 0.2 itself is not certified
    expect(certifiedAccuracyAt(index, 0.19999)).toBe(4 / 5);
    expect(certifiedAccuracyAt(index, 0.5)).toBe(1 / 5);
    expect(certifiedAccuracyAt(index, Infinity)).toBe(0); // not even an infinite radius is > Infinity
    expect(certifiedAccuracyAt(index, NaN)).toBe(0);
    expect(countAbove(Float64Array.from([1, 1, 1]), 1)).toBe(0);
    expect(countAbove(Float64Array.from([1, 1, 1]), 0.5)).toBe(3);
    expect(countAbove(new Float64Array(0), 0)).toBe(0);
  });

  it('equals certifiedAccuracy exactly on random evaluations with ties, zeros, NaN and Infinity', () => {
    for (const [seed, n] of [
      [1, 1],
      [2, 7],
      [3, 100],
      [4, 10_000],
    ]) {
      const e = randomEvaluation(seed, n);
      const index = certifiedIndex(e);
      const epsilons = [
        ...Array.from({ length: 256 }, (_, k) => k / 255), // every slider position
        ...Array.from(e.radii.slice(0, 200)), // exactly each of some radii (NaN and Infinity too)
        -1,
        -0,
        -Infinity,
        Infinity,
        NaN,
        1e-300,
      ];
      for (const eps of epsilons)
        expect(certifiedAccuracyAt(index, eps), `seed ${seed}, eps ${eps}`).toBe(
          certifiedAccuracy(e, e.labels, eps),
        );
    }
  });

  it('gives 0 for an evaluation without images, and for a restored one without radii', () => {
    const none = { radii: new Float64Array(0), predictions: new Int32Array(0), labels: new Int32Array(0) };
    expect(certifiedAccuracyAt(certifiedIndex(none), 0)).toBe(0);
    expect(certifiedAccuracy(none, none.labels, 0)).toBe(0);
    const noRadii = {
      radii: new Float64Array(0),
      predictions: new Int32Array(0),
      labels: Int32Array.from([1, 2]),
    };
    expect(certifiedAccuracyAt(certifiedIndex(noRadii), 0)).toBe(
      certifiedAccuracy(noRadii, noRadii.labels, 0),
    );
  });

  it('gives quantiles of the certified radii by nearest rank', () => {
    const index = certifiedIndex({
      radii: Float64Array.from([0.4, 0.1, 0.3, 0.2]),
      predictions: new Int32Array(4),
      labels: new Int32Array(4),
    });
    expect(radiusQuantile(index, 0.5)).toBe(0.2);
    expect(radiusQuantile(index, 0)).toBe(0.1);
    expect(radiusQuantile(index, 1)).toBe(0.4);
    expect(
      radiusQuantile(certifiedIndex({ ...evaluation, labels: Int32Array.from([9, 9, 9, 9, 9]) }), 0.5),
    ).toBe(null);
  });
});
