/**
 * `tf.customGrad` with the function's own signature. tfjs types its argument as a variadic function
 * of tensors, which a typed forward with a trailing `save` does not fit, and its result as
 * `(...args: Tensor[]) => Tensor`: the two casts live here, once.
 */
import * as tf from '@tensorflow/tfjs';

type Forward = (...args: never[]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};

export function customGradient<F>(forward: Forward): F {
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}
