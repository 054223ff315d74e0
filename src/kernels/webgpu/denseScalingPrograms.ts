/**
 * The dense layer's scaling `t_i = 1 / sum_j exp(q_j - q_i) |G_ij|` from its Gram matrix `G = W W^T`
 * (src/kernels/sllDense.ts) in two WGSL programs, and its gradient for G and q in two, where the
 * tfjs ops take about fifty. As there, each row is shifted by `m_i = max { q_j : G_ij != 0 }`:
 * `t_i = exp(q_i - m_i) / D_i` with `D_i = sum_j exp(q_j - m_i) |G_ij|`, and 0 for an all-zero row.
 * The gradient, with `p_ij = exp(q_j - m_i) / D_i`:
 * `dG_ij = -dt_i t_i p_ij sign(G_ij)` and `dq_k = dt_k t_k - sum_i dt_i t_i p_ik |G_ik|`.
 */
import type * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import {
  GRADIENT_OFFSET_UNIFORM,
  type GradientSlot,
  type ParamSlice,
  addToGradient,
  bindInputs,
  elementwiseProgram,
  expOrZero,
  runProgram,
  runProgramInPlace,
  sliceAt,
  wholeTensor,
} from './program.ts';

const qAt = (j: string) => sliceAt('q', j);

/** `[m_i, D_i]` per row, `[n, 2]`. */
export function rowStats(gram: tf.Tensor2D, q: ParamSlice): tf.Tensor2D {
  const n = gram.shape[0];
  const bound = bindInputs(['gram', 'q'], [gram, q]);
  const program = elementwiseProgram(
    `sll_dense_t_stats_${n}`,
    ['gram', 'q'],
    [n, 2],
    bound.uniforms,
    `let i = index / 2;
     var m = -1e30;
     for (var j = 0; j < ${n}; j++) {
       if (gram[i * ${n} + j] != 0.0) { m = max(m, ${qAt('j')}); }
     }
     if (index % 2 == 0) {
       setOutputAtIndex(index, m);
     } else {
       var d = 0.0;
       for (var j = 0; j < ${n}; j++) {
         let g = gram[i * ${n} + j];
         if (g != 0.0) { d += ${expOrZero(`${qAt('j')} - m`)} * abs(g); }
       }
       setOutputAtIndex(index, d);
     }`,
  );
  return runProgram(program, bound.tensors, { ints: bound.ints });
}

export function scalingFromStats(q: ParamSlice, stats: tf.Tensor2D): tf.Tensor1D {
  const n = stats.shape[0];
  const bound = bindInputs(['q', 'stats'], [q, stats]);
  const program = elementwiseProgram(
    `sll_dense_t_${n}`,
    ['q', 'stats'],
    [n],
    bound.uniforms,
    `let d = stats[2 * index + 1];
     setOutputAtIndex(index, select(0.0, ${expOrZero(`min(${qAt('index')} - stats[2 * index], 0.0)`)} / d, d > 0.0));`,
  );
  return runProgram(program, bound.tensors, { ints: bound.ints });
}

/** WGSL: `-dt_i t_i p_ij` times `factor(g)` of `g = G_ij`, 0 where G_ij = 0 or D_i = 0. */
const rowTerm = (n: number, i: string, j: string, factor: (g: string) => string) => `
  select(0.0, -dt[${i}] * t[${i}] * ${expOrZero(`${qAt(j)} - stats[2 * ${i}]`)} / stats[2 * ${i} + 1] * ${factor(`gram[${i} * ${n} + ${j}]`)},
         gram[${i} * ${n} + ${j}] != 0.0 && stats[2 * ${i} + 1] > 0.0)`;

const GRADIENT_INPUTS = ['gram', 'q', 'stats', 't', 'dt'];

/** dG, or `dG + dG^T` when `symmetric` (what the Gram matrix `W W^T` passes on to W). */
function gramGradient(
  gram: tf.Tensor2D,
  q: ParamSlice,
  stats: tf.Tensor2D,
  t: tf.Tensor1D,
  dt: tf.Tensor1D,
  symmetric: boolean,
) {
  const n = gram.shape[0];
  const term = (i: string, j: string) => rowTerm(n, i, j, (g) => `sign(${g})`);
  const bound = bindInputs(GRADIENT_INPUTS, [gram, q, stats, t, dt]);
  const program = elementwiseProgram(
    `sll_dense_t_grad_gram_${symmetric ? 'sym_' : ''}${n}`,
    GRADIENT_INPUTS,
    [n, n],
    bound.uniforms,
    `let i = index / ${n};
     let j = index % ${n};
     setOutputAtIndex(index, ${symmetric ? `${term('i', 'j')} + ${term('j', 'i')}` : term('i', 'j')});`,
  );
  return runProgram<tf.Rank.R2>(program, bound.tensors, { ints: bound.ints });
}

/** `dG + dG^T`, the gradient the Gram matrix passes on to W through `G = W W^T`: `(dG + dG^T) W`. */
export const symmetricGramGradient = (
  gram: tf.Tensor2D,
  q: ParamSlice,
  stats: tf.Tensor2D,
  t: tf.Tensor1D,
  dt: tf.Tensor1D,
) => gramGradient(gram, q, stats, t, dt, true);

/** WGSL: `acc = dq[index]`. */
const qGradientSum = (n: number) => `
  var acc = dt[index] * t[index];
  for (var i = 0; i < ${n}; i++) {
    acc += ${rowTerm(n, 'i', 'index', (g) => `abs(${g})`)};
  }`;

function qGradient(gram: tf.Tensor2D, q: ParamSlice, stats: tf.Tensor2D, t: tf.Tensor1D, dt: tf.Tensor1D) {
  const n = gram.shape[0];
  const bound = bindInputs(GRADIENT_INPUTS, [gram, q, stats, t, dt]);
  const program = elementwiseProgram(
    `sll_dense_t_grad_q_${n}`,
    GRADIENT_INPUTS,
    [n],
    bound.uniforms,
    `${qGradientSum(n)}
     setOutputAtIndex(index, acc);`,
  );
  return runProgram<tf.Rank.R1>(program, bound.tensors, { ints: bound.ints });
}

/** dq added into the training step's flat gradient at `slot`. */
export function addQGradient(
  gram: tf.Tensor2D,
  q: ParamSlice,
  stats: tf.Tensor2D,
  t: tf.Tensor1D,
  dt: tf.Tensor1D,
  slot: GradientSlot,
): void {
  const n = gram.shape[0];
  const bound = bindInputs(GRADIENT_INPUTS, [gram, q, stats, t, dt]);
  const program = elementwiseProgram(
    `sll_dense_t_grad_q_into_${n}`,
    GRADIENT_INPUTS,
    [n],
    bound.uniforms + GRADIENT_OFFSET_UNIFORM,
    `${qGradientSum(n)}
     ${addToGradient('index', 'acc')}`,
  );
  runProgramInPlace(program, bound.tensors, slot.target, { ints: [...bound.ints, slot.offset] });
}

/** t from the Gram matrix and q, differentiable in both, on WebGPU. */
export const denseScalingOnWebGpu = customGradient<(gram: tf.Tensor2D, q: tf.Tensor1D) => tf.Tensor1D>(
  (gram: tf.Tensor2D, q: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const stats = rowStats(gram, wholeTensor(q));
    const t = scalingFromStats(wholeTensor(q), stats);
    save([gram, q, stats, t]);
    return {
      value: t,
      gradFunc: (dt: tf.Tensor, saved: tf.Tensor[]) => {
        const [g, qs, s, ts] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
        const d = dt as tf.Tensor1D;
        return [gramGradient(g, wholeTensor(qs), s, ts, d, false), qGradient(g, wholeTensor(qs), s, ts, d)];
      },
    };
  },
);
