import * as tf from '@tensorflow/tfjs';
import type { Uniform } from '../sll/rng.ts';
import type { DatasetSplit } from './dataset.ts';

export interface Batch {
  /** [B, H, W, C] float32 in [0, 1]. */
  images: tf.Tensor4D;
  /** [B] int32 class indices. */
  labels: tf.Tensor1D;
}

/** 0..n-1 in a Fisher-Yates order drawn from `random`. */
export function shuffledIndices(n: number, random: Uniform): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * One epoch of training batches as index lists: a fresh shuffle, and only full batches, as the
 * official schedule counts floor(N / batch) steps per epoch.
 */
export function trainBatchIndices(n: number, batchSize: number, random: Uniform): Int32Array[] {
  checkBatchSize(batchSize);
  const order = shuffledIndices(n, random);
  const steps = Math.floor(n / batchSize);
  return Array.from({ length: steps }, (_, s) => order.subarray(s * batchSize, (s + 1) * batchSize));
}

/** Evaluation batches in dataset order; the last one may be smaller so every image counts. */
export function evalBatchIndices(n: number, batchSize: number): Int32Array[] {
  checkBatchSize(batchSize);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: Math.ceil(n / batchSize) }, (_, s) =>
    order.subarray(s * batchSize, Math.min(n, (s + 1) * batchSize)),
  );
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  }
}

/** Gathers the images at `indices` into tensors; the caller owns (and disposes) them. */
export function makeBatch(split: DatasetSplit, indices: ArrayLike<number>): Batch {
  const { imageSize, channels } = split;
  const imageBytes = imageSize * imageSize * channels;
  const b = indices.length;
  // float32(x / 255) here equals PyTorch's ToTensor (a correctly rounded float32 division).
  const pixels = new Float32Array(b * imageBytes);
  const labels = new Int32Array(b);
  for (let k = 0; k < b; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < split.n)) throw new RangeError(`image index ${i} is outside 0..${split.n - 1}`);
    const source = split.images.subarray(i * imageBytes, (i + 1) * imageBytes);
    const target = k * imageBytes;
    for (let p = 0; p < imageBytes; p++) pixels[target + p] = source[p] / 255;
    labels[k] = split.labels[i];
  }
  return {
    images: tf.tensor4d(pixels, [b, imageSize, imageSize, channels], 'float32'),
    labels: tf.tensor1d(labels, 'int32'),
  };
}
