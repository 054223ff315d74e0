/**
 * The last layer, `LinearNormalized` (src/kernels/sllDense.ts): `x Wn^T + b` with the rows of W at
 * unit norm, `Wn_c = W_c / max(|W_c|, 1e-12)`, in one WGSL program, and its gradients in three,
 * where the tfjs ops take about twenty. The norms are computed where they are read (a program of
 * their own would cost a dispatch): by each invocation for its one class, or once per workgroup
 * into workgroup memory where every invocation needs all of them.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { type ProgramExtras, WORKGROUP_SIZE, elementwiseProgram, runProgram } from './program.ts';

/** F.normalize's floor on a row's norm. */
export const NORM_FLOOR = 1e-12;

/** WGSL that sets `norm` (the norm of W's row `c`) and `scale` (`max(norm, floor)`). */
const rowNorm = (features: number, c: string) => `
  var squares = 0.0;
  for (var e = 0; e < ${features}; e++) {
    let value = weight[${c} * ${features} + e];
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

/** `LinearNormalized(x)` for `x [N, features]`, `W [classes, features]`, with its gradients, on WebGPU. */
export const linearNormalizedOnWebGpu = customGradient<
  (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D
>((x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const [n, f] = x.shape;
  const classes = weight.shape[0];
  const program = (key: string, names: string[], shape: number[], body: string, extras?: ProgramExtras) =>
    elementwiseProgram(`sll_head_${key}_${n}_${f}_${classes}`, names, shape, '', body, extras);
  const logits = runProgram<tf.Rank.R2>(
    program(
      'logits',
      ['x', 'weight', 'bias'],
      [n, classes],
      `let c = index % ${classes};
       let m = index / ${classes};
       ${rowNorm(f, 'c')}
       var acc = 0.0;
       for (var e = 0; e < ${f}; e++) { acc += x[m * ${f} + e] * weight[c * ${f} + e]; }
       setOutputAtIndex(index, acc / scale + bias[c]);`,
    ),
    [x, weight, bias],
  );
  save([x, weight, bias, logits]);
  return {
    value: logits,
    gradFunc: (dy: tf.Tensor, [xs, w, b, saved]: tf.Tensor[]) => {
      const dx = runProgram(
        program(
          'dx',
          ['dy', 'weight'],
          [n, f],
          `let m = index / ${f};
           let j = index % ${f};
           var acc = 0.0;
           for (var c = 0; c < ${classes}; c++) {
             acc += dy[m * ${classes} + c] * weight[c * ${f} + j] / scales[c];
           }
           setOutputAtIndex(index, acc);`,
          sharedScales(f, classes),
        ),
        [dy, w],
      );
      // With g = sum_m dy[m, c] x_m: dW_c = (g - Wn_c (Wn_c . g)) / |W_c| above the floor, g / floor
      // at it; `Wn_c . g = sum_m dy[m, c] (logits[m, c] - b_c)`.
      const dw = runProgram(
        program(
          'dw',
          ['dy', 'x', 'weight', 'bias', 'logits'],
          [classes, f],
          `let c = index / ${f};
           let j = index % ${f};
           ${rowNorm(f, 'c')}
           var g = 0.0;
           var along = 0.0;
           for (var m = 0; m < ${n}; m++) {
             let d = dy[m * ${classes} + c];
             g += d * x[m * ${f} + j];
             along += d * (logits[m * ${classes} + c] - bias[c]);
           }
           let radial = select(0.0, weight[index] / scale * along, norm >= ${NORM_FLOOR});
           setOutputAtIndex(index, (g - radial) / scale);`,
        ),
        [dy, xs, w, b, saved],
      );
      const db = runProgram(
        program(
          'db',
          ['dy'],
          [classes],
          `var acc = 0.0;
           for (var m = 0; m < ${n}; m++) { acc += dy[m * ${classes} + index]; }
           setOutputAtIndex(index, acc);`,
        ),
        [dy],
      );
      return [dx, dw, db];
    },
  };
});
