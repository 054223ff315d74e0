/**
 * Live per-layer gains (docs/audit.md): each SLL layer's largest gain at 0 (the official check) and
 * at data points, by power iteration as in lipschitz.ts, but batched over the data points and
 * warm-started: each refresh continues from the previous refresh's probes, so a small budget per
 * refresh still converges while the weights move slowly under training.
 */
import * as tf from '@tensorflow/tfjs';
import { classPairDistances } from '../sll/certify.ts';
import { type Rng, createRng } from '../sll/rng.ts';
import { type SllModel, disposeScalings } from './model.ts';

/** Norm of the probe around a data point: small, so the gain is the local Jacobian's norm. */
const LOCAL_PROBE_NORM = 1e-2;

/** Least time between two yields to the event loop during a refresh. */
const YIELD_MS = 25;

export interface LayerGainEstimate {
  layers: { name: string; kind: 'conv' | 'dense'; atZero: number; atData: number }[];
  /** The head's rows after normalisation: their norms and the largest ||w_i - w_j|| / sqrt(2). */
  head: { rowNormMin: number; rowNormMax: number; largestPairGain: number };
}

/** Per-sample L2 norms of a batch `[N, ...]`. */
function sampleNorms(x: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(1).map((_, i) => i + 1);
  return tf.sqrt(tf.sum(tf.square(x), axes, true));
}

export class LayerGainTracker {
  /** The probes v of each layer (at 0 and at the data points), kept between refreshes. */
  private readonly probes = new Map<string, tf.Tensor>();
  private readonly rng: Rng;

  /** `images [K, H, W, C]` in [0, 1] give the data points; the tracker owns (and disposes) them. */
  constructor(
    private readonly images: tf.Tensor4D,
    seed = 0,
  ) {
    this.rng = createRng(seed);
  }

  /** `iterations` power-iteration steps per layer and probe, continuing from the last refresh. */
  async refresh(model: SllModel, iterations: number): Promise<LayerGainEstimate> {
    const scalings = model.computeScalings();
    const inputs = model.sllLayerInputs(this.images, scalings);
    const gains: tf.Scalar[] = [];
    try {
      const layers = model.sllLayerFunctions(scalings);
      for (const [k, layer] of layers.entries()) {
        const zero = tf.zeros(layer.inputShape);
        try {
          gains.push(await this.iterate(`${layer.name}@0`, layer.apply, zero, 1, iterations));
        } finally {
          zero.dispose();
        }
        gains.push(
          await this.iterate(`${layer.name}@data`, layer.apply, inputs[k], LOCAL_PROBE_NORM, iterations),
        );
      }
      const stacked = tf.stack(gains);
      const values = await stacked.data().finally(() => stacked.dispose());
      return {
        layers: layers.map((layer, k) => ({
          name: layer.name,
          kind: layer.kind,
          atZero: values[2 * k],
          atData: values[2 * k + 1],
        })),
        head: headGains(await model.normalizedLastWeight(), model.arch.nClasses),
      };
    } finally {
      tf.dispose([...gains, ...inputs]);
      disposeScalings(scalings);
    }
  }

  dispose(): void {
    tf.dispose([...this.probes.values(), this.images]);
    this.probes.clear();
  }

  /**
   * Power iteration on the gradient of `sum_b ||f(c_b + v_b) - f(c_b)||^2`, each v_b kept at norm
   * `scale`: the samples do not interact, so each v_b follows its own iteration. Returns the
   * largest `||f(c_b + v_b) - f(c_b)|| / scale`.
   */
  private async iterate(
    key: string,
    fn: (x: tf.Tensor) => tf.Tensor,
    center: tf.Tensor,
    scale: number,
    iterations: number,
  ): Promise<tf.Scalar> {
    const normalize = (v: tf.Tensor) => tf.mul(v, tf.div(scale, tf.maximum(sampleNorms(v), 1e-30)));
    let v = this.probeFor(key, center.shape, normalize);
    const base = tf.tidy(() => fn(center));
    const diff = (x: tf.Tensor) => tf.sub(fn(tf.add(center, x)), base);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.square(diff(x))));
    try {
      let lastYield = performance.now();
      for (let it = 0; it < iterations; it++) {
        const next = tf.tidy(() => normalize(grad(v)));
        v.dispose();
        v = next;
        this.probes.set(key, v);
        if (performance.now() - lastYield >= YIELD_MS) {
          await tf.nextFrame();
          lastYield = performance.now();
        }
      }
      return tf.tidy(() => tf.max(tf.div(sampleNorms(diff(v)), scale)) as tf.Scalar);
    } finally {
      base.dispose();
    }
  }

  /** The kept probe of `key`, or a random one where none fits the shape (a new layer or network). */
  private probeFor(key: string, shape: number[], normalize: (v: tf.Tensor) => tf.Tensor): tf.Tensor {
    const kept = this.probes.get(key);
    if (kept && kept.shape.every((d, i) => d === shape[i]) && kept.rank === shape.length) return kept;
    kept?.dispose();
    const size = shape.reduce((a, b) => a * b, 1);
    const fresh = tf.tidy(() =>
      normalize(
        tf.tensor(
          Float32Array.from({ length: size }, () => this.rng.normal()),
          shape,
        ),
      ),
    );
    this.probes.set(key, fresh);
    return fresh;
  }
}

/** Row norms of the normalised head and its largest class-pair distance over sqrt(2). */
function headGains(normalizedWeight: Float32Array, nClasses: number): LayerGainEstimate['head'] {
  const features = normalizedWeight.length / nClasses;
  let rowNormMin = Infinity;
  let rowNormMax = 0;
  for (let i = 0; i < nClasses; i++) {
    let s = 0;
    for (let f = 0; f < features; f++) s += normalizedWeight[i * features + f] ** 2;
    rowNormMin = Math.min(rowNormMin, Math.sqrt(s));
    rowNormMax = Math.max(rowNormMax, Math.sqrt(s));
  }
  const largestPair = Math.max(0, ...classPairDistances(normalizedWeight, nClasses));
  return { rowNormMin, rowNormMax, largestPairGain: largestPair / Math.SQRT2 };
}
