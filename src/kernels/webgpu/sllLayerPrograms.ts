/**
 * What the SLL conv and dense layers share (docs/math.md §2.1, §2.2): `a = relu(W x + b)`, the
 * value `x - 2 W^T (t a)`, and the start of the backward pass, `dz = -2 W dy` (the gradient at
 * `t a`) and `dx = dy + W^T dPre`. Each layer gives its two products as program builders: a
 * convolution and its adjoint (convLayerPrograms.ts), or a matrix and its transpose
 * (denseLayerPrograms.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { type ParamSlice, sliceAt } from './program.ts';

type Input = tf.Tensor | ParamSlice;

export interface LayerProducts {
  /** The weight's binding name (`kernel`, `weight`). */
  weight: string;
  /** WGSL: the inner channel that an invocation of `withWeight` computes. */
  inner: string;
  /** `epilogue(acc)` of `acc = W input`, the input being the program's first variable. */
  withWeight(key: string, names: string[], inputs: Input[], epilogue: string): tf.Tensor;
  /** `epilogue(acc)` of `acc = W^T read`, `read(j, e)` giving inner channel `e` at index `j`. */
  withTranspose(
    key: string,
    names: string[],
    inputs: Input[],
    read: (j: string, e: string) => string,
    epilogue: string,
  ): tf.Tensor;
}

/** WGSL: the gradient at the pre-activation, `t dz` where `a > 0` (PyTorch's ReLU: 0 at 0). */
export const preActivationGradient = (j: string, i: string) =>
  `select(0.0, dz[${j}] * t[${i}], act[${j}] > 0.0)`;

/** `a = relu(W x + b)` and the layer's value `x - 2 W^T (t a)`. */
export function sllForward(
  p: LayerProducts,
  x: tf.Tensor,
  weight: ParamSlice,
  bias: ParamSlice,
  t: tf.Tensor,
) {
  const act = p.withWeight(
    'act',
    ['x', p.weight, 'bias'],
    [x, weight, bias],
    `max(acc + ${sliceAt('bias', p.inner)}, 0.0)`,
  );
  const value = p.withTranspose(
    'out',
    ['x', 'act', p.weight, 't'],
    [x, act, weight, t],
    (j, e) => `act[${j}] * t[${e}]`,
    'x[index] - 2.0 * acc',
  );
  return { act, value };
}

/** The gradient at `t a` (`dz`), and dx: the residual's identity plus the first product's adjoint. */
export function sllInputGradient(
  p: LayerProducts,
  dy: tf.Tensor,
  weight: ParamSlice,
  t: tf.Tensor,
  act: tf.Tensor,
) {
  const dz = p.withWeight('dz', ['dy', p.weight], [dy, weight], '-2.0 * acc');
  const dx = p.withTranspose(
    'dx',
    ['dy', 'dz', 'act', p.weight, 't'],
    [dy, dz, act, weight, t],
    preActivationGradient,
    'dy[index] + acc',
  );
  return { dz, dx };
}
