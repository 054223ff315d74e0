import * as tf from '@tensorflow/tfjs';

/** A variable made from `initial`, which is disposed: the variable keeps the data, not the tensor. */
export function ownedVariable<R extends tf.Rank>(initial: tf.Tensor<R>, trainable = true): tf.Variable<R> {
  const v = tf.variable(initial, trainable);
  initial.dispose();
  return v;
}
