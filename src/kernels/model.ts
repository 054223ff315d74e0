/**
 * The SLL network (docs/math.md §2.3) as tfjs variables, computing in NHWC. Weights enter and leave in
 * PyTorch layout (`ParamMap`), converted once here.
 */
import * as tf from '@tensorflow/tfjs';
import { type Arch, POOL_SIZE, featureCount, pooledSize, validateArch } from '../sll/arch.ts';
import { initialParams } from '../sll/init.ts';
import {
  type ParamMap,
  type ParamSpec,
  convLayerIndex,
  denseLayerIndex,
  internalShape,
  paramSpecs,
  toInternal,
  toPytorch,
} from '../sll/params.ts';
import { FlatParams } from './flatParams.ts';
import { sllConvLayer, sllConvScaling } from './sllConv.ts';
import { ownedVariable } from './variables.ts';
import { convLayerForTraining } from './webgpu/convLayerPrograms.ts';
import { denseLayerForTraining } from './webgpu/denseLayerPrograms.ts';
import { linearNormalizedForTraining } from './webgpu/headPrograms.ts';
import { onWebGpu } from './webgpu/program.ts';
import { normalizedInputOnWebGpu, poolAndFlattenOnWebGpu } from './webgpu/trunkPrograms.ts';
import { linearNormalized, normalizeRows, sllDenseLayer, sllDenseScaling } from './sllDense.ts';

interface ConvVars {
  kernel: tf.Variable<tf.Rank.R4>;
  bias: tf.Variable<tf.Rank.R1>;
  q: tf.Variable<tf.Rank.R1>;
}

interface DenseVars {
  weight: tf.Variable<tf.Rank.R2>;
  bias: tf.Variable<tf.Rank.R1>;
  q: tf.Variable<tf.Rank.R1>;
}

/** One SLL layer as a function of its input, for Lipschitz checks. */
export interface SllLayerFn {
  /** `model.{i}`, the layer's index in the official module. */
  name: string;
  kind: 'conv' | 'dense';
  /** Shape of one input (batch 1), NHWC for convolutions. */
  inputShape: number[];
  apply(x: tf.Tensor): tf.Tensor;
}

/** The per-layer scaling vectors t. They depend on the weights only, not on the batch. */
export interface Scalings {
  conv: tf.Tensor1D[];
  dense: tf.Tensor1D[];
}

/**
 * The trunk's input: images `[N, H, W, inChannels]` normalised by the arch's mean and std (`invStd`,
 * its inverse), zero-padded to the arch's width (docs/math.md §2.3).
 */
export function trunkInput(
  images: tf.Tensor4D,
  mean: tf.Tensor1D,
  invStd: tf.Tensor1D,
  arch: Arch,
): tf.Tensor4D {
  if (onWebGpu()) return normalizedInputOnWebGpu(images, mean, invStd, arch.width);
  return tf.tidy(() => {
    const x = tf.mul(tf.sub(images, mean), invStd) as tf.Tensor4D;
    if (arch.width <= arch.inChannels) return x;
    return tf.pad(x, [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, arch.width - arch.inChannels],
    ]);
  });
}

/** 4x4 windows, stride 4, sum / 4; then flatten in PyTorch's C, H, W order. */
export function poolAndFlatten(x: tf.Tensor4D, arch: Arch): tf.Tensor2D {
  if (onWebGpu()) return poolAndFlattenOnWebGpu(x, POOL_SIZE);
  return tf.tidy(() => {
    const n = x.shape[0];
    const s = pooledSize(arch);
    const c = arch.width;
    const windows = tf.reshape(x, [n, s, POOL_SIZE, s, POOL_SIZE, c]);
    const pooled = tf.div(tf.sum(windows, [2, 4]), POOL_SIZE);
    return tf.reshape(tf.transpose(pooled, [0, 3, 1, 2]), [n, featureCount(arch)]);
  });
}

export class SllModel {
  readonly arch: Arch;
  readonly specs: ParamSpec[];
  private readonly vars: tf.Variable[];
  private readonly convs: ConvVars[] = [];
  private readonly denses: DenseVars[] = [];
  private readonly lastWeight: tf.Variable<tf.Rank.R2>;
  private readonly lastBias: tf.Variable<tf.Rank.R1>;
  private readonly mean: tf.Tensor1D;
  private readonly invStd: tf.Tensor1D;
  /**
   * On WebGPU, training works on a flat copy of the variables (`trainFlat`); the variables stay
   * the model's state for everything else and are read back from the copy before their next use.
   */
  private flat: FlatParams | null = null;
  private variablesBehindFlat = false;

  /** Builds a model from complete PyTorch-layout values; use `SllModel.initialize` for new ones. */
  constructor(arch: Arch, params: ParamMap) {
    this.arch = validateArch(arch);
    this.specs = paramSpecs(this.arch);
    this.vars = this.specs.map((spec) => {
      const values = params.get(spec.name);
      if (!values) throw new Error(`missing parameter ${spec.name}`);
      return ownedVariable(tf.tensor(toInternal(spec, values), internalShape(spec)));
    });
    let v = 0;
    const next = <R extends tf.Rank>() => this.vars[v++] as tf.Variable<R>;
    for (let i = 0; i < this.arch.nConv; i++) this.convs.push({ kernel: next(), bias: next(), q: next() });
    for (let i = 0; i < this.arch.nDense; i++) this.denses.push({ weight: next(), bias: next(), q: next() });
    this.lastWeight = next();
    this.lastBias = next();
    this.mean = tf.keep(tf.tensor1d(this.arch.mean));
    this.invStd = tf.keep(tf.tensor1d(this.arch.std.map((s) => 1 / s)));
  }

  static initialize(arch: Arch, seed: number): SllModel {
    return new SllModel(arch, initialParams(validateArch(arch), seed));
  }

  /** Trainable variables, in `state_dict` order. */
  get variables(): tf.Variable[] {
    this.catchUp();
    return this.vars;
  }

  /** Reads the variables back from the flat parameters if a training step changed those since. */
  private catchUp(): void {
    if (!this.variablesBehindFlat || !this.flat) return;
    this.flat.writeBack();
    this.variablesBehindFlat = false;
  }

  /**
   * One training step on WebGPU, where the lab's programs read every parameter from one flat tensor
   * and add every gradient into another laid out the same way (src/kernels/flatParams.ts): the
   * loss `lossOf` gives for the logits of `images`, then `update` with the flat parameters and
   * their gradient (Adam's `applyFlat`). Returns the loss.
   */
  trainFlat(
    images: tf.Tensor4D,
    lossOf: (logits: tf.Tensor2D) => tf.Scalar,
    update: (params: tf.Variable<tf.Rank.R1>, gradient: tf.Tensor1D) => void,
  ): tf.Scalar {
    this.flat ??= new FlatParams(this.vars);
    const flat = this.flat;
    const loss = tf.tidy(() => {
      // Filled by a program on the GPU, where tf.zeros would upload the zeros from the CPU.
      const gradient = tf.fill([flat.size], 0) as tf.Tensor1D;
      const x = trunkInput(images, this.mean, this.invStd, this.arch);
      const { value } = tf.valueAndGrads((input: tf.Tensor) =>
        lossOf(this.trainingLogits(input as tf.Tensor4D, flat, gradient)),
      )([x]);
      update(flat.values, gradient);
      return value;
    });
    this.variablesBehindFlat = true;
    return loss;
  }

  /** The logits through the layers that add their parameters' gradients into `gradient`. */
  private trainingLogits(x: tf.Tensor4D, flat: FlatParams, gradient: tf.Tensor): tf.Tensor2D {
    const slice = (v: tf.Variable) => flat.slice(this.vars.indexOf(v));
    const slot = (v: tf.Variable) => flat.gradientSlot(gradient, this.vars.indexOf(v));
    const features = this.trunk(
      x,
      (c, _, h) =>
        convLayerForTraining(
          { kernel: slice(c.kernel), bias: slice(c.bias), shape: c.kernel.shape },
          slot(c.kernel),
        )(h),
      (d, _, h) =>
        denseLayerForTraining(
          { weight: slice(d.weight), bias: slice(d.bias), q: slice(d.q), shape: d.weight.shape },
          slot(d.weight),
        )(h),
    );
    const head = { weight: slice(this.lastWeight), bias: slice(this.lastBias), classes: this.arch.nClasses };
    return linearNormalizedForTraining(head, slot(this.lastWeight))(features);
  }

  /** Computes every layer's t once; the caller disposes the result (`disposeScalings`). */
  computeScalings(): Scalings {
    this.catchUp();
    return {
      conv: this.convs.map((c) => sllConvScaling(c.kernel)),
      dense: this.denses.map((d) => sllDenseScaling(d.weight, d.q)),
    };
  }

  /**
   * Logits for images `[N, H, W, C]` in [0, 1]. Pass precomputed `scalings` when the weights are
   * fixed (evaluation, attacks); without them t is computed inside, so gradients reach it.
   */
  logits(images: tf.Tensor4D, scalings?: Scalings): tf.Tensor2D {
    this.catchUp();
    return tf.tidy(() => {
      const t = scalings ?? this.computeScalings();
      return linearNormalized(this.features(images, t), this.lastWeight, this.lastBias);
    });
  }

  /**
   * Logits where nothing takes gradients (certification): each layer's input is released once the
   * next layer has its own, so a batch holds a layer or two of activations instead of every one.
   */
  logitsWithoutGradients(images: tf.Tensor4D, scalings: Scalings): tf.Tensor2D {
    this.catchUp();
    return tf.tidy(() => {
      let previousInput: tf.Tensor | null = null;
      const features = this.features(images, scalings, (x) => {
        previousInput?.dispose();
        previousInput = x;
      });
      return linearNormalized(features, this.lastWeight, this.lastBias);
    });
  }

  /** What each SLL layer receives for `images`, in layer order (as `sllLayerFunctions`); the caller disposes them. */
  sllLayerInputs(images: tf.Tensor4D, scalings: Scalings): tf.Tensor[] {
    this.catchUp();
    const inputs: tf.Tensor[] = [];
    tf.tidy(() => {
      this.features(images, scalings, (x) => inputs.push(tf.keep(x)));
    });
    return inputs;
  }

  /** The trunk: normalised, padded images through every SLL layer; `observe` sees each layer's input. */
  private features(
    images: tf.Tensor4D,
    t: Scalings,
    observe: (x: tf.Tensor) => void = () => {},
  ): tf.Tensor2D {
    return this.trunk(
      trunkInput(images, this.mean, this.invStd, this.arch),
      (c, i, x) => {
        observe(x);
        return sllConvLayer(x, c.kernel, c.bias, t.conv[i]);
      },
      (d, i, h) => {
        observe(h);
        return sllDenseLayer(h, d.weight, d.bias, t.dense[i]);
      },
    );
  }

  /** The SLL layers in order, each given by `conv` or `dense`, with the pooling between them. */
  private trunk(
    input: tf.Tensor4D,
    conv: (c: ConvVars, i: number, x: tf.Tensor4D) => tf.Tensor4D,
    dense: (d: DenseVars, i: number, h: tf.Tensor2D) => tf.Tensor2D,
  ): tf.Tensor2D {
    let x = input;
    this.convs.forEach((c, i) => {
      x = conv(c, i, x);
    });
    let h = poolAndFlatten(x, this.arch);
    this.denses.forEach((d, i) => {
      h = dense(d, i, h);
    });
    return h;
  }

  /** Each SLL layer with the given scalings, on its own (input size: the arch's image size). */
  sllLayerFunctions(scalings: Scalings): SllLayerFn[] {
    this.catchUp();
    const { imageSize, width } = this.arch;
    const convs = this.convs.map((c, i) => ({
      name: `model.${convLayerIndex(i)}`,
      kind: 'conv' as const,
      inputShape: [1, imageSize, imageSize, width],
      apply: (x: tf.Tensor) => sllConvLayer(x as tf.Tensor4D, c.kernel, c.bias, scalings.conv[i]),
    }));
    const denses = this.denses.map((d, i) => ({
      name: `model.${denseLayerIndex(this.arch, i)}`,
      kind: 'dense' as const,
      inputShape: [1, featureCount(this.arch)],
      apply: (x: tf.Tensor) => sllDenseLayer(x as tf.Tensor2D, d.weight, d.bias, scalings.dense[i]),
    }));
    return [...convs, ...denses];
  }

  /** The last layer's rows at unit norm, `[nClasses, features]`, as used by the certificate. */
  async normalizedLastWeight(): Promise<Float32Array> {
    this.catchUp();
    const w = normalizeRows(this.lastWeight);
    try {
      return (await w.data()) as Float32Array;
    } finally {
      w.dispose();
    }
  }

  /** Current values in PyTorch layout (reads with `data()`, which is safe on every backend). */
  async exportParams(): Promise<ParamMap> {
    this.catchUp();
    const out: ParamMap = new Map();
    for (let i = 0; i < this.specs.length; i++) {
      const values = (await this.vars[i].data()) as Float32Array;
      out.set(this.specs[i].name, toPytorch(this.specs[i], values));
    }
    return out;
  }

  /** Overwrites every variable; `params` must be complete (as a validated weights file is). */
  assignParams(params: ParamMap): void {
    this.specs.forEach((spec, i) => {
      const values = params.get(spec.name);
      if (!values) throw new Error(`missing parameter ${spec.name}`);
      tf.tidy(() => this.vars[i].assign(tf.tensor(toInternal(spec, values), internalShape(spec))));
    });
    this.dropFlat();
  }

  /** Forgets the flat parameters: the next training step copies them from the variables anew. */
  private dropFlat(): void {
    this.flat?.dispose();
    this.flat = null;
    this.variablesBehindFlat = false;
  }

  dispose(): void {
    this.dropFlat();
    this.vars.forEach((v) => v.dispose());
    this.mean.dispose();
    this.invStd.dispose();
  }
}

export function disposeScalings(s: Scalings): void {
  tf.dispose([...s.conv, ...s.dense]);
}
