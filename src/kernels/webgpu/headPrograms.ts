/**
 * The last layer, `LinearNormalized` (src/kernels/sllDense.ts): `x Wn^T + b` with the rows of W at
 * unit norm, `Wn_c = W_c / max(|W_c|, 1e-12)`, in one WGSL program, and its gradients in three,
 * where the tfjs ops take about twenty. The norms are computed where they are read (a program of
 * their own would cost a dispatch): by each invocation for its one class, or once per workgroup
 * into workgroup memory where every invocation needs all of them.
 */
import type * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import {
  GRADIENT_OFFSET_UNIFORM,
  type GradientSlot,
  type ParamSlice,
  type ProgramExtras,
  WORKGROUP_SIZE,
  addToGradient,
  bindInputs,
  elementwiseProgram,
  runProgram,
  runProgramInPlace,
  sliceAt,
  wholeTensor,
} from './program.ts';

/** F.normalize's floor on a row's norm. */
export const NORM_FLOOR = 1e-12;

const weightAt = (i: string) => sliceAt('weight', i);

/** WGSL that sets `norm` (the norm of W's row `c`) and `scale` (`max(norm, floor)`). */
const rowNorm = (features: number, c: string) => `
  var squares = 0.0;
  for (var e = 0; e < ${features}; e++) {
    let value = ${weightAt(`${c} * ${features} + e`)};
    squares += value * value;
  }
  let norm = sqrt(squares);
  let scale = max(norm, ${NORM_FLOOR});`;

/** Workgroup memory `scales` with `max(|W_c|, floor)` of every class, filled by the prologue. */
const sharedScales = (features: number, classes: number): ProgramExtras => ({
  helpers: `var<workgroup> scales : array<f32, ${classes}>;`,
  prologue: `
    for (var c = i32(localIndex); c < ${classes}; c += ${WORKGROUP_SIZE}) {
      ${rowNorm(features, 'c')}
      scales[c] = scale;
    }
    workgroupBarrier();`,
});

/** The head's weight `[classes, features]` and bias as the programs read them. */
export interface HeadParams {
  weight: ParamSlice;
  bias: ParamSlice;
  classes: number;
}

interface HeadGeometry {
  n: number;
  features: number;
  classes: number;
}

function run(
  g: HeadGeometry,
  key: string,
  names: string[],
  inputs: (tf.Tensor | ParamSlice)[],
  shape: number[],
  body: string,
  extras?: ProgramExtras,
) {
  const bound = bindInputs(names, inputs);
  const program = elementwiseProgram(
    `sll_head_${key}_${g.n}_${g.features}_${g.classes}`,
    names,
    shape,
    bound.uniforms,
    body,
    extras,
  );
  return runProgram(program, bound.tensors, { ints: bound.ints });
}

function logitsOf(g: HeadGeometry, x: tf.Tensor, p: HeadParams): tf.Tensor2D {
  const f = g.features;
  return run(
    g,
    'logits',
    ['x', 'weight', 'bias'],
    [x, p.weight, p.bias],
    [g.n, g.classes],
    `let c = index % ${g.classes};
     let m = index / ${g.classes};
     ${rowNorm(f, 'c')}
     var acc = 0.0;
     for (var e = 0; e < ${f}; e++) { acc += x[m * ${f} + e] * ${weightAt(`c * ${f} + e`)}; }
     setOutputAtIndex(index, acc / scale + ${sliceAt('bias', 'c')});`,
  ) as tf.Tensor2D;
}

function inputGradient(g: HeadGeometry, dy: tf.Tensor, weight: ParamSlice) {
  const f = g.features;
  return run(
    g,
    'dx',
    ['dy', 'weight'],
    [dy, weight],
    [g.n, f],
    `let m = index / ${f};
     let j = index % ${f};
     var acc = 0.0;
     for (var c = 0; c < ${g.classes}; c++) {
       acc += dy[m * ${g.classes} + c] * ${weightAt(`c * ${f} + j`)} / scales[c];
     }
     setOutputAtIndex(index, acc);`,
    sharedScales(f, g.classes),
  );
}

/**
 * WGSL: `weightGrad`, dW at `index` (class `c`, feature `j`). With g = sum_m dy[m, c] x_m:
 * dW_c = (g - Wn_c (Wn_c . g)) / |W_c| above the floor, g / floor at it;
 * `Wn_c . g = sum_m dy[m, c] (logits[m, c] - b_c)`.
 */
const weightGradient = (g: HeadGeometry) => `
  let c = index / ${g.features};
  let j = index % ${g.features};
  ${rowNorm(g.features, 'c')}
  var dot = 0.0;
  var along = 0.0;
  for (var m = 0; m < ${g.n}; m++) {
    let d = dy[m * ${g.classes} + c];
    dot += d * x[m * ${g.features} + j];
    along += d * (logits[m * ${g.classes} + c] - ${sliceAt('bias', 'c')});
  }
  let radial = select(0.0, ${weightAt('index')} / scale * along, norm >= ${NORM_FLOOR});
  let weightGrad = (dot - radial) / scale;`;

/** WGSL: `acc`, db at class `c`. */
const biasGradient = (g: HeadGeometry, c: string) => `
  var acc = 0.0;
  for (var m = 0; m < ${g.n}; m++) { acc += dy[m * ${g.classes} + ${c}]; }`;

const WEIGHT_GRADIENT_INPUTS = ['dy', 'x', 'weight', 'bias', 'logits'];

/** `LinearNormalized(x)` for `x [N, features]`, `W [classes, features]`, with its gradients, on WebGPU. */
export const linearNormalizedOnWebGpu = customGradient<
  (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D
>((x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const g: HeadGeometry = { n: x.shape[0], features: x.shape[1], classes: weight.shape[0] };
  const logits = logitsOf(g, x, { weight: wholeTensor(weight), bias: wholeTensor(bias), classes: g.classes });
  save([x, weight, bias, logits]);
  return {
    value: logits,
    gradFunc: (dy: tf.Tensor, [xs, w, b, saved]: tf.Tensor[]) => {
      const dx = inputGradient(g, dy, wholeTensor(w));
      const dw = run(
        g,
        'dw',
        WEIGHT_GRADIENT_INPUTS,
        [dy, xs, wholeTensor(w), wholeTensor(b), saved],
        [g.classes, g.features],
        `${weightGradient(g)}
         setOutputAtIndex(index, weightGrad);`,
      );
      const db = run(
        g,
        'db',
        ['dy'],
        [dy],
        [g.classes],
        `${biasGradient(g, 'index')}
         setOutputAtIndex(index, acc);`,
      );
      return [dx, dw, db];
    },
  };
});

/**
 * The head of a training step on WebGPU, as a function of x alone: the backward pass adds dW and db
 * into the step's flat gradient at `gradient` (the weight's offset; the bias follows it). Three
 * programs: the logits, dx, and dW with db.
 */
export function linearNormalizedForTraining(
  p: HeadParams,
  gradient: GradientSlot,
): (x: tf.Tensor2D) => tf.Tensor2D {
  return customGradient<(x: tf.Tensor2D) => tf.Tensor2D>((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const g: HeadGeometry = { n: x.shape[0], features: x.shape[1], classes: p.classes };
    const weightSize = g.classes * g.features;
    if (p.bias.offset !== p.weight.offset + weightSize) {
      throw new Error('SLL head training: the bias must follow the weight in the flat parameters');
    }
    const logits = logitsOf(g, x, p);
    save([x, logits]);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor, [xs, saved]: tf.Tensor[]) => {
        const bound = bindInputs(WEIGHT_GRADIENT_INPUTS, [dy, xs, p.weight, p.bias, saved]);
        const program = elementwiseProgram(
          `sll_head_dw_db_into_${g.n}_${g.features}_${g.classes}`,
          WEIGHT_GRADIENT_INPUTS,
          [weightSize + g.classes],
          bound.uniforms + GRADIENT_OFFSET_UNIFORM,
          `if (index < ${weightSize}) {
             ${weightGradient(g)}
             ${addToGradient('index', 'weightGrad')}
           } else {
             ${biasGradient(g, `index - ${weightSize}`)}
             ${addToGradient('index', 'acc')}
           }`,
        );
        runProgramInPlace(program, bound.tensors, gradient.target, {
          ints: [...bound.ints, gradient.offset],
        });
        return inputGradient(g, dy, p.weight) as tf.Tensor2D;
      },
    };
  });
}
