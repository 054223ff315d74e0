/**
 * What the page derives from an evaluation's radii, recomputed instantly when eps moves (no
 * retraining, no worker round trip).
 */
import type { Certificates } from './certify.ts';

/** An evaluation's per-image certificates with the true labels. */
export interface LabelledCertificates extends Certificates {
  labels: Int32Array;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Radii of correctly classified images in `bins` equal bins over [0, max]; larger ones go in the last. */
export function radiusHistogram(e: LabelledCertificates, bins = 30, max = 1): HistogramBin[] {
  const out = Array.from({ length: bins }, (_, b) => ({
    from: (b * max) / bins,
    to: ((b + 1) * max) / bins,
    count: 0,
  }));
  for (let i = 0; i < e.labels.length; i++) {
    if (e.predictions[i] !== e.labels[i]) continue;
    const b = Math.min(bins - 1, Math.floor((e.radii[i] / max) * bins));
    out[b].count++;
  }
  return out;
}

/** Certified accuracy at eps = 0, 1/255, …, 255/255. */
export function certifiedCurve(e: LabelledCertificates, steps = 255): { eps: number; accuracy: number }[] {
  const certifiedRadii: number[] = [];
  for (let i = 0; i < e.labels.length; i++)
    if (e.predictions[i] === e.labels[i]) certifiedRadii.push(e.radii[i]);
  certifiedRadii.sort((a, b) => a - b);
  const n = e.labels.length;
  let j = 0;
  return Array.from({ length: steps + 1 }, (_, k) => {
    const eps = k / steps;
    while (j < certifiedRadii.length && certifiedRadii[j] <= eps) j++;
    return { eps, accuracy: n === 0 ? 0 : (certifiedRadii.length - j) / n };
  });
}
