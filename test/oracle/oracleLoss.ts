/** Float64 versions of the training losses, from the spec, for tests. */
const OFFSET = (3 * Math.SQRT2) / 2;
const TEMPERATURE = 0.25;

export function oracleXent(logits: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number): number {
  let total = 0;
  for (let b = 0; b < labels.length; b++) {
    const z = Array.from({ length: nClasses }, (_, j) => {
      const f = logits[b * nClasses + j] - (j === labels[b] ? OFFSET : 0);
      return f / TEMPERATURE;
    });
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    total += TEMPERATURE * (lse - z[labels[b]]);
  }
  return total / labels.length;
}

export function oracleMultiMargin(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  nClasses: number,
): number {
  let total = 0;
  for (let b = 0; b < labels.length; b++) {
    const y = labels[b];
    let s = 0;
    for (let j = 0; j < nClasses; j++) {
      if (j !== y) s += Math.max(0, 0.7 - logits[b * nClasses + y] + logits[b * nClasses + j]);
    }
    total += s / nClasses;
  }
  return total / labels.length;
}
