/**
 * Settings of the certificate audit shared by the page, the worker and the CLI: the official PGD
 * step count and how far above 1 a measured layer gain may read before it is flagged.
 */

/** L2 PGD steps of the official evaluation (random start, step size 2 * eps / steps). */
export const PGD_STEPS = 100;

/** Power iteration in float32 overshoots a gain of exactly 1 by less than this. */
export const LIPSCHITZ_TOLERANCE = 1e-4;

/** A measured gain that breaks the 1-Lipschitz bound (NaN counts as broken). */
export function exceedsOne(gain: number): boolean {
  return !(gain <= 1 + LIPSCHITZ_TOLERANCE);
}
