import * as tf from '@tensorflow/tfjs';

/**
 * Masks are built with `sign` of a non-negative tensor rather than `greater`: tfjs cannot
 * differentiate through comparison ops, and a mask from `sign` is exactly 0 or 1 with a zero
 * gradient. Arithmetic on the mask replaces `where`, whose unused branch could carry NaN into the
 * gradient, and no infinity is ever formed (WGSL may assume there are none).
 */
export function positiveMask(nonNegative: tf.Tensor): tf.Tensor {
  return tf.sign(nonNegative);
}

/** `num / den` with the spec's safe inverse `1/0 := 0`, for `den >= 0`. */
export function safeDivide(num: tf.Tensor, den: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const positive = positiveMask(den);
    return tf.mul(tf.div(num, tf.add(den, tf.sub(1, positive))), positive);
  });
}

/**
 * `|x|` whose gradient is `sign(x)`, 0 at 0 as in PyTorch (tfjs's Abs gives -1 there, which would
 * hand a dead output channel a gradient the authors' code does not). Exact: sign is -1, 0 or 1, and
 * tfjs gives Sign a zero gradient.
 */
export function absWithSignGradient(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sign(x)));
}
