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
