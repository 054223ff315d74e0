/**
 * A stride-1 NHWC convolution whose gradients use only ops that every tfjs backend runs well.
 *
 * tfjs 4.22's CPU backend is many times slower in Conv2DBackpropFilter than in the forward conv,
 * and the WASM backend has no Conv2DBackpropFilter at all. Here every convolution (the
 * value, and the input gradient: a convolution with the adjoint filter) and the filter gradient
 * take the form that the benchmark measured fastest on the running backend (`CONV_FORMS_BY_BACKEND`).
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from './customGradient.ts';
import { matMul2d } from './matMul.ts';

/** The filter that turns a conv2d into its adjoint: flip both spatial axes, swap in/out channels. */
export function adjointFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
}

function padSpatial(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  return tf.pad(x, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
}

/** The gradient of `conv2d(x, F, 1, pad)` with respect to a `[kh, kw, c, o]` filter F. */
type FilterGradient = (x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, pad: number) => tf.Tensor4D;

/**
 * Filter gradient `dF[u, v, c, o] = sum_{n,h,w} xPad[n, h+u, w+v, c] * dy[n, h, w, o]`, written as a
 * forward conv2d with batch and channels swapped: images `[c, Hp, Wp, n]`, filter `[Ho, Wo, n, o]`.
 * On the CPU backend it beats im2col (whose strided slices are slow there) and tfjs's
 * Conv2DBackpropFilter by far; docs/performance.md has the measurements.
 */
export const filterGradientBySwap: FilterGradient = (x, dy, kh, kw, pad) =>
  tf.tidy(() => {
    const images = tf.transpose(padSpatial(x, pad), [3, 1, 2, 0]) as tf.Tensor4D;
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const grad = tf.conv2d(images, filter, 1, 'valid');
    if (grad.shape[1] !== kh || grad.shape[2] !== kw) throw new Error('portable conv: filter gradient shape');
    return tf.transpose(grad, [1, 2, 0, 3]) as tf.Tensor4D;
  });

/** im2col by tfjs ops: the k*k shifted windows of the padded input side by side, `[N*Ho*Wo, k*k*c]`. */
export function im2colByOps(x: tf.Tensor4D, kh: number, kw: number, pad: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [ho, wo] = [h + 2 * pad - kh + 1, w + 2 * pad - kw + 1];
    const xPadded = padSpatial(x, pad);
    const windows: tf.Tensor4D[] = [];
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) windows.push(tf.slice(xPadded, [0, u, v, 0], [n, ho, wo, c]));
    }
    return tf.reshape(tf.concat(windows, 3), [n * ho * wo, kh * kw * c]);
  });
}

/**
 * The same gradient as one matMul: im2col patches (`[N*Ho*Wo, k*k*c]`) times dy (`[N*Ho*Wo, o]`).
 * The reduction over the batch and the pixels is the matMul's inner dimension, which GPU matMul
 * kernels split across workgroups, where the swapped conv gives each of the k*k*c*o outputs one
 * long serial loop.
 */
export const filterGradientByIm2col: FilterGradient = (x, dy, kh, kw, pad) =>
  tf.tidy(() => {
    const [n, ho, wo, o] = dy.shape;
    const c = x.shape[3];
    const patches = im2colByOps(x, kh, kw, pad);
    const grad = matMul2d(patches, tf.reshape(dy, [n * ho * wo, o]) as tf.Tensor2D, true, false);
    return tf.reshape(grad, [kh, kw, c, o]) as tf.Tensor4D;
  });

/** tfjs's own filter gradient: slow on CPU, missing on WASM, the fastest on WebGPU (see below). */
export const filterGradientNative: FilterGradient = (x, dy, kh, kw, pad) => {
  const filterShape = [kh, kw, x.shape[3], dy.shape[3]];
  const attrs = { strides: 1, pad, dataFormat: 'NHWC', filterShape };
  return tf
    .engine()
    .runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
};

/**
 * `conv2d(x, filter, 1, pad)` as tfjs's transposed convolution of the adjoint filter: the same
 * numbers (the adjoint of the adjoint is the filter), computed by another kernel.
 */
export function convByTranspose(x: tf.Tensor4D, filter: tf.Tensor4D, pad: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, , out] = filter.shape;
    const [n, h, w] = x.shape;
    const shape: [number, number, number, number] = [n, h + 2 * pad - kh + 1, w + 2 * pad - kw + 1, out];
    return tf.conv2dTranspose(x, adjointFilter(filter), shape, 1, kh - 1 - pad);
  });
}

export interface ConvForms {
  conv: 'conv2d' | 'conv2dTranspose';
  filterGradient: 'swap' | 'im2col' | 'native';
}

/**
 * The fastest form per backend, from the formulations tables of `npm run bench` (lab's layer,
 * batch 64; docs/performance.md): WASM and CPU measured on a 2-core machine, WebGL and WebGPU on an
 * NVIDIA H200. SwiftShader ranks WebGPU's forms the other way round: we follow the GPU.
 */
export const CONV_FORMS_BY_BACKEND: Record<string, ConvForms> = {
  wasm: { conv: 'conv2d', filterGradient: 'swap' },
  cpu: { conv: 'conv2dTranspose', filterGradient: 'swap' },
  webgl: { conv: 'conv2d', filterGradient: 'im2col' },
  webgpu: { conv: 'conv2d', filterGradient: 'im2col' },
};

/**
 * tfjs flags set when a backend starts. WebGL: the packed direct convolution (WEBGL_EXP_CONV)
 * instead of tfjs's default im2row + matMul, faster for the lab layer and for certification on a
 * real GPU (docs/performance.md), though slower on SwiftShader, where no user trains.
 */
export const CONV_FLAGS_BY_BACKEND: Record<string, Record<string, boolean>> = {
  webgl: { WEBGL_EXP_CONV: true },
};

const DEFAULT_FORMS: ConvForms = { conv: 'conv2d', filterGradient: 'swap' };

const formsHere = () => CONV_FORMS_BY_BACKEND[tf.getBackend()] ?? DEFAULT_FORMS;

function stridedConv(x: tf.Tensor4D, filter: tf.Tensor4D, pad: number): tf.Tensor4D {
  return formsHere().conv === 'conv2dTranspose'
    ? convByTranspose(x, filter, pad)
    : tf.conv2d(x, filter, 1, pad);
}

const FILTER_GRADIENTS = {
  swap: filterGradientBySwap,
  im2col: filterGradientByIm2col,
  native: filterGradientNative,
};

const filterGradient: FilterGradient = (x, dy, kh, kw, pad) =>
  FILTER_GRADIENTS[formsHere().filterGradient](x, dy, kh, kw, pad);

type ConvFn = (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D;

const convByPad = new Map<number, ConvFn>();

function makeConv(pad: number): ConvFn {
  const forward = (xt: tf.Tensor4D, ft: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xt, ft]);
    return {
      value: stridedConv(xt, ft, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dyt = dy as tf.Tensor4D;
        const [kh, kw] = fs.shape;
        if (kh - 1 - pad < 0) throw new Error(`portable conv: padding ${pad} exceeds kernel ${kh}-1`);
        const dx = stridedConv(dyt, adjointFilter(fs), kh - 1 - pad);
        return [dx, filterGradient(xs, dyt, kh, kw, pad)];
      },
    };
  };
  return customGradient<ConvFn>(forward);
}

/** `conv2d(x, filter, stride 1, padding pad)` (cross-correlation, NHWC, filter [kh, kw, in, out]). */
export function portableConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, pad: number): tf.Tensor4D {
  let fn = convByPad.get(pad);
  if (!fn) {
    fn = makeConv(pad);
    convByPad.set(pad, fn);
  }
  return fn(x, filter);
}
