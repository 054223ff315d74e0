/**
 * The whole SLL conv layer (src/kernels/sllConv.ts) as direct-convolution WGSL programs: two
 * forward, `a = relu(conv(x, K) + b)` and `x - 2 conv(t a, adjoint K)`, and six backward, where tfjs
 * ops, the adjoint filter, im2col and matMuls take about twenty per layer. Stride 1, 'same' padding,
 * NHWC; the kernel is the tfjs filter `[k, k, cin, inner]`. The SLL layers have few channels (`lab`
 * 16, the paper's presets 5 inner), so one invocation per output looping over its window is cheap.
 *
 * The backward pass writes the filter gradient, dt and db as partial sums over chunks of the
 * batch's pixels in one program (a long serial reduction per output would leave a GPU idle), and
 * reduces the chunks in three small programs.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { type FilterShape, addScalingGradient, inverseRowSums, kernelGram } from './convScalingPrograms.ts';
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
  wholeTensor,
} from './program.ts';
import {
  type LayerProducts,
  preActivationGradient,
  sllForward,
  sllInputGradient,
} from './sllLayerPrograms.ts';

/** Pixels per chunk of the backward pass's partial sums. */
const PIXELS_PER_CHUNK = 256;

interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  inner: number;
  k: number;
}

function geometry(x: tf.Tensor4D, [k, , , inner]: FilterShape): ConvGeometry {
  const [n, h, w, cin] = x.shape;
  if (k % 2 !== 1) throw new Error(`SLL conv: the kernel size must be odd, got ${k}`);
  return { n, h, w, cin, inner, k };
}

const shapeKey = (g: ConvGeometry) => `${g.n}_${g.h}_${g.w}_${g.cin}_${g.inner}_${g.k}`;

/** WGSL: `K[u, v, c, i]`, the kernel bound as the slice `kernel`. */
const kernelAt = (g: ConvGeometry, u: string, v: string, c: string, i: string) =>
  sliceAt('kernel', `(((${u}) * ${g.k} + (${v})) * ${g.cin} + (${c})) * ${g.inner} + (${i})`);

/**
 * WGSL that sets `n, h, w, o` from `index` (an NHWC output with `outChannels`), then sums
 * `read(j, e) * weight(u, v, e)` into `acc` over the zero-padded window, where `j` indexes the
 * input pixel's channel `e` (`inChannels` of them).
 */
function windowSum(
  g: ConvGeometry,
  outChannels: number,
  inChannels: number,
  read: (j: string, e: string) => string,
  weight: (u: string, v: string, e: string) => string,
): string {
  const pad = (g.k - 1) / 2;
  return `
    let o = index % ${outChannels};
    let w = (index / ${outChannels}) % ${g.w};
    let h = (index / ${outChannels * g.w}) % ${g.h};
    let n = index / ${outChannels * g.w * g.h};
    var acc = 0.0;
    for (var u = 0; u < ${g.k}; u++) {
      let hh = h + u - ${pad};
      if (hh < 0 || hh >= ${g.h}) { continue; }
      for (var v = 0; v < ${g.k}; v++) {
        let ww = w + v - ${pad};
        if (ww < 0 || ww >= ${g.w}) { continue; }
        let base = ((n * ${g.h} + hh) * ${g.w} + ww) * ${inChannels};
        for (var e = 0; e < ${inChannels}; e++) {
          acc += ${read('base + e', 'e')} * ${weight('u', 'v', 'e')};
        }
      }
    }`;
}

/** `K[u, v, ...]` read as the adjoint filter: flipped in space, in and out channels swapped. */
const adjoint = (g: ConvGeometry, c: string, i: string) => (u: string, v: string) =>
  kernelAt(g, `${g.k - 1} - ${u}`, `${g.k - 1} - ${v}`, c, i);

/**
 * `epilogue(acc)` of `acc = conv2d(input, K)`, `[n, h, w, inner]`: the input is the program's first
 * variable, with `cin` channels.
 */
function convWithKernel(
  g: ConvGeometry,
  key: string,
  names: string[],
  inputs: (tf.Tensor | ParamSlice)[],
  epilogue: string,
) {
  const body = windowSum(
    g,
    g.inner,
    g.cin,
    (j) => `${names[0]}[${j}]`,
    (u, v, e) => kernelAt(g, u, v, e, 'o'),
  );
  const bound = bindInputs(names, inputs);
  const program = elementwiseProgram(
    `sll_conv_${key}_${shapeKey(g)}`,
    names,
    [g.n, g.h, g.w, g.inner],
    bound.uniforms,
    `${body}
     setOutputAtIndex(index, ${epilogue});`,
  );
  return runProgram<tf.Rank.R4>(program, bound.tensors, { ints: bound.ints });
}

/** `epilogue(acc)` of `acc = conv2d(read, adjoint K)`, `[n, h, w, cin]`, reading `inner` channels. */
function convWithAdjoint(
  g: ConvGeometry,
  key: string,
  names: string[],
  inputs: (tf.Tensor | ParamSlice)[],
  read: (j: string, e: string) => string,
  epilogue: string,
) {
  const body = windowSum(g, g.cin, g.inner, read, (u, v, e) => adjoint(g, 'o', e)(u, v));
  const bound = bindInputs(names, inputs);
  const program = elementwiseProgram(
    `sll_conv_${key}_${shapeKey(g)}`,
    names,
    [g.n, g.h, g.w, g.cin],
    bound.uniforms,
    `${body}
     setOutputAtIndex(index, ${epilogue});`,
  );
  return runProgram<tf.Rank.R4>(program, bound.tensors, { ints: bound.ints });
}

/** The conv layer's two products: the convolution with K, and with its adjoint. */
const products = (g: ConvGeometry): LayerProducts => ({
  weight: 'kernel',
  inner: 'o',
  withWeight: (key, names, inputs, epilogue) => convWithKernel(g, key, names, inputs, epilogue),
  withTranspose: (key, names, inputs, read, epilogue) =>
    convWithAdjoint(g, key, names, inputs, read, epilogue),
});

/**
 * Partial sums `[chunks, k*k*cin*inner + 2*inner]` over chunks of the `n*h*w` pixels: the filter
 * gradient (through the first conv, `x (x) dPre`, and through the adjoint in the second,
 * `t a (x) -2 dy` read flipped), then db (`dPre`) and dt (`dz a`): the filter and the bias in the
 * order the flat parameters hold them, so that one program sums both into the flat gradient.
 */
function partialSums(
  g: ConvGeometry,
  x: tf.Tensor,
  dy: tf.Tensor,
  dz: tf.Tensor,
  act: tf.Tensor,
  t: tf.Tensor,
) {
  const pad = (g.k - 1) / 2;
  const filterSize = g.k * g.k * g.cin * g.inner;
  const row = filterSize + 2 * g.inner;
  const pixels = g.n * g.h * g.w;
  const chunks = Math.ceil(pixels / PIXELS_PER_CHUNK);
  const program = elementwiseProgram(
    `sll_conv_partials_${shapeKey(g)}`,
    ['x', 'dy', 'dz', 'act', 't'],
    [chunks, row],
    '',
    `let r = index % ${row};
     let first = (index / ${row}) * ${PIXELS_PER_CHUNK};
     let last = min(first + ${PIXELS_PER_CHUNK}, ${pixels});
     var acc = 0.0;
     if (r < ${filterSize}) {
       let i = r % ${g.inner};
       let c = (r / ${g.inner}) % ${g.cin};
       let v = (r / ${g.inner * g.cin}) % ${g.k};
       let u = r / ${g.inner * g.cin * g.k};
       var viaAdjoint = 0.0;
       for (var m = first; m < last; m++) {
         let w = m % ${g.w};
         let h = (m / ${g.w}) % ${g.h};
         let n = m / ${g.w * g.h};
         let hx = h + u - ${pad};
         let wx = w + v - ${pad};
         if (hx >= 0 && hx < ${g.h} && wx >= 0 && wx < ${g.w}) {
           let j = m * ${g.inner} + i;
           acc += x[((n * ${g.h} + hx) * ${g.w} + wx) * ${g.cin} + c] * ${preActivationGradient('j', 'i')};
         }
         let ha = h + ${g.k - 1 - pad} - u;
         let wa = w + ${g.k - 1 - pad} - v;
         if (ha >= 0 && ha < ${g.h} && wa >= 0 && wa < ${g.w}) {
           viaAdjoint += act[((n * ${g.h} + ha) * ${g.w} + wa) * ${g.inner} + i] * dy[m * ${g.cin} + c];
         }
       }
       acc += -2.0 * t[i] * viaAdjoint;
     } else if (r < ${filterSize + g.inner}) {
       let i = r - ${filterSize};
       for (var m = first; m < last; m++) {
         let j = m * ${g.inner} + i;
         acc += ${preActivationGradient('j', 'i')};
       }
     } else {
       let i = r - ${filterSize + g.inner};
       for (var m = first; m < last; m++) {
         acc += dz[m * ${g.inner} + i] * act[m * ${g.inner} + i];
       }
     }
     setOutputAtIndex(index, acc);`,
  );
  return runProgram<tf.Rank.R2>(program, [x, dy, dz, act, t]);
}

/** WGSL: `acc = sum_s partials[s, offset + index]`. */
const chunkSum = (chunks: number, row: number, offset: number) => `
  var acc = 0.0;
  for (var s = 0; s < ${chunks}; s++) {
    acc += partials[s * ${row} + ${offset} + index];
  }`;

/** `sum_s partials[s, offset + j]` for `j < size`, shaped `shape`. */
function sumOfChunks<R extends tf.Rank>(
  partials: tf.Tensor2D,
  offset: number,
  shape: number[],
): tf.Tensor<R> {
  const [chunks, row] = partials.shape;
  const program = elementwiseProgram(
    `sll_chunk_sum_${chunks}_${row}_${offset}`,
    ['partials'],
    shape,
    '',
    `${chunkSum(chunks, row, offset)}
     setOutputAtIndex(index, acc);`,
  );
  return runProgram<R>(program, [partials]);
}

/** The first `size` columns' sums over the chunks, added into the flat gradient at `slot`. */
function addSumOfChunks(partials: tf.Tensor2D, size: number, slot: GradientSlot): void {
  const [chunks, row] = partials.shape;
  const program = elementwiseProgram(
    `sll_chunk_sum_into_${chunks}_${row}_${size}`,
    ['partials'],
    [size],
    GRADIENT_OFFSET_UNIFORM,
    `${chunkSum(chunks, row, 0)}
     ${addToGradient('index', 'acc')}`,
  );
  runProgramInPlace(program, [partials], slot.target, { ints: [slot.offset] });
}

/** The layer's kernel and bias as the programs read them, and the kernel's `[k, k, cin, inner]`. */
export interface ConvParams {
  kernel: ParamSlice;
  bias: ParamSlice;
  shape: FilterShape;
}

/** `a = relu(conv2d(x, K) + b)` and the layer's value `x - 2 conv(t a, adjoint K)`. */
const forward = (g: ConvGeometry, x: tf.Tensor4D, p: ConvParams, t: tf.Tensor1D) =>
  sllForward(products(g), x, p.kernel, p.bias, t) as { act: tf.Tensor4D; value: tf.Tensor4D };

/** dx, and the partial sums of dK, db and dt (`partialSums`), from the layer's saved tensors. */
function backward(
  g: ConvGeometry,
  dy: tf.Tensor,
  x: tf.Tensor,
  kernel: ParamSlice,
  t: tf.Tensor,
  act: tf.Tensor,
) {
  const { dz, dx } = sllInputGradient(products(g), dy, kernel, t, act);
  const partials = partialSums(g, x, dy, dz, act, t);
  dz.dispose();
  return { dx, partials };
}

/**
 * `x - 2 conv_transpose2d(t relu(conv2d(x, K) + b), K)` for `x [N, H, W, cin]` and its gradients
 * for x, K, b and t, on WebGPU.
 */
export const sllConvLayerOnWebGpu = customGradient<
  (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, t: tf.Tensor1D) => tf.Tensor4D
>((x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, t: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const g = geometry(x, kernel.shape);
  const { act, value } = forward(
    g,
    x,
    { kernel: wholeTensor(kernel), bias: wholeTensor(bias), shape: kernel.shape },
    t,
  );
  save([x, kernel, t, act]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ks, ts, as] = saved;
      const { dx, partials } = backward(g, dy, xs, wholeTensor(ks), ts, as);
      const filterSize = ks.size;
      const grads = [
        dx,
        sumOfChunks(partials, 0, ks.shape),
        sumOfChunks(partials, filterSize, [g.inner]),
        sumOfChunks(partials, filterSize + g.inner, [g.inner]),
      ];
      partials.dispose();
      return grads;
    },
  };
});

/**
 * The conv layer of a training step on WebGPU, as a function of x alone: t is computed from the
 * kernel inside, and the backward pass adds the gradients of K (through the layer and through t)
 * and b into the step's flat gradient, where kernel and bias lie side by side as in the flat
 * parameters (`gradient.offset` is the kernel's). Nine programs: KtK, t, two forward, dz, dx, the
 * partial sums, their sum into the gradient, and t's part of dK.
 */
export function convLayerForTraining(p: ConvParams, gradient: GradientSlot): (x: tf.Tensor4D) => tf.Tensor4D {
  const filterSize = p.shape.reduce((a, b) => a * b, 1);
  if (p.bias.offset !== p.kernel.offset + filterSize) {
    throw new Error('SLL conv training: the bias must follow the kernel in the flat parameters');
  }
  return customGradient<(x: tf.Tensor4D) => tf.Tensor4D>((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const g = geometry(x, p.shape);
    const ktk = kernelGram(p.kernel, p.shape);
    const t = inverseRowSums(ktk);
    const { act, value } = forward(g, x, p, t);
    save([x, ktk, t, act]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ktks, ts, as] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor4D];
        const { dx, partials } = backward(g, dy, xs, p.kernel, ts, as);
        addSumOfChunks(partials, filterSize + g.inner, gradient);
        addScalingGradient(p.kernel, p.shape, ktks, ts, partials, filterSize + g.inner, gradient);
        partials.dispose();
        return dx;
      },
    };
  });
}
