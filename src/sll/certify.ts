/**
 * Certification (docs/math.md §4 and §8): the certified L2 radius of each prediction, from the logits and
 * the normalised rows of the last layer. Pure JavaScript in float64 on read-back logits, so ties
 * are broken identically for the prediction and the radius (lowest class index) on every backend.
 */
export const PAPER_EPSILONS = [36 / 255, 72 / 255, 108 / 255, 255 / 255];

/** `||Wn_i - Wn_j||_2` for every pair of classes, row-major `[C, C]`. */
export function classPairDistances(normalizedWeight: ArrayLike<number>, nClasses: number): Float64Array {
  const features = normalizedWeight.length / nClasses;
  const out = new Float64Array(nClasses * nClasses);
  for (let i = 0; i < nClasses; i++) {
    for (let j = i + 1; j < nClasses; j++) {
      let s = 0;
      for (let f = 0; f < features; f++) {
        const d = normalizedWeight[i * features + f] - normalizedWeight[j * features + f];
        s += d * d;
      }
      out[i * nClasses + j] = out[j * nClasses + i] = Math.sqrt(s);
    }
  }
  return out;
}

export interface Certificates {
  predictions: Int32Array;
  /** Certified radius of each predicted class, whatever the label; Infinity when no class can overtake. */
  radii: Float64Array;
}

/**
 * `radius = min_{j != top} (f_top - f_j) / ||Wn_top - Wn_j||`, top = lowest index among the maximal
 * logits. A class whose row equals the top row can never overtake it (its margin is constant and
 * ties go to the lower index), so it contributes no bound. `inputScale` converts the radius from
 * normalised-input space to pixel space: min(std), which is 1 for every official model.
 */
export function certify(
  logits: ArrayLike<number>,
  nClasses: number,
  distances: Float64Array,
  inputScale = 1,
): Certificates {
  const n = logits.length / nClasses;
  const predictions = new Int32Array(n);
  const radii = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    const row = b * nClasses;
    let top = 0;
    for (let j = 1; j < nClasses; j++) if (logits[row + j] > logits[row + top]) top = j;
    let radius = Infinity;
    for (let j = 0; j < nClasses; j++) {
      const d = distances[top * nClasses + j];
      if (j === top || d === 0) continue;
      radius = Math.min(radius, (logits[row + top] - logits[row + j]) / d);
    }
    predictions[b] = top;
    radii[b] = radius * inputScale;
  }
  return { predictions, radii };
}

export function naturalAccuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return labels.length === 0 ? 0 : correct / labels.length;
}

/** Fraction of inputs predicted correctly with radius strictly greater than eps. */
export function certifiedAccuracy(c: Certificates, labels: ArrayLike<number>, eps: number): number {
  let certified = 0;
  for (let i = 0; i < labels.length; i++) {
    if (c.predictions[i] === labels[i] && c.radii[i] > eps) certified++;
  }
  return labels.length === 0 ? 0 : certified / labels.length;
}
