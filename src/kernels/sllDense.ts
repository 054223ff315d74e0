/**
 * SDP-based Lipschitz dense layer (docs/math.md §2.2). The weight is `[inner, cin]` as in PyTorch.
 */
import * as tf from '@tensorflow/tfjs';
import { gramMatrix, matMul2d } from './matMul.ts';
import { absWithSignGradient, positiveMask, safeDivide } from './safeMath.ts';
import { sllDenseLayerOnWebGpu } from './webgpu/denseLayerPrograms.ts';
import { denseScalingOnWebGpu } from './webgpu/denseScalingPrograms.ts';
import { NORM_FLOOR, linearNormalizedOnWebGpu } from './webgpu/headPrograms.ts';
import { onWebGpu } from './webgpu/program.ts';

/** A float32-safe stand-in for -infinity in masked maxima. */
const NEGATIVE_HUGE = -1e30;

/**
 * `t_i = 1 / sum_j exp(q_j - q_i) |W W^T|_ij`, computed as `exp(q_i - m_i) / sum_j exp(q_j - m_i) |W W^T|_ij`
 * with `m_i = max { q_j : |W W^T|_ij > 0 }`. Every exponent that meets a non-zero Gram entry is
 * then <= 0, so nothing overflows whatever q is (the official code's exp(q) overflows past 88), and
 * the largest term of each row is exactly 1, so nothing that matters underflows either.
 */
export function sllDenseScaling(weight: tf.Tensor2D, q: tf.Tensor1D): tf.Tensor1D {
  if (onWebGpu()) return tf.tidy(() => denseScalingOnWebGpu(gramMatrix(weight), q));
  return tf.tidy(() => {
    const gram = absWithSignGradient(gramMatrix(weight));
    const nonzero = positiveMask(gram);
    const offMask = tf.mul(tf.sub(nonzero, 1), -NEGATIVE_HUGE); // 0 where kept, -1e30 where masked
    const qCols = tf.reshape(q, [1, -1]);
    const rowMax = tf.max(tf.add(tf.mul(qCols, nonzero), offMask), 1, true);
    const exponents = tf.add(tf.mul(tf.sub(qCols, rowMax), nonzero), offMask);
    const den = tf.sum(tf.mul(tf.exp(exponents), gram), 1);
    // For an all-zero row rowMax is -1e30 and den is 0: the clamp keeps num finite, safeDivide gives 0.
    const num = tf.exp(tf.minimum(tf.sub(q, tf.reshape(rowMax, [-1])), 0));
    return safeDivide(num, den) as tf.Tensor1D;
  });
}

/** `x - 2 * W^T (t * relu(W x + b))` for a batch `x [N, cin]`. */
export function sllDenseLayer(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D,
  scaling: tf.Tensor1D,
): tf.Tensor2D {
  if (onWebGpu()) return sllDenseLayerOnWebGpu(x, weight, bias, scaling);
  return tf.tidy(() => {
    const z = tf.mul(tf.relu(tf.add(matMul2d(x, weight, false, true), bias)), scaling) as tf.Tensor2D;
    return tf.sub(x, tf.mul(matMul2d(z, weight), 2)) as tf.Tensor2D;
  });
}

/**
 * `LinearNormalized`: rows of W scaled to unit norm (with F.normalize's floor), plus bias. The floor
 * is taken under the root, `sqrt(max(|w|^2, floor^2))`, equal to `max(|w|, floor)`: taken over the
 * root, an all-zero row's gradient would pass through sqrt's at 0 and come out NaN, where PyTorch's
 * is `g / floor`.
 */
export function normalizeRows(weight: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.maximum(tf.sum(tf.square(weight), 1, true), NORM_FLOOR * NORM_FLOOR));
    return tf.div(weight, norms) as tf.Tensor2D;
  });
}

export function linearNormalized(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (onWebGpu()) return linearNormalizedOnWebGpu(x, weight, bias);
  return tf.tidy(() => tf.add(matMul2d(x, normalizeRows(weight), false, true), bias) as tf.Tensor2D);
}
