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
  // `epilogue(acc)` of `acc = input W^T`, `[n, inner]`, the input being the program's first variable.
  const withWeight = (key: string, names: string[], inputs: tf.Tensor[], epilogue: string) =>
    runProgram<tf.Rank.R2>(
      grid(
        key,
        g,
        names,
        n,
        inner,
        `${sum(f, (e) => `${names[0]}[row * ${f} + ${e}] * weight[col * ${f} + ${e}]`)}
         setOutputAtIndex(index, ${epilogue});`,
      ),
      inputs,
    );
  // `epilogue(acc)` of `acc = read W`, `[n, features]`, reading `inner` values a row.
  const withTranspose = (
    key: string,
    names: string[],
    inputs: tf.Tensor[],
    read: (j: string, e: string) => string,
    epilogue: string,
  ) =>
    runProgram<tf.Rank.R2>(
      grid(
        key,
        g,
        names,
        n,
        f,
        `${sum(inner, (e) => `${read(`row * ${inner} + ${e}`, e)} * weight[${e} * ${f} + col]`)}
         setOutputAtIndex(index, ${epilogue});`,
      ),
      inputs,
    );
  const act = withWeight('act', ['x', 'weight', 'bias'], [x, weight, bias], 'max(acc + bias[col], 0.0)');
  save([x, weight, t, act]);
  const value = withTranspose(
    'out',
    ['x', 'act', 'weight', 't'],
    [x, act, weight, t],
    (j, e) => `act[${j}] * t[${e}]`,
    'x[index] - 2.0 * acc',
  );
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, w, ts, as] = saved;
      // The gradient at t a, then dx: the residual's identity plus the first product's transpose.
      const dz = withWeight('dz', ['dy', 'weight'], [dy, w], '-2.0 * acc');
      const dx = withTranspose(
        'dx',
        ['dy', 'dz', 'act', 'weight', 't'],
        [dy, dz, as, w, ts],
        preActivationGradient,
        'dy[index] + acc',
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
