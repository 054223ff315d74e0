/**
 * The conv layer's scaling `t_i = 1 / sum_{j,p,q} |KtK[i, p, q, j]|` (src/kernels/sllConv.ts) in two
 * WGSL programs, KtK then the row sums, and its gradient in one, where the tfjs ops take about
 * twenty-five programs per layer. The kernel is the tfjs filter `[k, k, cin, inner]`; KtK is
 * `[inner, 2k-1, 2k-1, inner]`, the same tensor as the ops' `conv2d(K as images, K, pad k-1)`:
 * `KtK[i, p, q, j] = sum_{u,v,c} K[p+u-(k-1), q+v-(k-1), c, i] K[u, v, c, j]`.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import {
  GRADIENT_OFFSET_UNIFORM,
  type GradientSlot,
  type ParamSlice,
  WORKGROUP_SIZE,
  addToGradient,
  bindInputs,
  elementwiseProgram,
  runProgram,
  runProgramInPlace,
  sliceAt,
  wholeTensor,
} from './program.ts';

/** A conv filter's shape, `[k, k, cin, inner]`. */
export type FilterShape = readonly [number, number, number, number];

/** WGSL for `K[a, b, c, d]` of a `[k, k, cin, inner]` filter bound as the slice `kernel`. */
const at = (k: number, cin: number, inner: number) => (a: string, b: string, c: string, d: string) =>
  sliceAt('kernel', `(((${a}) * ${k} + (${b})) * ${cin} + (${c})) * ${inner} + (${d})`);

/** `KtK` of the filter at `kernel`. */
export function kernelGram(kernel: ParamSlice, [k, , cin, inner]: FilterShape): tf.Tensor4D {
  const s = 2 * k - 1;
  const K = at(k, cin, inner);
  const bound = bindInputs(['kernel'], [kernel]);
  const program = elementwiseProgram(
    `sll_conv_ktk_${k}_${cin}_${inner}`,
    ['kernel'],
    [inner, s, s, inner],
    bound.uniforms,
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
  return runProgram(program, bound.tensors, { ints: bound.ints });
}

/** `1 / sum |KtK[i]|`, and 0 where the sum is 0 (the spec's safe inverse). */
export function inverseRowSums(ktk: tf.Tensor4D): tf.Tensor1D {
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
 * WGSL that sums into `acc` the gradient of the filter element `index` (dK) from dt, read by
 * `dt(i)`. With `D[i, p, q, j] = -dt_i t_i^2 sign(KtK[i, p, q, j])` (0 where t_i = 0: the safe
 * inverse has no gradient there), K enters KtK twice: as the second factor
 * (`sum_{i,p,q} D[i,p,q,m] K[p+a-(k-1), q+b-(k-1), c, i]`) and as the first
 * (`sum_{p,q,j} D[m,p,q,j] K[a-p+(k-1), b-q+(k-1), c, j]`). |x| has the gradient sign(x), 0 at 0, as
 * in PyTorch (tfjs's Abs gives -1 there).
 */
function scalingGradientSum([k, , cin, inner]: FilterShape, dt: (i: string) => string): string {
  const s = 2 * k - 1;
  const K = at(k, cin, inner);
  const ktkAt = (i: string, p: string, q: string, j: string) =>
    `ktk[((${i} * ${s} + ${p}) * ${s} + ${q}) * ${inner} + ${j}]`;
  const g = (i: string) => `(-${dt(i)} * t[${i}] * t[${i}])`;
  return `let m = index % ${inner};
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
     }`;
}

/** dK from dt, a tensor of its own. */
function kernelGradient(kernel: tf.Tensor4D, ktk: tf.Tensor4D, t: tf.Tensor1D, dt: tf.Tensor1D): tf.Tensor4D {
  const shape = kernel.shape;
  const bound = bindInputs(['kernel', 'ktk', 't', 'dt'], [wholeTensor(kernel), ktk, t, dt]);
  const program = elementwiseProgram(
    `sll_conv_t_grad_${shape.join('_')}`,
    ['kernel', 'ktk', 't', 'dt'],
    [...shape],
    bound.uniforms,
    `${scalingGradientSum(shape, (i) => `dt[${i}]`)}
     setOutputAtIndex(index, acc);`,
  );
  return runProgram(program, bound.tensors, { ints: bound.ints });
}

/**
 * dK from dt added into the training step's flat gradient at `slot`, with dt summed from the conv
 * layer's partial sums (`[chunks, row]`, dt at `dtColumn` of each row) by each workgroup first: a
 * program of its own for that sum would cost a dispatch per layer.
 */
export function addScalingGradient(
  kernel: ParamSlice,
  shape: FilterShape,
  ktk: tf.Tensor4D,
  t: tf.Tensor1D,
  partials: tf.Tensor2D,
  dtColumn: number,
  slot: GradientSlot,
): void {
  const inner = shape[3];
  const [chunks, row] = partials.shape;
  const bound = bindInputs(['kernel', 'ktk', 't', 'partials'], [kernel, ktk, t, partials]);
  const program = elementwiseProgram(
    `sll_conv_t_grad_into_${shape.join('_')}_${chunks}_${row}_${dtColumn}`,
    ['kernel', 'ktk', 't', 'partials'],
    [...shape],
    bound.uniforms + GRADIENT_OFFSET_UNIFORM,
    `${scalingGradientSum(shape, (i) => `dtSums[${i}]`)}
     ${addToGradient('index', 'acc')}`,
    {
      helpers: `var<workgroup> dtSums : array<f32, ${inner}>;`,
      prologue: `
        for (var i = i32(localIndex); i < ${inner}; i += ${WORKGROUP_SIZE}) {
          var sum = 0.0;
          for (var s = 0; s < ${chunks}; s++) { sum += partials[s * ${row} + ${dtColumn} + i]; }
          dtSums[i] = sum;
        }
        workgroupBarrier();`,
    },
  );
  runProgramInPlace(program, bound.tensors, slot.target, { ints: [...bound.ints, slot.offset] });
}

/** The conv scaling t of a `[k, k, cin, inner]` kernel, differentiable, on WebGPU. */
export const convScalingOnWebGpu = customGradient<(kernel: tf.Tensor4D) => tf.Tensor1D>(
  (kernel: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const ktk = kernelGram(wholeTensor(kernel), kernel.shape);
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
