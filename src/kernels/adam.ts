/**
 * Adam exactly as torch.optim.Adam (no weight decay): bias corrections applied as PyTorch does,
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Its state is plain data so that
 * checkpoints can save and restore it.
 */
import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from './variables.ts';

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

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private stepCount = 0;

  constructor(
    private readonly params: tf.Variable[],
    private readonly config: AdamConfig = OFFICIAL_ADAM,
  ) {
    this.m = params.map((p) => ownedVariable(tf.zerosLike(p), false));
    this.v = params.map((p) => ownedVariable(tf.zerosLike(p), false));
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * One update with `grads[i]` for `params[i]`. A parameter without a gradient (the conv layers'
   * q, which cancels out of the function) is left untouched, as PyTorch skips `grad is None`.
   */
  apply(grads: (tf.Tensor | undefined)[], lr: number): void {
    const { beta1, beta2, epsilon } = this.config;
    this.stepCount += 1;
    const t = this.stepCount;
    const stepSize = lr / (1 - beta1 ** t);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** t);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
        this.m[i].assign(m);
        this.v[i].assign(v);
      });
    });
  }

  async exportState(): Promise<AdamState> {
    const read = (xs: tf.Variable[]) => Promise.all(xs.map(async (x) => (await x.data()) as Float32Array));
    return { step: this.stepCount, m: await read(this.m), v: await read(this.v) };
  }

  importState(state: AdamState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new Error(`optimizer state has ${state.m.length} slots, the model has ${this.m.length}`);
    }
    tf.tidy(() => {
      this.m.forEach((m, i) => m.assign(tf.tensor(state.m[i], m.shape)));
      this.v.forEach((v, i) => v.assign(tf.tensor(state.v[i], v.shape)));
    });
    this.stepCount = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
