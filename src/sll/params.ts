/**
 * Parameter names and shapes of the official PyTorch module (docs/math.md §6), and the conversion
 * between PyTorch layout (what weights files hold) and the layout the tfjs model computes in.
 */
import { type Arch, KERNEL_SIZE, convInnerChannels, denseInnerFeatures, featureCount } from './arch.ts';

export type ParamRole =
  'convKernel' | 'convBias' | 'convQ' | 'denseWeight' | 'denseBias' | 'denseQ' | 'lastWeight' | 'lastBias';

export interface ParamSpec {
  /** PyTorch `state_dict` key without any `module.` prefix, e.g. `model.1.kernel`. */
  name: string;
  role: ParamRole;
  /** Shape in PyTorch layout, as stored in weights files. */
  shape: number[];
}

/** Values in PyTorch layout, keyed by `ParamSpec.name`. */
export type ParamMap = Map<string, Float32Array>;

export function convLayerIndex(i: number): number {
  return 1 + i;
}

export function denseLayerIndex(arch: Arch, i: number): number {
  return arch.nConv + 3 + i;
}

export function lastLayerIndex(arch: Arch): number {
  return arch.nConv + 3 + arch.nDense;
}

/** Every parameter of the network, in `state_dict` order. */
export function paramSpecs(arch: Arch): ParamSpec[] {
  const k = KERNEL_SIZE;
  const convInner = convInnerChannels(arch);
  const features = featureCount(arch);
  const denseInner = denseInnerFeatures(arch);
  const specs: ParamSpec[] = [];
  for (let i = 0; i < arch.nConv; i++) {
    const p = `model.${convLayerIndex(i)}`;
    specs.push({ name: `${p}.kernel`, role: 'convKernel', shape: [convInner, arch.width, k, k] });
    specs.push({ name: `${p}.bias`, role: 'convBias', shape: [1, convInner, 1, 1] });
    specs.push({ name: `${p}.q`, role: 'convQ', shape: [convInner] });
  }
  for (let i = 0; i < arch.nDense; i++) {
    const p = `model.${denseLayerIndex(arch, i)}`;
    specs.push({ name: `${p}.weight`, role: 'denseWeight', shape: [denseInner, features] });
    specs.push({ name: `${p}.bias`, role: 'denseBias', shape: [1, denseInner] });
    specs.push({ name: `${p}.q`, role: 'denseQ', shape: [denseInner] });
  }
  const p = `model.${lastLayerIndex(arch)}`;
  specs.push({ name: `${p}.weight`, role: 'lastWeight', shape: [arch.nClasses, features] });
  specs.push({ name: `${p}.bias`, role: 'lastBias', shape: [arch.nClasses] });
  return specs;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function countParameters(arch: Arch): number {
  return paramSpecs(arch).reduce((n, s) => n + sizeOf(s.shape), 0);
}

/**
 * Shape of a parameter inside the tfjs model. Convolution kernels are stored as tfjs filters
 * `[k, k, cin, inner]` (NHWC convolutions); biases drop their broadcast axes.
 */
export function internalShape(spec: ParamSpec): number[] {
  const s = spec.shape;
  switch (spec.role) {
    case 'convKernel':
      return [s[2], s[3], s[1], s[0]];
    case 'convBias':
      return [s[1]];
    case 'denseBias':
      return [s[1]];
    default:
      return [...s];
  }
}

/**
 * Moves a conv kernel between PyTorch `[o, c, u, v]` and the tfjs filter `[u, v, c, o]`;
 * `shape` is always the PyTorch shape.
 */
function permuteKernel(values: Float32Array, shape: readonly number[], toTfjs: boolean): Float32Array {
  const [o, c, kh, kw] = shape;
  const out = new Float32Array(values.length);
  for (let oi = 0; oi < o; oi++)
    for (let ci = 0; ci < c; ci++)
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++) {
          const torchIndex = ((oi * c + ci) * kh + u) * kw + v;
          const tfjsIndex = ((u * kw + v) * c + ci) * o + oi;
          if (toTfjs) out[tfjsIndex] = values[torchIndex];
          else out[torchIndex] = values[tfjsIndex];
        }
  return out;
}

export function toInternal(spec: ParamSpec, values: Float32Array): Float32Array {
  return spec.role === 'convKernel' ? permuteKernel(values, spec.shape, true) : values;
}

export function toPytorch(spec: ParamSpec, values: Float32Array): Float32Array {
  return spec.role === 'convKernel' ? permuteKernel(values, spec.shape, false) : values;
}
