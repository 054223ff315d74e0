/**
 * The official initialisation (docs/math.md §2.1, §2.2, §8): Xavier-normal kernels and weights, biases
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), q ~ N(0, 1), and nn.Linear's default for the last layer.
 * Values are produced in PyTorch layout, in `state_dict` order, from one seeded generator.
 */
import type { Arch } from './arch.ts';
import { type ParamMap, type ParamSpec, paramSpecs, sizeOf } from './params.ts';
import { createRng, type Rng } from './rng.ts';

function fill(n: number, draw: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}

/** PyTorch's fan-in / fan-out of a weight `[out, in, ...receptive field]`. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function initValues(spec: ParamSpec, weightShape: readonly number[], rng: Rng): Float32Array {
  const n = sizeOf(spec.shape);
  const { fanIn, fanOut } = fans(weightShape);
  const bound = 1 / Math.sqrt(fanIn);
  const uniform = () => (2 * rng.uniform() - 1) * bound;
  switch (spec.role) {
    case 'convKernel':
    case 'denseWeight': {
      const std = Math.sqrt(2 / (fanIn + fanOut));
      return fill(n, () => std * rng.normal());
    }
    case 'convQ':
    case 'denseQ':
      return fill(n, () => rng.normal());
    // Biases use the fan-in of their layer's weight; nn.Linear's kaiming_uniform(a=sqrt(5))
    // reduces to the same bound for the last layer's weight.
    case 'convBias':
    case 'denseBias':
    case 'lastWeight':
    case 'lastBias':
      return fill(n, uniform);
  }
}

export function initialParams(arch: Arch, seed: number): ParamMap {
  const rng = createRng(seed);
  const params: ParamMap = new Map();
  let weightShape: readonly number[] = [];
  for (const spec of paramSpecs(arch)) {
    if (spec.role === 'convKernel' || spec.role === 'denseWeight' || spec.role === 'lastWeight') {
      weightShape = spec.shape;
    }
    params.set(spec.name, initValues(spec, weightShape, rng));
  }
  return params;
}
