/**
 * Empirical robustness (docs/math.md §5): untargeted L2 PGD as in the official evaluation (advertorch's
 * L2PGDAttack with summed cross-entropy): 100 steps of size 2*eps/100, random start, images kept
 * in [0, 1]. A sound certificate implies: robust accuracy under attack >= certified accuracy.
 */
import * as tf from '@tensorflow/tfjs';
import { type Rng } from '../sll/rng.ts';

export interface PgdOptions {
  /** The L2 radius: one for the whole batch, or one per image (length N), as a bisection needs. */
  eps: number | Float32Array;
  steps?: number;
  /** Defaults to 2 * eps / steps (per image when eps is). */
  stepSize?: number;
  rng: Rng;
  /** Asked at every yield to the event loop; true ends the attack with a `PgdCancelledError`. */
  shouldStop?: () => boolean;
  /** Hears the number of steps done after each step. */
  onStep?: (done: number) => void;
}

/** The attack was stopped by its `shouldStop` before it finished. */
export class PgdCancelledError extends Error {
  override name = 'PgdCancelledError';
}

/** Least time between two yields to the event loop: short enough that a cancel acts at once. */
const YIELD_MS = 25;

type Radius = number | tf.Tensor4D;

/** Scales each image's perturbation so that its L2 norm is at most its eps. */
function clampByNorm(delta: tf.Tensor4D, eps: Radius): tf.Tensor4D {
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(delta), [1, 2, 3], true));
    return tf.mul(delta, tf.minimum(1, tf.div(eps, tf.maximum(norms, 1e-12)))) as tf.Tensor4D;
  });
}

function keepInImageRange(images: tf.Tensor4D, delta: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.clipByValue(tf.add(images, delta), 0, 1), images) as tf.Tensor4D);
}

function perImageRadius(eps: number | Float32Array, n: number): Radius {
  if (typeof eps === 'number') return eps;
  if (eps.length !== n) throw new Error(`PGD needs one eps per image: got ${eps.length} for ${n} images`);
  return tf.tensor4d(eps, [n, 1, 1, 1]);
}

/** Adversarial images for `logitsOf` (weights fixed) around `images [N, H, W, C]` in [0, 1]. */
export async function pgdAttack(
  logitsOf: (x: tf.Tensor4D) => tf.Tensor2D,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  options: PgdOptions,
): Promise<tf.Tensor4D> {
  const { steps = 100, rng, shouldStop, onStep } = options;
  const eps = perImageRadius(options.eps, images.shape[0]);
  const stepSize: Radius =
    options.stepSize ??
    (typeof eps === 'number'
      ? (2 * eps) / steps
      : tf.tidy(() => tf.div(tf.mul(eps, 2), steps) as tf.Tensor4D));
  const nClassesProbe = tf.tidy(() => logitsOf(tf.slice(images, 0, 1)));
  const nClasses = nClassesProbe.shape[1];
  nClassesProbe.dispose();
  const oneHot = tf.tidy(() => tf.oneHot(tf.cast(labels, 'int32'), nClasses));
  const loss = (x: tf.Tensor4D) =>
    tf.losses.softmaxCrossEntropy(oneHot, logitsOf(x), undefined, undefined, tf.Reduction.SUM);
  const gradOf = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D));

  // Random start: a uniform image minus x, scaled into the ball, kept in range.
  let delta = tf.tidy(() => {
    const u = tf.tensor(
      Float32Array.from({ length: images.size }, () => rng.uniform()),
      images.shape,
    );
    return keepInImageRange(images, clampByNorm(tf.sub(u, images) as tf.Tensor4D, eps));
  });
  try {
    let lastYield = performance.now();
    for (let s = 0; s < steps; s++) {
      const next = tf.tidy(() => {
        const g = gradOf(tf.add(images, delta)) as tf.Tensor4D;
        const gNorm = tf.sqrt(tf.sum(tf.square(g), [1, 2, 3], true));
        const stepped = tf.add(delta, tf.mul(tf.div(g, tf.maximum(gNorm, 1e-12)), stepSize)) as tf.Tensor4D;
        return clampByNorm(keepInImageRange(images, stepped), eps);
      });
      delta.dispose();
      delta = next;
      onStep?.(s + 1);
      // Yield to the event loop now and then, so that a cancel (or a pause) can arrive.
      if (performance.now() - lastYield >= YIELD_MS) {
        await tf.nextFrame();
        lastYield = performance.now();
        if (shouldStop?.()) throw new PgdCancelledError('the attack was cancelled');
      }
    }
    return tf.tidy(() => tf.clipByValue(tf.add(images, delta), 0, 1) as tf.Tensor4D);
  } finally {
    tf.dispose([delta, oneHot]);
    if (typeof eps !== 'number') eps.dispose();
    if (typeof stepSize !== 'number') stepSize.dispose();
  }
}
