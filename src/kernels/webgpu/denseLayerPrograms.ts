/**
 * The SLL dense layer (src/kernels/sllDense.ts) as WGSL programs: two forward,
 * `a = relu(x W^T + b)` and `x - 2 (t a) W`, and five backward (dz, dx, dW, dt, db), where the tfjs
 * ops take about twenty. One invocation per output, looping over its row: the batch and the
 * layers are small enough (a few dozen rows, a few thousand features) for that to keep a GPU busy.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { addQGradient, rowStats, scalingFromStats, symmetricGramGradient } from './denseScalingPrograms.ts';
import {
  GRADIENT_OFFSET_UNIFORM,
  type GradientSlot,
  type ParamSlice,
  addToGradient,
  bindInputs,
  elementwiseProgram,
  runProgram,
  runProgramInPlace,
  sliceAt,
  sliceTensor,
  wholeTensor,
} from './program.ts';
import {
  type LayerProducts,
  preActivationGradient,
  sllForward,
  sllInputGradient,
} from './sllLayerPrograms.ts';

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

/** Runs a program with one invocation per element of `[rows, cols]`: `row`, `col` and the code `body`. */
function runGrid(
  key: string,
  g: DenseGeometry,
  names: string[],
  inputs: (tf.Tensor | ParamSlice)[],
  [rows, cols]: [number, number],
  body: string,
) {
  const bound = bindInputs(names, inputs);
  const program = elementwiseProgram(
    `sll_dense_${key}_${shapeKey(g)}`,
    names,
    [rows, cols],
    bound.uniforms,
    `let row = index / ${cols};
     let col = index % ${cols};
     ${body}`,
  );
  return runProgram<tf.Rank.R2>(program, bound.tensors, { ints: bound.ints });
}

/** WGSL: `W[i, j]`, the weight `[inner, features]` bound as the slice `weight`. */
const weightAt = (g: DenseGeometry, i: string, j: string) =>
  sliceAt('weight', `(${i}) * ${g.features} + (${j})`);

/** `epilogue(acc)` of `acc = input W^T`, `[n, inner]`, the input being the program's first variable. */
function withWeight(
  g: DenseGeometry,
  key: string,
  names: string[],
  inputs: (tf.Tensor | ParamSlice)[],
  epilogue: string,
) {
  const f = g.features;
  return runGrid(
    key,
    g,
    names,
    inputs,
    [g.n, g.inner],
    `${sum(f, (e) => `${names[0]}[row * ${f} + ${e}] * ${weightAt(g, 'col', e)}`)}
     setOutputAtIndex(index, ${epilogue});`,
  );
}

/** `epilogue(acc)` of `acc = read W`, `[n, features]`, reading `inner` values a row. */
function withTranspose(
  g: DenseGeometry,
  key: string,
  names: string[],
  inputs: (tf.Tensor | ParamSlice)[],
  read: (j: string, e: string) => string,
  epilogue: string,
) {
  return runGrid(
    key,
    g,
    names,
    inputs,
    [g.n, g.features],
    `${sum(g.inner, (e) => `${read(`row * ${g.inner} + ${e}`, e)} * ${weightAt(g, e, 'col')}`)}
     setOutputAtIndex(index, ${epilogue});`,
  );
}

/** The dense layer's two products: with W, and with its transpose. */
const products = (g: DenseGeometry): LayerProducts => ({
  weight: 'weight',
  inner: 'col',
  withWeight: (key, names, inputs, epilogue) => withWeight(g, key, names, inputs, epilogue),
  withTranspose: (key, names, inputs, read, epilogue) => withTranspose(g, key, names, inputs, read, epilogue),
});

/**
 * WGSL: dW at `row`, `col` through W x (`dPre (x) x`) and through W^T (`t a (x) -2 dy`), as
 * `weightGrad`.
 */
const weightGradient = (g: DenseGeometry) => `
  var viaInput = 0.0;
  var viaTranspose = 0.0;
  for (var m = 0; m < ${g.n}; m++) {
    let j = m * ${g.inner} + row;
    viaInput += ${preActivationGradient('j', 'row')} * x[m * ${g.features} + col];
    viaTranspose += act[j] * dy[m * ${g.features} + col];
  }
  let weightGrad = viaInput - 2.0 * t[row] * viaTranspose;`;

/** WGSL: `acc = sum_m term(m * inner + col)`, a sum over the batch for each inner feature `col`. */
const batchSum = (g: DenseGeometry, term: (j: string) => string) =>
  sum(g.n, (m) => term(`${m} * ${g.inner} + col`));

/** The layer's weight and bias as the programs read them, and the weight's `[inner, features]`. */
export interface DenseParams {
  weight: ParamSlice;
  bias: ParamSlice;
  shape: readonly [number, number];
}

function geometry(x: tf.Tensor2D, [inner]: readonly [number, number]): DenseGeometry {
  return { n: x.shape[0], features: x.shape[1], inner };
}

/** `a = relu(x W^T + b)` and the layer's value `x - 2 (t a) W`. */
const forward = (g: DenseGeometry, x: tf.Tensor2D, p: DenseParams, t: tf.Tensor1D) =>
  sllForward(products(g), x, p.weight, p.bias, t) as { act: tf.Tensor2D; value: tf.Tensor2D };

/**
 * `sum_m term(m * inner + i)` for each i: db (`dPre`) and dt (`dz a`). Each program binds only the
 * inputs it reads: WebGPU drops an unread one from the layout.
 */
function columnSum(
  g: DenseGeometry,
  key: string,
  names: string[],
  inputs: tf.Tensor[],
  term: (j: string) => string,
) {
  const program = elementwiseProgram(
    `sll_dense_${key}_${shapeKey(g)}`,
    names,
    [g.inner],
    '',
    `let col = index;
     ${batchSum(g, term)}
     setOutputAtIndex(index, acc);`,
  );
  return runProgram<tf.Rank.R1>(program, inputs);
}

const scalingGradient = (g: DenseGeometry, dz: tf.Tensor, act: tf.Tensor) =>
  columnSum(g, 'dt', ['dz', 'act'], [dz, act], (j) => `dz[${j}] * act[${j}]`);

/**
 * `x - 2 W^T (t relu(W x + b))` for a batch `x [N, features]`, `W [inner, features]`, with its
 * gradients for x, W, b and t, on WebGPU.
 */
export const sllDenseLayerOnWebGpu = customGradient<
  (x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, t: tf.Tensor1D) => tf.Tensor2D
>((x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, t: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const g = geometry(x, weight.shape);
  const { act, value } = forward(
    g,
    x,
    { weight: wholeTensor(weight), bias: wholeTensor(bias), shape: weight.shape },
    t,
  );
  save([x, weight, t, act]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, w, ts, as] = saved;
      const { dz, dx } = sllInputGradient(products(g), dy, wholeTensor(w), ts, as);
      const dw = runGrid(
        'dw',
        g,
        ['x', 'dy', 'dz', 'act', 't'],
        [xs, dy, dz, as, ts],
        [g.inner, g.features],
        `${weightGradient(g)}
         setOutputAtIndex(index, weightGrad);`,
      );
      const db = columnSum(g, 'db', ['dz', 'act', 't'], [dz, as, ts], (j) => preActivationGradient(j, 'col'));
      const dt = scalingGradient(g, dz, as);
      dz.dispose();
      return [dx, dw, db, dt];
    },
  };
});

/**
 * dW (through the layer, plus `gramPart`, t's part through the Gram matrix) and db, added into the
 * step's flat gradient at `slot` (the weight's offset; the bias follows it).
 */
function addWeightAndBiasGradients(
  g: DenseGeometry,
  inputs: { x: tf.Tensor; dy: tf.Tensor; dz: tf.Tensor; act: tf.Tensor; t: tf.Tensor; gramPart: tf.Tensor },
  slot: GradientSlot,
): void {
  const weightSize = g.inner * g.features;
  const program = elementwiseProgram(
    `sll_dense_dw_db_into_${shapeKey(g)}`,
    ['x', 'dy', 'dz', 'act', 't', 'gramPart'],
    [weightSize + g.inner],
    GRADIENT_OFFSET_UNIFORM,
    `if (index < ${weightSize}) {
       let row = index / ${g.features};
       let col = index % ${g.features};
       ${weightGradient(g)}
       ${addToGradient('index', 'weightGrad + gramPart[index]')}
     } else {
       let col = index - ${weightSize};
       ${batchSum(g, (j) => preActivationGradient(j, 'col'))}
       ${addToGradient('index', 'acc')}
     }`,
  );
  const { x, dy, dz, act, t, gramPart } = inputs;
  runProgramInPlace(program, [x, dy, dz, act, t, gramPart], slot.target, { ints: [slot.offset] });
}

/** The dense layer's parameters for training: weight, bias and q, side by side in the flat parameters. */
export interface DenseTrainingParams extends DenseParams {
  q: ParamSlice;
}

/**
 * The dense layer of a training step on WebGPU, as a function of x alone: t is computed from W and q
 * inside (the Gram matrix by tfjs's matMul), and the backward pass adds the gradients of W, b and q
 * into the step's flat gradient (`gradient.offset` is the weight's). Thirteen programs: the weight
 * as a tensor for the two matMuls, G, t's row statistics, t, two forward, dz, dx, dt, dG made
 * symmetric, its product with W, dW with db, and dq.
 */
export function denseLayerForTraining(
  p: DenseTrainingParams,
  gradient: GradientSlot,
): (x: tf.Tensor2D) => tf.Tensor2D {
  const [inner, features] = p.shape;
  const weightSize = inner * features;
  if (p.bias.offset !== p.weight.offset + weightSize || p.q.offset !== p.bias.offset + inner) {
    throw new Error('SLL dense training: bias and q must follow the weight in the flat parameters');
  }
  return customGradient<(x: tf.Tensor2D) => tf.Tensor2D>((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const g = geometry(x, p.shape);
    const weight = sliceTensor(p.weight, p.shape) as tf.Tensor2D;
    const gram = tf.matMul(weight, weight, false, true) as tf.Tensor2D;
    const stats = rowStats(gram, p.q);
    const t = scalingFromStats(p.q, stats);
    const { act, value } = forward(g, x, p, t);
    save([x, act, t, weight, gram, stats]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, as, ts, w, gs, ss] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
        ];
        const { dz, dx } = sllInputGradient(products(g), dy, p.weight, ts, as);
        const dt = scalingGradient(g, dz, as);
        const symmetric = symmetricGramGradient(gs, p.q, ss, ts, dt);
        const gramPart = tf.matMul(symmetric, w);
        addWeightAndBiasGradients(g, { x: xs, dy, dz, act: as, t: ts, gramPart }, gradient);
        addQGradient(gs, p.q, ss, ts, dt, {
          target: gradient.target,
          offset: gradient.offset + weightSize + inner,
        });
        tf.dispose([dz, dt, symmetric, gramPart]);
        return dx;
      },
    };
  });
}
