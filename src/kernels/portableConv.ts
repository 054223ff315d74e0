/**
 * A stride-1 NHWC convolution whose gradients use only ops that every tfjs backend runs well.
 *
 * tfjs 4.22's CPU backend spends 11-18 s in Conv2DBackpropFilter where the forward conv takes
 * 0.2 s, and the WASM backend has no Conv2DBackpropFilter at all. Here the input gradient is a
 * plain conv2d with the flipped, transposed filter (conv2d beats conv2dTranspose on WASM), and the
 * filter gradient is one more forward conv2d (see `filterGradient`).
 */
import * as tf from '@tensorflow/tfjs';

/** The filter that turns a conv2d into its adjoint: flip both spatial axes, swap in/out channels. */
export function adjointFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
}

/**
 * Filter gradient `dF[u, v, c, o] = sum_{n,h,w} xPad[n, h+u, w+v, c] * dy[n, h, w, o]`, written as a
 * forward conv2d with batch and channels swapped: images `[c, Hp, Wp, n]`, filter `[Ho, Wo, n, o]`.
 * Measured (batch 32, 16->16 channels, 32x32, tfjs 4.22, this 2-core machine): CPU 0.32 s vs
 * 2.6 s for im2col + matMul (the CPU backend's strided slices are slow) and 12 s for tfjs's
 * Conv2DBackpropFilter; WASM 14 ms vs 108 ms for im2col + matMul.
 */
function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, pad: number): tf.Tensor4D {
  const xPadded = tf.pad(x, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  const images = tf.transpose(xPadded, [3, 1, 2, 0]) as tf.Tensor4D;
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  const grad = tf.conv2d(images, filter, 1, 'valid');
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) throw new Error('portable conv: filter gradient shape');
  return tf.transpose(grad, [1, 2, 0, 3]) as tf.Tensor4D;
}

type ConvFn = (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D;

const convByPad = new Map<number, ConvFn>();

function makeConv(pad: number): ConvFn {
  const forward = (xt: tf.Tensor4D, ft: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xt, ft]);
    return {
      value: tf.conv2d(xt, ft, 1, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dyt = dy as tf.Tensor4D;
        const [kh, kw] = fs.shape;
        if (kh - 1 - pad < 0) throw new Error(`portable conv: padding ${pad} exceeds kernel ${kh}-1`);
        const dx = tf.conv2d(dyt, adjointFilter(fs), 1, kh - 1 - pad);
        return [dx, filterGradient(xs, dyt, kh, kw, pad)];
      },
    };
  };
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as ConvFn;
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
