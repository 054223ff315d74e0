/**
 * Lipschitz checks (docs/math.md §5 and §8): the largest singular value of a layer's "linear part" by power
 * iteration on the gradient of ||f(c + v) - f(c)||^2, as the official compute_lip.py does with c = 0
 * and unit v. With a random centre c and a small v, the same iteration estimates the norm of the
 * layer's Jacobian at c — the stronger check.
 */
import * as tf from '@tensorflow/tfjs';
import { type SllModel, disposeScalings } from './model.ts';
import { type Rng, createRng } from '../sll/rng.ts';

export interface PowerIterationOptions {
  /** Point around which the layer is probed; zeros (the official check) when absent. */
  center?: tf.Tensor;
  /** Norm of the probe v: 1 for the official check, small for a local Jacobian estimate. */
  scale?: number;
  maxIterations?: number;
  tolerance?: number;
  rng?: Rng;
}

/** Estimated `max ||f(c + v) - f(c)|| / ||v||` over probes of norm `scale`. */
export async function powerIteration(
  fn: (x: tf.Tensor) => tf.Tensor,
  inputShape: number[],
  options: PowerIterationOptions = {},
): Promise<number> {
  const { scale = 1, maxIterations = 500, tolerance = 1e-8 } = options;
  const rng = options.rng ?? createRng(0);
  const center = options.center ?? tf.zeros(inputShape);
  const base = tf.tidy(() => fn(center));
  const diff = (v: tf.Tensor) => tf.sub(fn(tf.add(center, v)), base);
  const normalize = (v: tf.Tensor) => tf.mul(v, tf.div(scale, tf.maximum(tf.norm(v), 1e-30)));
  const size = inputShape.reduce((a, b) => a * b, 1);
  let v = tf.tidy(() =>
    normalize(
      tf.tensor(
        Float32Array.from({ length: size }, () => rng.normal()),
        inputShape,
      ),
    ),
  );
  const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.square(diff(x))));
  for (let it = 0; it < maxIterations; it++) {
    const next = tf.tidy(() => normalize(grad(v)));
    const change = tf.tidy(() => tf.norm(tf.sub(next, v)));
    const moved = (await change.data())[0];
    change.dispose();
    v.dispose();
    v = next;
    if (moved < tolerance * scale) break;
  }
  const gain = tf.tidy(() => tf.div(tf.norm(diff(v)), scale));
  const result = (await gain.data())[0];
  tf.dispose([gain, v, base]);
  if (!options.center) center.dispose();
  return result;
}

export interface LayerLipschitz {
  name: string;
  kind: 'conv' | 'dense';
  /** Official check: centre 0, unit probe. */
  atZero: number;
  /** Largest local estimate over random centres (probe norm 1e-2). */
  atRandomPoints: number;
}

/**
 * Per-layer estimates for every SLL layer of the model; each must be <= 1 (up to float error).
 * `onProgress` hears how many of the `layers x (1 + randomPoints)` power iterations are done.
 */
export async function layerLipschitzEstimates(
  model: SllModel,
  options: {
    maxIterations?: number;
    randomPoints?: number;
    seed?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<LayerLipschitz[]> {
  const { maxIterations = 200, randomPoints = 2, seed = 0, onProgress } = options;
  const rng = createRng(seed);
  const scalings = model.computeScalings();
  try {
    const out: LayerLipschitz[] = [];
    const layers = model.sllLayerFunctions(scalings);
    const total = layers.length * (1 + randomPoints);
    let done = 0;
    const step = () => onProgress?.(++done, total);
    for (const layer of layers) {
      const atZero = await powerIteration(layer.apply, layer.inputShape, { maxIterations, rng });
      step();
      let atRandomPoints = 0;
      for (let p = 0; p < randomPoints; p++) {
        const size = layer.inputShape.reduce((a, b) => a * b, 1);
        const center = tf.tensor(
          Float32Array.from({ length: size }, () => rng.normal()),
          layer.inputShape,
        );
        const local = await powerIteration(layer.apply, layer.inputShape, {
          center,
          scale: 1e-2,
          maxIterations,
          rng,
        });
        center.dispose();
        step();
        atRandomPoints = Math.max(atRandomPoints, local);
      }
      out.push({ name: layer.name, kind: layer.kind, atZero, atRandomPoints });
    }
    return out;
  } finally {
    disposeScalings(scalings);
  }
}
