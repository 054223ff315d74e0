/**
 * The conv layer's scaling `t_i = 1 / sum_{j,p,q} |KtK[i, p, q, j]|` (src/kernels/sllConv.ts) in two
 * WGSL programs, KtK then the row sums, and its gradient in one, where the tfjs ops take about
 * twenty-five programs per layer. The kernel is the tfjs filter `[k, k, cin, inner]`; KtK is
 * `[inner, 2k-1, 2k-1, inner]`, the same tensor as the ops' `conv2d(K as images, K, pad k-1)`:
 * `KtK[i, p, q, j] = sum_{u,v,c} K[p+u-(k-1), q+v-(k-1), c, i] K[u, v, c, j]`.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, runProgram } from './program.ts';

/** WGSL for `K[a, b, c, d]` of a `[k, k, cin, inner]` filter bound as `kernel`. */
const at = (k: number, cin: number, inner: number) => (a: string, b: string, c: string, d: string) =>
  `kernel[(((${a}) * ${k} + (${b})) * ${cin} + (${c})) * ${inner} + (${d})]`;

function kernelGram(kernel: tf.Tensor4D): tf.Tensor4D {
  const [k, , cin, inner] = kernel.shape;
  const s = 2 * k - 1;
  const K = at(k, cin, inner);
  const program = elementwiseProgram(
    `sll_conv_ktk_${k}_${cin}_${inner}`,
    ['kernel'],
    [inner, s, s, inner],
    '',
    `let j = index % ${inner};
     let q = (index / ${inner}) % ${s};
     let p = (index / ${inner * s}) % ${s};
     let i = index / ${inner * s * s};
     var acc = 0.0;
     for (var u = max(0, ${k - 1} - p); u < min(${k}, ${2 * k - 1} - p); u++) {
       for (var v = max(0, ${k - 1} - q); v < min(${k}, ${2 * k - 1} - q); v++) {
         for (var c = 0; c < ${cin}; c++) {
           acc += ${K(`p + u - ${k - 1}`, `q + v - ${k - 1}`, 'c', 'i')} * ${K('u', 'v', 'c', 'j')};
         }
       }
     }
     setOutputAtIndex(index, acc);`,
  );
  return runProgram(program, [kernel]);
}

/** `1 / sum |KtK[i]|`, and 0 where the sum is 0 (the spec's safe inverse). */
function inverseRowSums(ktk: tf.Tensor4D): tf.Tensor1D {
  const [inner, s] = ktk.shape;
  const row = s * s * inner;
  const program = elementwiseProgram(
    `sll_conv_t_${s}_${inner}`,
    ['ktk'],
    [inner],
    '',
    `var sum = 0.0;
     for (var e = 0; e < ${row}; e++) {
       sum += abs(ktk[index * ${row} + e]);
     }
     setOutputAtIndex(index, select(0.0, 1.0 / sum, sum > 0.0));`,
  );
  return runProgram(program, [ktk]);
}

/**
 * dK from dt. With `D[i, p, q, j] = -dt_i t_i^2 sign(KtK[i, p, q, j])` (0 where t_i = 0: the safe
 * inverse has no gradient there), K enters KtK twice: as the second factor
 * (`sum_{i,p,q} D[i,p,q,m] K[p+a-(k-1), q+b-(k-1), c, i]`) and as the first
 * (`sum_{p,q,j} D[m,p,q,j] K[a-p+(k-1), b-q+(k-1), c, j]`). |x| has the gradient sign(x), 0 at 0, as
 * in PyTorch (tfjs's Abs gives -1 there).
 */
function kernelGradient(kernel: tf.Tensor4D, ktk: tf.Tensor4D, t: tf.Tensor1D, dt: tf.Tensor1D): tf.Tensor4D {
  const [k, , cin, inner] = kernel.shape;
  const s = 2 * k - 1;
  const K = at(k, cin, inner);
  const ktkAt = (i: string, p: string, q: string, j: string) =>
    `ktk[((${i} * ${s} + ${p}) * ${s} + ${q}) * ${inner} + ${j}]`;
  const g = (i: string) => `(-dt[${i}] * t[${i}] * t[${i}])`;
  const program = elementwiseProgram(
    `sll_conv_t_grad_${k}_${cin}_${inner}`,
    ['kernel', 'ktk', 't', 'dt'],
    kernel.shape,
    '',
    `let m = index % ${inner};
     let c = (index / ${inner}) % ${cin};
     let b = (index / ${inner * cin}) % ${k};
     let a = index / ${inner * cin * k};
     var acc = 0.0;
     for (var p = 0; p < ${s}; p++) {
       for (var q = 0; q < ${s}; q++) {
         let a2 = p + a - ${k - 1};
         let b2 = q + b - ${k - 1};
         if (a2 >= 0 && a2 < ${k} && b2 >= 0 && b2 < ${k}) {
           for (var i = 0; i < ${inner}; i++) {
             acc += ${g('i')} * sign(${ktkAt('i', 'p', 'q', 'm')}) * ${K('a2', 'b2', 'c', 'i')};
           }
         }
         let a1 = a - p + ${k - 1};
         let b1 = b - q + ${k - 1};
         if (a1 >= 0 && a1 < ${k} && b1 >= 0 && b1 < ${k}) {
           for (var j = 0; j < ${inner}; j++) {
             acc += ${g('m')} * sign(${ktkAt('m', 'p', 'q', 'j')}) * ${K('a1', 'b1', 'c', 'j')};
           }
         }
       }
     }
     setOutputAtIndex(index, acc);`,
  );
  return runProgram(program, [kernel, ktk, t, dt]);
}

/** The conv scaling t of a `[k, k, cin, inner]` kernel, differentiable, on WebGPU. */
export const convScalingOnWebGpu = customGradient<(kernel: tf.Tensor4D) => tf.Tensor1D>(
  (kernel: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const ktk = kernelGram(kernel);
    const t = inverseRowSums(ktk);
    save([kernel, ktk, t]);
    return {
      value: t,
      gradFunc: (dt: tf.Tensor, saved: tf.Tensor[]) => {
        const [k, gram, scaling] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
        return [kernelGradient(k, gram, scaling, dt as tf.Tensor1D)];
      },
    };
  },
);
