/**
 * SDP-based Lipschitz convolution (docs/math.md §2.1), NHWC. The kernel is a tfjs filter `[k, k, cin, inner]`.
 */
import * as tf from '@tensorflow/tfjs';
import { adjointFilter, portableConv2d } from './portableConv.ts';
import { absWithSignGradient, safeDivide } from './safeMath.ts';
import { sllConvLayerOnWebGpu } from './webgpu/convLayerPrograms.ts';
import { convScalingOnWebGpu } from './webgpu/convScalingPrograms.ts';
import { onWebGpu } from './webgpu/program.ts';

/**
 * Scaling vector `t_i = 1 / sum_{j,u,v} |KtK[i, j, u, v]|` with `KtK = conv2d(K, K, padding k-1)`.
 * The official code multiplies by exp(-q_i) and exp(q_i) on the same axis, so q cancels; it is
 * left out here, which also means |q| > 88 cannot overflow into NaN.
 */
export function sllConvScaling(kernel: tf.Tensor4D): tf.Tensor1D {
  return onWebGpu() ? convScalingOnWebGpu(kernel) : convScalingByOps(kernel);
}

/** The scaling by tfjs ops, on every backend but WebGPU (where webgpu/convScalingPrograms.ts runs). */
export function convScalingByOps(kernel: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const k = kernel.shape[0];
    // The kernel seen as `inner` images of size k x k with `cin` channels.
    const kernelImages = tf.transpose(kernel, [3, 0, 1, 2]) as tf.Tensor4D;
    const ktk = portableConv2d(kernelImages, kernel, k - 1);
    const rowSums = tf.sum(absWithSignGradient(ktk), [1, 2, 3]);
    return safeDivide(tf.onesLike(rowSums), rowSums) as tf.Tensor1D;
  });
}

/** `x - 2 * conv_transpose2d(t * relu(conv2d(x, K, pad 1) + b), K, pad 1)` for `x [N, H, W, cin]`. */
export function sllConvLayer(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D,
  scaling: tf.Tensor1D,
): tf.Tensor4D {
  if (onWebGpu()) return sllConvLayerOnWebGpu(x, kernel, bias, scaling);
  return tf.tidy(() => {
    const pad = (kernel.shape[0] - 1) / 2;
    const y = portableConv2d(x, kernel, pad);
    const z = tf.mul(tf.relu(tf.add(y, bias)), scaling) as tf.Tensor4D;
    const back = portableConv2d(z, adjointFilter(kernel), pad);
    return tf.sub(x, tf.mul(back, 2)) as tf.Tensor4D;
  });
}
