import { describe, expect, it } from 'vitest';
import { METRICS_HISTORY_CAP, withMetricsPoint } from '../../src/sll/runHistory.ts';

interface Point {
  step: number;
}

function appendAll(steps: number[], cap?: number): number[] {
  let points: Point[] = [];
  for (const step of steps) points = withMetricsPoint(points, { step }, cap);
  return points.map((p) => p.step);
}

const range = (from: number, to: number, by = 1) =>
  Array.from({ length: Math.floor((to - from) / by) + 1 }, (_, i) => from + i * by);

describe('withMetricsPoint', () => {
  it('keeps every point while the run is within the cap, without changing the array it was given', () => {
    const before = [{ step: 1 }, { step: 2 }];
    expect(withMetricsPoint(before, { step: 3 }, 4).map((p) => p.step)).toEqual([1, 2, 3]);
    expect(before).toEqual([{ step: 1 }, { step: 2 }]);
    expect(appendAll(range(1, 4), 4)).toEqual([1, 2, 3, 4]);
  });

  it('past the cap keeps the first point of each stretch of steps, and the newest', () => {
    // Stride 2: stretches [0,1], [2,3], [4,5].
    expect(appendAll(range(1, 5), 4)).toEqual([1, 2, 4, 5]);
    expect(appendAll(range(1, 8), 4)).toEqual([1, 2, 4, 6, 8]);
    // Stride 4 from step 9: stretches [0,3], [4,7], [8,11].
    expect(appendAll(range(1, 9), 4)).toEqual([1, 4, 8, 9]);
  });

  it('holds an hour at ten points a second near the cap, evenly spaced from the start to the newest', () => {
    const points = appendAll(range(1, 36_000));
    expect(points.length).toBeLessThanOrEqual(METRICS_HISTORY_CAP + 2);
    expect(points.length).toBeGreaterThan(METRICS_HISTORY_CAP / 2);
    expect(points.at(-1)).toBe(36_000);
    const gaps = points.slice(1, -1).map((p, i) => p - points[i]);
    // Stride 32 (36,000 steps in at most 2,048 stretches); the first gap starts at step 1.
    expect(new Set(gaps.slice(1))).toEqual(new Set([32]));
    expect(points.slice(0, 3)).toEqual([1, 32, 64]);
  });

  it('thins points that come at uneven steps (metrics are sent by time, not by step)', () => {
    const steps = range(1, 20_000, 7);
    const points = appendAll(steps, 256);
    expect(points.length).toBeLessThanOrEqual(258);
    expect(points.at(-1)).toBe(steps.at(-1));
    // One point per stretch of 128 steps: each kept point is the first measured in its stretch.
    const stretches = points.slice(0, -1).map((p) => Math.floor(p / 128));
    expect(new Set(stretches).size).toBe(stretches.length);
    for (const p of points.slice(0, -1)) expect(steps).toContain(p);
    expect(points.slice(0, -1).every((p) => p - 7 < Math.floor(p / 128) * 128)).toBe(true);
  });
});
