/**
 * What the page derives from an evaluation's radii, recomputed instantly when eps moves (no
 * retraining, no worker round trip): the radii of the correctly classified images are sorted once
 * per evaluation, and every certified accuracy after that is a binary search.
 */
import type { Certificates } from './certify.ts';

/** An evaluation's per-image certificates with the true labels. */
export interface LabelledCertificates extends Certificates {
  labels: Int32Array;
}

/** The radii of the correctly classified images of one evaluation, in ascending order. */
export interface CertifiedIndex {
  /** Ascending; NaN radii (which certify nothing) are left out. */
  sorted: Float64Array;
  /** All labelled images, correct or not: the denominator of every accuracy. */
  n: number;
}

const indices = new WeakMap<LabelledCertificates, CertifiedIndex>();

/**
 * The sorted radii of `e`, built on the first call and cached for as long as `e` lives: an
 * evaluation's arrays are never changed after it is made.
 */
export function certifiedIndex(e: LabelledCertificates): CertifiedIndex {
  const cached = indices.get(e);
  if (cached) return cached;
  const n = e.labels.length;
  const radii: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = e.radii[i];
    // `r >= -Infinity` holds for every number but NaN, and is false for a missing radius.
    if (e.predictions[i] === e.labels[i] && r >= -Infinity) radii.push(r);
  }
  const index = { sorted: Float64Array.from(radii).sort(), n };
  indices.set(e, index);
  return index;
}

/** How many sorted radii are strictly greater than eps (none when eps is NaN). O(log n). */
export function countAbove(sorted: Float64Array, eps: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] > eps) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}

/**
 * Fraction of the images predicted correctly with a radius strictly greater than eps: the same
 * number, to the last bit, as `certifiedAccuracy` in certify.ts, in O(log n).
 */
export function certifiedAccuracyAt(index: CertifiedIndex, eps: number): number {
  return index.n === 0 ? 0 : countAbove(index.sorted, eps) / index.n;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/**
 * Radii of correctly classified images in `bins` equal bins over [0, max), then one more bin,
 * [max, Infinity), for every radius of `max` or more (infinite radii included).
 */
export function radiusHistogram(e: LabelledCertificates, bins = 30, max = 1): HistogramBin[] {
  const out: HistogramBin[] = Array.from({ length: bins }, (_, b) => ({
    from: (b * max) / bins,
    to: ((b + 1) * max) / bins,
    count: 0,
  }));
  out.push({ from: max, to: Infinity, count: 0 });
  for (const r of certifiedIndex(e).sorted) {
    const b = r >= max ? bins : Math.max(0, Math.min(bins - 1, Math.floor((r / max) * bins)));
    out[b].count++;
  }
  return out;
}

/** Certified accuracy at eps = 0, 1/steps, …, 1. */
export function certifiedCurve(e: LabelledCertificates, steps = 255): { eps: number; accuracy: number }[] {
  const index = certifiedIndex(e);
  return Array.from({ length: steps + 1 }, (_, k) => {
    const eps = k / steps;
    return { eps, accuracy: certifiedAccuracyAt(index, eps) };
  });
}

/** The radius below which a fraction `q` of the sorted radii lie (nearest rank); null when there are none. */
export function radiusQuantile(index: CertifiedIndex, q: number): number | null {
  const { sorted } = index;
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
