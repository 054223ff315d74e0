/**
 * What the page derives from an evaluation's radii, recomputed instantly when eps moves (no
 * retraining, no worker round trip).
 */
export interface EvaluationArrays {
  radii: Float64Array;
  predictions: Int32Array;
  labels: Int32Array;
}

/** Radius for certification: the predicted class's radius if correct, else 0 (spec 4). */
export function certificationRadius(e: EvaluationArrays, i: number): number {
  return e.predictions[i] === e.labels[i] ? e.radii[i] : 0;
}

/** Correct and radius strictly greater than eps. */
export function certifiedFraction(e: EvaluationArrays, eps: number): number {
  const n = e.labels.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (e.predictions[i] === e.labels[i] && e.radii[i] > eps) count++;
  return n === 0 ? 0 : count / n;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Radii of correctly classified images in `bins` equal bins over [0, max]; larger ones go in the last. */
export function radiusHistogram(e: EvaluationArrays, bins = 30, max = 1): HistogramBin[] {
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
export function certifiedCurve(e: EvaluationArrays, steps = 255): { eps: number; accuracy: number }[] {
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
