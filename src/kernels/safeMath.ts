import * as tf from '@tensorflow/tfjs';

type Divide = (num: tf.Tensor, den: tf.Tensor) => tf.Tensor;

/**
 * `num / den` with the spec's safe inverse `1/0 := 0` (den >= 0 here: sums of absolute values).
 * A custom gradient because tfjs cannot differentiate through the `den > 0` mask, and because the
 * unused branch of a plain `where` would turn the gradient into NaN.
 */
export const safeDivide: Divide = tf.customGrad(((num: tf.Tensor, den: tf.Tensor, save: tf.GradSaveFunc) => {
  const positive = tf.greater(den, 0);
  const safeDen = tf.where(positive, den, tf.onesLike(den));
  const quotient = tf.where(positive, tf.div(num, safeDen), tf.zerosLike(den));
  save([quotient, safeDen, positive]);
  return {
    value: quotient,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [q, d, mask] = saved;
      const dNum = tf.where(mask, tf.div(dy, d), tf.zerosLike(d));
      const dDen = tf.where(mask, tf.neg(tf.div(tf.mul(dy, q), d)), tf.zerosLike(d));
      return [dNum, dDen];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Divide;
