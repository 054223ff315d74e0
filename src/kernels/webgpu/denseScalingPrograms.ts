/**
 * The dense layer's scaling `t_i = 1 / sum_j exp(q_j - q_i) |G_ij|` from its Gram matrix `G = W W^T`
 * (src/kernels/sllDense.ts) in two WGSL programs, and its gradient for G and q in two, where the
 * tfjs ops take about fifty. As there, each row is shifted by `m_i = max { q_j : G_ij != 0 }`:
 * `t_i = exp(q_i - m_i) / D_i` with `D_i = sum_j exp(q_j - m_i) |G_ij|`, and 0 for an all-zero row.
 * The gradient, with `p_ij = exp(q_j - m_i) / D_i`:
 * `dG_ij = -dt_i t_i p_ij sign(G_ij)` and `dq_k = dt_k t_k - sum_i dt_i t_i p_ik |G_ik|`.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, expOrZero, runProgram } from './program.ts';

/** `[m_i, D_i]` per row, `[n, 2]`. */
function rowStats(gram: tf.Tensor2D, q: tf.Tensor1D): tf.Tensor2D {
  const n = q.shape[0];
  const program = elementwiseProgram(
    `sll_dense_t_stats_${n}`,
    ['gram', 'q'],
    [n, 2],
    '',
    `let i = index / 2;
     var m = -1e30;
     for (var j = 0; j < ${n}; j++) {
       if (gram[i * ${n} + j] != 0.0) { m = max(m, q[j]); }
     }
     if (index % 2 == 0) {
       setOutputAtIndex(index, m);
     } else {
       var d = 0.0;
       for (var j = 0; j < ${n}; j++) {
         let g = gram[i * ${n} + j];
         if (g != 0.0) { d += ${expOrZero('q[j] - m')} * abs(g); }
       }
       setOutputAtIndex(index, d);
     }`,
  );
  return runProgram(program, [gram, q]);
}

function scalingFromStats(q: tf.Tensor1D, stats: tf.Tensor2D): tf.Tensor1D {
  const n = q.shape[0];
  const program = elementwiseProgram(
    `sll_dense_t_${n}`,
    ['q', 'stats'],
    [n],
    '',
    `let d = stats[2 * index + 1];
     setOutputAtIndex(index, select(0.0, ${expOrZero('min(q[index] - stats[2 * index], 0.0)')} / d, d > 0.0));`,
  );
  return runProgram(program, [q, stats]);
}

function gramGradient(
  gram: tf.Tensor2D,
  q: tf.Tensor1D,
  stats: tf.Tensor2D,
  t: tf.Tensor1D,
  dt: tf.Tensor1D,
) {
  const n = q.shape[0];
  const program = elementwiseProgram(
    `sll_dense_t_grad_gram_${n}`,
    ['gram', 'q', 'stats', 't', 'dt'],
    [n, n],
    '',
    `let i = index / ${n};
     let j = index % ${n};
     let g = gram[index];
     let d = stats[2 * i + 1];
     var value = 0.0;
     if (g != 0.0 && d > 0.0) {
       value = -dt[i] * t[i] * ${expOrZero('q[j] - stats[2 * i]')} / d * sign(g);
     }
     setOutputAtIndex(index, value);`,
  );
  return runProgram<tf.Rank.R2>(program, [gram, q, stats, t, dt]);
}

function qGradient(gram: tf.Tensor2D, q: tf.Tensor1D, stats: tf.Tensor2D, t: tf.Tensor1D, dt: tf.Tensor1D) {
  const n = q.shape[0];
  const program = elementwiseProgram(
    `sll_dense_t_grad_q_${n}`,
    ['gram', 'q', 'stats', 't', 'dt'],
    [n],
    '',
    `var acc = dt[index] * t[index];
     for (var i = 0; i < ${n}; i++) {
       let g = gram[i * ${n} + index];
       let d = stats[2 * i + 1];
       if (g != 0.0 && d > 0.0) {
         acc -= dt[i] * t[i] * ${expOrZero('q[index] - stats[2 * i]')} / d * abs(g);
       }
     }
     setOutputAtIndex(index, acc);`,
  );
  return runProgram<tf.Rank.R1>(program, [gram, q, stats, t, dt]);
}

/** t from the Gram matrix and q, differentiable in both, on WebGPU. */
export const denseScalingOnWebGpu = customGradient<(gram: tf.Tensor2D, q: tf.Tensor1D) => tf.Tensor1D>(
  (gram: tf.Tensor2D, q: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const stats = rowStats(gram, q);
    const t = scalingFromStats(q, stats);
    save([gram, q, stats, t]);
    return {
      value: t,
      gradFunc: (dt: tf.Tensor, saved: tf.Tensor[]) => {
        const [g, qs, s, ts] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
        return [gramGradient(g, qs, s, ts, dt as tf.Tensor1D), qGradient(g, qs, s, ts, dt as tf.Tensor1D)];
      },
    };
  },
);
