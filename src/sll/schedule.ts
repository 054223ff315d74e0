/**
 * The official "interp" learning-rate schedule (docs/math.md §3 and §8).
 */

/** Optimiser steps of a run: `epochs * floor(trainSize / batch)` (the last partial batch is dropped). */
export function totalSteps(epochs: number, trainSize: number, batchSize: number): number {
  return epochs * Math.floor(trainSize / batchSize);
}

/** Piecewise-linear through (0, 0), (floor(2N/5), lr), (floor(4N/5), lr/20), (N, 0), like np.interp. */
export function interpSchedule(t: number, steps: number, lr: number): number {
  const xs = [0, Math.floor((2 * steps) / 5), Math.floor((4 * steps) / 5), steps];
  const ys = [0, lr, lr / 20, 0];
  if (t <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) {
    if (t <= xs[i]) {
      const span = xs[i] - xs[i - 1];
      // np.interp returns the right value on a zero-width segment.
      return span === 0 ? ys[i] : ys[i - 1] + ((t - xs[i - 1]) / span) * (ys[i] - ys[i - 1]);
    }
  }
  return ys[ys.length - 1];
}

/**
 * Learning rate used by optimiser step `k` (0-based). The official loop calls `scheduler.step(k)`
 * after `optimizer.step()`, so step 0 runs at the full learning rate and step k at interp(k - 1).
 */
export function learningRateAt(step: number, steps: number, lr: number): number {
  return step === 0 ? lr : interpSchedule(step - 1, steps, lr);
}
