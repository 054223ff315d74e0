/**
 * SDP-based Lipschitz dense layer (spec 2.2). The weight is `[inner, cin]` as in PyTorch.
 */
import * as tf from '@tensorflow/tfjs';
import { safeDivide } from './safeMath.ts';

/**
 * `t_i = 1 / sum_j exp(q_j - q_i) |W W^T|_ij`, computed as `e_i / sum_j e_j |W W^T|_ij` with
 * `e = exp(q - max q)`, so no exponential can overflow whatever q is.
 */
export function sllDenseScaling(weight: tf.Tensor2D, q: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const gram = tf.abs(tf.matMul(weight, weight, false, true));
    const e = tf.exp(tf.sub(q, tf.max(q)));
    const den = tf.reshape(tf.matMul(gram, tf.reshape(e, [-1, 1])), [-1]);
    return safeDivide(e, den) as tf.Tensor1D;
  });
}

/** `x - 2 * W^T (t * relu(W x + b))` for a batch `x [N, cin]`. */
export function sllDenseLayer(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D,
  scaling: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.mul(tf.relu(tf.add(tf.matMul(x, weight, false, true), bias)), scaling) as tf.Tensor2D;
    return tf.sub(x, tf.mul(tf.matMul(z, weight), 2)) as tf.Tensor2D;
  });
}

/** `LinearNormalized`: rows of W scaled to unit norm (floor 1e-12, as F.normalize), plus bias. */
export function normalizeRows(weight: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(weight), 1, true));
    return tf.div(weight, tf.maximum(norms, 1e-12)) as tf.Tensor2D;
  });
}

export function linearNormalized(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(x, normalizeRows(weight), false, true), bias) as tf.Tensor2D);
}
