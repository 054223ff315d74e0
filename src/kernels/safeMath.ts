import * as tf from '@tensorflow/tfjs';

/**
 * `num / den` with the spec's safe inverse `1/0 := 0`. The inner `where` keeps the unused branch
 * finite, so that its gradient does not turn into NaN.
 */
export function safeDivide(num: tf.Tensor, den: tf.Tensor): tf.Tensor {
  const positive = tf.greater(den, 0);
  const safeDen = tf.where(positive, den, tf.onesLike(den));
  return tf.where(positive, tf.div(num, safeDen), tf.zerosLike(den));
}
