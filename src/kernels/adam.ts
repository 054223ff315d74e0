/**
 * Adam exactly as torch.optim.Adam (no weight decay): bias corrections applied as PyTorch does,
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Its state is plain data so that
 * checkpoints can save and restore it.
 */
import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from './variables.ts';
import { flatOffsets } from './flatParams.ts';
import { type MomentSlots, updateMomentsInPlace, updatedParam } from './webgpu/adamPrograms.ts';
import { onWebGpu } from './webgpu/program.ts';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const OFFICIAL_ADAM: AdamConfig = { beta1: 0.5, beta2: 0.9, epsilon: 1e-8 };
export const OFFICIAL_LEARNING_RATE = 0.01;

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** The numbers of one step, the same for every parameter. */
interface StepCoefficients {
  beta1: number;
  beta2: number;
  epsilon: number;
  stepSize: number;
  sqrtCorrection2: number;
}

/** Where the moments live and how one parameter is updated: tfjs ops, or the WebGPU programs. */
interface MomentStore {
  update(i: number, p: tf.Variable, g: tf.Tensor, c: StepCoefficients): void;
  read(): Promise<{ m: Float32Array[]; v: Float32Array[] }>;
  write(m: Float32Array[], v: Float32Array[]): void;
  dispose(): void;
}

const readAll = (xs: tf.Variable[]) => Promise.all(xs.map(async (x) => (await x.data()) as Float32Array));

/** m and v as tensors shaped like the parameter, updated by tfjs ops on any backend. */
class OpsMoments implements MomentStore {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(params: tf.Variable[]) {
    this.m = params.map((p) => ownedVariable(tf.zerosLike(p), false));
    this.v = params.map((p) => ownedVariable(tf.zerosLike(p), false));
  }

  update(i: number, p: tf.Variable, g: tf.Tensor, c: StepCoefficients): void {
    const m = tf.add(tf.mul(this.m[i], c.beta1), tf.mul(g, 1 - c.beta1));
    const v = tf.add(tf.mul(this.v[i], c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v), c.sqrtCorrection2), c.epsilon);
    p.assign(tf.sub(p, tf.mul(tf.div(m, denom), c.stepSize)));
    this.m[i].assign(m);
    this.v[i].assign(v);
  }

  async read() {
    return { m: await readAll(this.m), v: await readAll(this.v) };
  }

  write(m: Float32Array[], v: Float32Array[]): void {
    this.m.forEach((x, i) => x.assign(tf.tensor(m[i], x.shape)));
    this.v.forEach((x, i) => x.assign(tf.tensor(v[i], x.shape)));
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/**
 * The moments of every parameter in one flat tensor `[m, v]`, laid out as the model's flat
 * parameters (src/kernels/flatParams.ts), updated in place by WGSL programs
 * (webgpu/adamPrograms.ts): one parameter at a time, or all of them at once in two programs.
 */
class FlatMoments implements MomentStore {
  private readonly moments: tf.Variable<tf.Rank.R1>;
  private readonly offsets: number[];
  private readonly sizes: number[];
  readonly half: number;

  constructor(params: tf.Variable[]) {
    this.sizes = params.map((p) => p.size);
    this.offsets = flatOffsets(this.sizes);
    this.half = this.sizes.reduce((a, b) => a + b, 0);
    this.moments = ownedVariable(tf.zeros([2 * this.half]), false);
  }

  update(i: number, p: tf.Variable, g: tf.Tensor, c: StepCoefficients): void {
    p.assign(this.updated(p, g, { offset: this.offsets[i], half: this.half }, c));
  }

  updated(p: tf.Tensor, g: tf.Tensor, slots: MomentSlots, c: StepCoefficients): tf.Tensor {
    updateMomentsInPlace(this.moments, g, slots, c.beta1, c.beta2);
    return updatedParam(p, this.moments, slots, c.stepSize, c.sqrtCorrection2, c.epsilon);
  }

  async read() {
    const packed = (await this.moments.data()) as Float32Array;
    const part = (start: number) =>
      this.offsets.map((o, i) => packed.slice(start + o, start + o + this.sizes[i]));
    return { m: part(0), v: part(this.half) };
  }

  write(m: Float32Array[], v: Float32Array[]): void {
    const packed = new Float32Array(2 * this.half);
    this.offsets.forEach((o, i) => {
      if (m[i].length !== this.sizes[i] || v[i].length !== this.sizes[i]) {
        throw new Error(
          `optimizer slot ${i} has ${m[i].length} and ${v[i].length} values, the parameter ${this.sizes[i]}`,
        );
      }
      packed.set(m[i], o);
      packed.set(v[i], this.half + o);
    });
    this.moments.assign(tf.tensor1d(packed));
  }

  dispose(): void {
    this.moments.dispose();
  }
}

export class Adam {
  private readonly moments: MomentStore;
  private stepCount = 0;

  /** On WebGPU the update runs as the lab's own programs; the state is the same either way. */
  constructor(
    private readonly params: tf.Variable[],
    private readonly config: AdamConfig = OFFICIAL_ADAM,
  ) {
    this.moments = onWebGpu() ? new FlatMoments(params) : new OpsMoments(params);
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * One update with `grads[i]` for `params[i]`. A parameter without a gradient (the conv layers'
   * q, which cancels out of the function) is left untouched, as PyTorch skips `grad is None`.
   */
  apply(grads: (tf.Tensor | undefined)[], lr: number): void {
    const coefficients = this.nextStep(lr);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        if (g) this.moments.update(i, p, g, coefficients);
      });
    });
  }

  /**
   * One update of every parameter at once, on WebGPU: `flat` holds them all and `gradient` their
   * gradients, both laid out as src/kernels/flatParams.ts lays out the parameters this optimizer
   * was made with. A parameter without a gradient has zeros there, which leave it where it is
   * (its moments stay 0), as PyTorch skips it.
   */
  applyFlat(flat: tf.Variable<tf.Rank.R1>, gradient: tf.Tensor1D, lr: number): void {
    if (!(this.moments instanceof FlatMoments)) throw new Error('flat parameters are updated on WebGPU only');
    const moments = this.moments;
    if (flat.size !== moments.half || gradient.size !== moments.half) {
      throw new Error(
        `flat update of ${flat.size} parameters and ${gradient.size} gradients, the optimizer has ${moments.half}`,
      );
    }
    const coefficients = this.nextStep(lr);
    tf.tidy(() =>
      flat.assign(
        moments.updated(flat, gradient, { offset: 0, half: moments.half }, coefficients) as tf.Tensor1D,
      ),
    );
  }

  private nextStep(lr: number): StepCoefficients {
    const { beta1, beta2, epsilon } = this.config;
    this.stepCount += 1;
    const t = this.stepCount;
    return {
      beta1,
      beta2,
      epsilon,
      stepSize: lr / (1 - beta1 ** t),
      sqrtCorrection2: Math.sqrt(1 - beta2 ** t),
    };
  }

  async exportState(): Promise<AdamState> {
    return { step: this.stepCount, ...(await this.moments.read()) };
  }

  importState(state: AdamState): void {
    const slots = this.params.length;
    if (state.m.length !== slots || state.v.length !== slots) {
      throw new Error(`optimizer state has ${state.m.length} slots, the model has ${slots}`);
    }
    tf.tidy(() => this.moments.write(state.m, state.v));
    this.stepCount = state.step;
  }

  dispose(): void {
    this.moments.dispose();
  }
}
