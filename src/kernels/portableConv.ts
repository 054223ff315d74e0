/**
 * A stride-1 NHWC convolution whose gradients use only ops that every tfjs backend runs well.
 *
 * tfjs 4.22's CPU backend spends 11-18 s in Conv2DBackpropFilter where the forward conv takes
 * 0.2 s, and the WASM backend has no Conv2DBackpropFilter at all. Here the input gradient is a
 * plain conv2d with the flipped, transposed filter (conv2d beats conv2dTranspose on WASM), and the
 * filter gradient is im2col + one matMul.
 */
import * as tf from '@tensorflow/tfjs';

/** The filter that turns a conv2d into its adjoint: flip both spatial axes, swap in/out channels. */
export function adjointFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
}

/** Patches of `x` (already padded) as rows: `[N*Ho*Wo, kh*kw*C]`, columns ordered (u, v, c). */
function im2col(xPadded: tf.Tensor4D, kh: number, kw: number, ho: number, wo: number): tf.Tensor2D {
  const [n, , , c] = xPadded.shape;
  const slices: tf.Tensor4D[] = [];
  for (let u = 0; u < kh; u++) {
    for (let v = 0; v < kw; v++) slices.push(tf.slice(xPadded, [0, u, v, 0], [n, ho, wo, c]));
  }
  return tf.reshape(tf.concat(slices, 3), [n * ho * wo, kh * kw * c]);
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
        const [kh, kw, cin, cout] = fs.shape;
        const [n, ho, wo] = dyt.shape;
        if (kh - 1 - pad < 0) throw new Error(`portable conv: padding ${pad} exceeds kernel ${kh}-1`);
        const dx = tf.conv2d(dyt, adjointFilter(fs), 1, kh - 1 - pad);
        const xPadded = tf.pad(xs, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ]);
        const cols = im2col(xPadded, kh, kw, ho, wo);
        const dFlat = tf.matMul(cols, tf.reshape(dyt, [n * ho * wo, cout]), true, false);
        return [dx, tf.reshape(dFlat, [kh, kw, cin, cout])];
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
