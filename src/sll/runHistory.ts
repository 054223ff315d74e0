/**
 * About how many metrics points a run's history keeps (at most two more). The worker sends up to
 * ten a second, so an evening's run would otherwise keep hundreds of thousands, in the page, the
 * worker and every checkpoint, and redraw them all at each one.
 */
export const METRICS_HISTORY_CAP = 2048;

/**
 * `points` (in step order) with `point` appended, thinned to one point per stretch of `stride`
 * steps, the first measured in it, plus the newest. The stride is the least power of two that
 * splits the run so far into at most `cap` stretches, so it only ever doubles, and each doubling
 * keeps a point of every new stretch: the history stays evenly spaced over the whole run, and each
 * point kept is one that was measured. The worker and the page both apply it to the same points,
 * so a run restored from a checkpoint draws what the page had drawn.
 */
export function withMetricsPoint<T extends { step: number }>(
  points: readonly T[],
  point: T,
  cap = METRICS_HISTORY_CAP,
): T[] {
  const stride = 2 ** Math.max(0, Math.ceil(Math.log2(point.step / cap)));
  if (stride === 1) return [...points, point];
  const kept: T[] = [];
  let stretch = -1;
  for (const p of points) {
    const s = Math.floor(p.step / stride);
    if (s !== stretch) kept.push(p);
    stretch = s;
  }
  kept.push(point);
  return kept;
}
