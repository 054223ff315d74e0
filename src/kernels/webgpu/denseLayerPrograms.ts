/**
 * The SLL dense layer (src/kernels/sllDense.ts) as WGSL programs: two forward,
 * `a = relu(x W^T + b)` and `x - 2 (t a) W`, and five backward (dz, dx, dW, dt, db), where the tfjs
 * ops take about twenty. One invocation per output, looping over its row: the batch and the
 * layers are small enough (a few dozen rows, a few thousand features) for that to keep a GPU busy.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, runProgram } from './program.ts';

interface DenseGeometry {
  n: number;
  features: number;
  inner: number;
}

const shapeKey = (g: DenseGeometry) => `${g.n}_${g.features}_${g.inner}`;

/** WGSL for `sum_e term(e)` over `count` terms, as `acc`. */
const sum = (count: number, term: (e: string) => string) => `
  var acc = 0.0;
  for (var e = 0; e < ${count}; e++) { acc += ${term('e')}; }`;

/** A program with one invocation per element of `[rows, cols]`: `row`, `col` and the code `body`. */
function grid(key: string, g: DenseGeometry, names: string[], rows: number, cols: number, body: string) {
  return elementwiseProgram(
    `sll_dense_${key}_${shapeKey(g)}`,
    names,
    [rows, cols],
    '',
    `let row = index / ${cols};
     let col = index % ${cols};
     ${body}`,
  );
}

/** WGSL: the gradient at the pre-activation, `t dz` where `a > 0` (PyTorch's ReLU: 0 at 0). */
const preActivationGradient = (j: string, i: string) => `select(0.0, dz[${j}] * t[${i}], act[${j}] > 0.0)`;

/**
 * `x - 2 W^T (t relu(W x + b))` for a batch `x [N, features]`, `W [inner, features]`, with its
 * gradients for x, W, b and t, on WebGPU.
 */
export const sllDenseLayerOnWebGpu = customGradient<
  (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, t: tf.Tensor1D) => tf.Tensor2D
>((x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, t: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const g: DenseGeometry = { n: x.shape[0], features: x.shape[1], inner: weight.shape[0] };
  const { n, features: f, inner } = g;
  const act = runProgram(
    grid(
      'act',
      g,
      ['x', 'weight', 'bias'],
      n,
      inner,
      `${sum(f, (e) => `x[row * ${f} + ${e}] * weight[col * ${f} + ${e}]`)}
       setOutputAtIndex(index, max(acc + bias[col], 0.0));`,
    ),
    [x, weight, bias],
  );
  save([x, weight, t, act]);
  const value = runProgram<tf.Rank.R2>(
    grid(
      'out',
      g,
      ['x', 'act', 'weight', 't'],
      n,
      f,
      `${sum(inner, (e) => `act[row * ${inner} + ${e}] * t[${e}] * weight[${e} * ${f} + col]`)}
       setOutputAtIndex(index, x[index] - 2.0 * acc);`,
    ),
    [x, act, weight, t],
  );
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, w, ts, as] = saved;
      const dz = runProgram(
        grid(
          'dz',
          g,
          ['dy', 'weight'],
          n,
          inner,
          `${sum(f, (e) => `dy[row * ${f} + ${e}] * weight[col * ${f} + ${e}]`)}
           setOutputAtIndex(index, -2.0 * acc);`,
        ),
        [dy, w],
      );
      const dx = runProgram(
        grid(
          'dx',
          g,
          ['dy', 'dz', 'act', 'weight', 't'],
          n,
          f,
          `${sum(inner, (e) => `${preActivationGradient(`row * ${inner} + ${e}`, e)} * weight[${e} * ${f} + col]`)}
           setOutputAtIndex(index, dy[index] + acc);`,
        ),
        [dy, dz, as, w, ts],
      );
      // Through W x (`dPre (x) x`) and through W^T (`t a (x) -2 dy`).
      const dw = runProgram(
        grid(
          'dw',
          g,
          ['x', 'dy', 'dz', 'act', 't'],
          inner,
          f,
          `var viaInput = 0.0;
           var viaTranspose = 0.0;
           for (var m = 0; m < ${n}; m++) {
             let j = m * ${inner} + row;
             viaInput += ${preActivationGradient('j', 'row')} * x[m * ${f} + col];
             viaTranspose += act[j] * dy[m * ${f} + col];
           }
           setOutputAtIndex(index, viaInput - 2.0 * t[row] * viaTranspose);`,
        ),
        [xs, dy, dz, as, ts],
      );
      // `sum_m term(m * inner + i)` for each i: db (`dPre`) and dt (`dz a`).
      // Each program binds only the inputs it reads: WebGPU drops an unread one from the layout.
      const columnSum = (key: string, names: string[], term: (j: string) => string) =>
        runProgram<tf.Rank.R1>(
          elementwiseProgram(
            `sll_dense_${key}_${shapeKey(g)}`,
            names,
            [inner],
            '',
            `let col = index;
             ${sum(n, (m) => term(`${m} * ${inner} + col`))}
             setOutputAtIndex(index, acc);`,
          ),
          [dz, as, ts].slice(0, names.length),
        );
      const db = columnSum('db', ['dz', 'act', 't'], (j) => preActivationGradient(j, 'col'));
      const dt = columnSum('dt', ['dz', 'act'], (j) => `dz[${j}] * act[${j}]`);
      dz.dispose();
      return [dx, dw, db, dt];
    },
  };
});
