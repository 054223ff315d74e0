/**
 * Empirical radius (docs/audit.md): per image, the smallest L2 radius at which PGD changes a correct
 * prediction, found by growing a probe radius until PGD succeeds and then bisecting.
 *
 * The result is an upper bound on the true minimal adversarial radius: every radius it reports is
 * one at which PGD produced an image, inside that ball and in [0, 1], that the network classifies
 * differently. (PGD with a random start is not monotone in eps, so the bisection may stop above the
 * smallest radius where PGD could succeed; it never reports a radius where no adversarial image was
 * found.) A certified radius is a lower bound on the same minimal radius, so a sound certificate
 * satisfies certified <= empirical for every correctly classified image.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../sll/rng.ts';
import type { Evaluator } from './evaluator.ts';
import { pgdAttack } from './pgd.ts';

/**
 * The search: the first probe is `FIRST_PROBE_FACTOR` times the certified radius (at least
 * `FIRST_PROBE_FLOOR`), probes double until PGD succeeds, and an image PGD cannot flip at `RADIUS_CAP`
 * gets Infinity. The cap is eight times the paper's largest radius (255/255), far beyond where PGD
 * flips any trained model's predictions on CIFAR-10; the start sits past the certified radius, where
 * a sound certificate lets PGD succeed, so that most images bracket on the first probe.
 */
export const RADIUS_SEARCH = {
  FIRST_PROBE_FACTOR: 2,
  FIRST_PROBE_FLOOR: 1 / 16,
  RADIUS_CAP: 8,
} as const;

/**
 * The bisection of a whole evaluation (the page's PGD curve, `sll-lab audit`): 20 PGD steps per
 * probe and 6 rounds, so that 200 images audit in minutes on two CPU cores. Fewer steps than the
 * official 100 can only make PGD weaker, so the radius found stays an upper bound, just a looser one.
 */
export const CURVE_BISECTION = { bisectionSteps: 20, rounds: 6 } as const;

export interface EmpiricalRadiusOptions {
  /** PGD steps per probe (random start, step 2 * eps / steps). */
  steps: number;
  /** Bisection rounds after the first success: the bracket shrinks by 2^rounds. */
  rounds: number;
  rng: Rng;
  shouldStop?: () => boolean;
  /** Hears the PGD steps done so far (each probe of the batch counts `steps`). */
  onStep?: (done: number) => void;
}

/** The most probes one image can take: the doubling from the floor to the cap, then the rounds. */
export function maxProbes(rounds: number): number {
  const { FIRST_PROBE_FLOOR, RADIUS_CAP } = RADIUS_SEARCH;
  return Math.ceil(Math.log2(RADIUS_CAP / FIRST_PROBE_FLOOR)) + 1 + rounds;
}

interface Search {
  /** The largest radius where PGD failed (0 before any). */
  lo: number;
  /** The smallest radius where PGD succeeded (Infinity before any). */
  hi: number;
  probe: number;
  roundsLeft: number;
  done: boolean;
}

/**
 * Empirical radii of a batch `images [N, H, W, C]` in [0, 1]: 0 where `predictions` is already
 * wrong, Infinity where PGD never succeeded up to the cap. All images are probed together, each at
 * its own radius, and leave the batch once settled.
 */
export async function empiricalRadii(
  evaluator: Evaluator,
  images: tf.Tensor4D,
  labels: Int32Array,
  predictions: Int32Array,
  certified: Float64Array,
  options: EmpiricalRadiusOptions,
): Promise<Float64Array> {
  const { steps, rounds } = options;
  const { FIRST_PROBE_FACTOR, FIRST_PROBE_FLOOR, RADIUS_CAP } = RADIUS_SEARCH;
  const searches: Search[] = Array.from(labels, (label, i) => {
    const start = Number.isFinite(certified[i]) ? FIRST_PROBE_FACTOR * certified[i] : 0;
    return {
      lo: 0,
      hi: Infinity,
      // float32, as PGD receives it: a reported radius is exactly one that was attacked.
      probe: Math.fround(Math.min(RADIUS_CAP, Math.max(FIRST_PROBE_FLOOR, start))),
      roundsLeft: rounds,
      done: predictions[i] !== label,
    };
  });
  let stepsDone = 0;
  for (;;) {
    const active = searches.flatMap((s, i) => (s.done ? [] : [i]));
    if (active.length === 0) break;
    const flipped = await probe(
      evaluator,
      images,
      labels,
      active,
      Float32Array.from(active, (i) => searches[i].probe),
      {
        ...options,
        onStep: (done) => options.onStep?.(stepsDone + done),
      },
    );
    stepsDone += steps;
    active.forEach((i, k) => advance(searches[i], flipped[k]));
  }
  return Float64Array.from(searches, (s, i) => (predictions[i] !== labels[i] ? 0 : s.hi));
}

/** One probe's outcome moves the search on: grow until the first success, then bisect. */
function advance(s: Search, flipped: boolean): void {
  if (flipped) s.hi = s.probe;
  else s.lo = s.probe;
  if (s.hi === Infinity) {
    if (s.probe >= RADIUS_SEARCH.RADIUS_CAP) s.done = true;
    else s.probe = Math.fround(Math.min(RADIUS_SEARCH.RADIUS_CAP, 2 * s.probe));
    return;
  }
  if (s.roundsLeft === 0) {
    s.done = true;
    return;
  }
  s.roundsLeft -= 1;
  s.probe = Math.fround((s.lo + s.hi) / 2);
}

/** PGD on the images at `indices`, each at its radius: whether each prediction changed. */
async function probe(
  evaluator: Evaluator,
  images: tf.Tensor4D,
  labels: Int32Array,
  indices: number[],
  radii: Float32Array,
  options: EmpiricalRadiusOptions,
): Promise<boolean[]> {
  const picked = Int32Array.from(indices);
  const x = tf.tidy(() => tf.gather(images, picked) as tf.Tensor4D);
  const subsetLabels = Int32Array.from(indices, (i) => labels[i]);
  const y = tf.tensor1d(subsetLabels, 'int32');
  try {
    const adversarial = await pgdAttack((z) => evaluator.logits(z), x, y, {
      eps: radii,
      steps: options.steps,
      rng: options.rng,
      shouldStop: options.shouldStop,
      onStep: options.onStep,
    });
    try {
      const { predictions } = await evaluator.certifyBatch(adversarial);
      return Array.from(predictions, (p, k) => p !== subsetLabels[k]);
    } finally {
      adversarial.dispose();
    }
  } finally {
    tf.dispose([x, y]);
  }
}
