/**
 * The last layer, `LinearNormalized` (src/kernels/sllDense.ts): `x Wn^T + b` with the rows of W at
 * unit norm, `Wn_c = W_c / max(|W_c|, 1e-12)`, in one WGSL program, and its gradients in three,
 * where the tfjs ops take about twenty. Each invocation computes the norm of the rows it reads (ten
 * classes of a few hundred features): cheaper than a program of its own.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, runProgram } from './program.ts';

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

/** WGSL for `dotRow(m, c)`, the product `x_m . W_c`. */
const dotRowFn = (features: number) => `
  fn dotRow(m : i32, c : i32) -> f32 {
    var acc = 0.0;
    for (var e = 0; e < ${features}; e++) { acc += x[m * ${features} + e] * weight[c * ${features} + e]; }
    return acc;
  }`;

function program(
  key: string,
  shapeKey: string,
  names: string[],
  shape: number[],
  body: string,
  helpers = '',
) {
  const p = elementwiseProgram(`sll_head_${key}_${shapeKey}`, names, shape, '', body);
  const main = p.getUserCode;
  return { ...p, getUserCode: () => `${helpers}\n${main()}` };
}

/** `LinearNormalized(x)` for `x [N, features]`, `W [classes, features]`, with its gradients, on WebGPU. */
export const linearNormalizedOnWebGpu = customGradient<
  (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D
>((x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const [n, f] = x.shape;
  const classes = weight.shape[0];
  const key = `${n}_${f}_${classes}`;
  save([x, weight]);
  const value = runProgram<tf.Rank.R2>(
    program(
      'logits',
      key,
      ['x', 'weight', 'bias'],
      [n, classes],
      `let c = index % ${classes};
       ${rowNorm(f, 'c')}
       setOutputAtIndex(index, dotRow(index / ${classes}, c) / scale + bias[c]);`,
      dotRowFn(f),
    ),
    [x, weight, bias],
  );
  return {
    value,
    gradFunc: (dy: tf.Tensor, [xs, w]: tf.Tensor[]) => {
      const dx = runProgram(
        program(
          'dx',
          key,
          ['dy', 'weight'],
          [n, f],
          `let m = index / ${f};
           let j = index % ${f};
           var acc = 0.0;
           for (var c = 0; c < ${classes}; c++) {
             ${rowNorm(f, 'c')}
             acc += dy[m * ${classes} + c] * weight[c * ${f} + j] / scale;
           }
           setOutputAtIndex(index, acc);`,
        ),
        [dy, w],
      );
      // With g = sum_m dy[m, c] x_m: dW_c = (g - Wn_c (Wn_c . g)) / norm above the floor, g / floor at it.
      const dw = runProgram(
        program(
          'dw',
          key,
          ['dy', 'x', 'weight'],
          [classes, f],
          `let c = index / ${f};
           let j = index % ${f};
           ${rowNorm(f, 'c')}
           var g = 0.0;
           var along = 0.0;
           for (var m = 0; m < ${n}; m++) {
             let d = dy[m * ${classes} + c];
             g += d * x[m * ${f} + j];
             along += d * dotRow(m, c);
           }
           let radial = select(0.0, weight[index] * along / (scale * scale), norm >= ${NORM_FLOOR});
           setOutputAtIndex(index, (g - radial) / scale);`,
          dotRowFn(f),
        ),
        [dy, xs, w],
      );
      const db = runProgram(
        program(
          'db',
          key,
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
