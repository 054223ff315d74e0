import * as tf from '@tensorflow/tfjs';
import { type AugmentConfig, type AugmentParams, sampleAugmentParams } from '../sll/augmentParams.ts';
import type { Uniform } from '../sll/rng.ts';
import { colorJitter } from './colorJitter.ts';
import { gatherRows } from './gatherRows.ts';

/** Reflects an out-of-range index back in without repeating the edge, as torchvision padding_mode='reflect'. */
function reflect(i: number, n: number): number {
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/**
 * Pads each image by reflection, cuts out an input-sized window at (cropY[i], cropX[i]) and
 * mirrors it left-right where flip[i] is 1. The source pixel of every output pixel is worked out
 * here, so the whole move is one row gather: padding, index arithmetic and per-image selection
 * on the backend cost far more than the copy itself.
 */
function moveImages(
  images: tf.Tensor4D,
  padding: number,
  cropY: Int32Array,
  cropX: Int32Array,
  flip: Uint8Array | null,
): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  if (padding >= height || padding >= width) {
    throw new Error(`reflect padding ${padding} needs images larger than ${height}x${width}`);
  }
  const rows = new Int32Array(batch * height * width);
  for (let b = 0, out = 0; b < batch; b++) {
    for (let y = 0; y < height; y++) {
      const sourceRow = (b * height + reflect(cropY[b] + y - padding, height)) * width;
      for (let x = 0; x < width; x++, out++) {
        const column = flip && flip[b] ? width - 1 - x : x;
        rows[out] = sourceRow + reflect(cropX[b] + column - padding, width);
      }
    }
  }
  return tf.tidy(() => {
    const pixels = images.reshape([batch * height * width, channels]) as tf.Tensor2D;
    return gatherRows(pixels, rows).reshape(images.shape) as tf.Tensor4D;
  });
}

/** Pads each image by reflection and cuts out an input-sized window at (cropY[i], cropX[i]). */
export function cropWithPadding(
  images: tf.Tensor4D,
  padding: number,
  cropY: Int32Array,
  cropX: Int32Array,
): tf.Tensor4D {
  return moveImages(images, padding, cropY, cropX, null);
}

/** Mirrors left-right the images whose flag is 1. */
export function flipHorizontally(images: tf.Tensor4D, flags: Uint8Array): tf.Tensor4D {
  const noOffsets = new Int32Array(images.shape[0]);
  return moveImages(images, 0, noOffsets, noOffsets, flags);
}

/** Crop, then flip, then colour jitter, as the training transform lists them. */
export function applyAugment(images: tf.Tensor4D, config: AugmentConfig, params: AugmentParams): tf.Tensor4D {
  return tf.tidy(() => {
    if (!config.enabled) return images.clone();
    let x = images;
    if (config.cropPadding > 0 || config.flip) {
      const cropped = config.cropPadding > 0;
      const noOffsets = new Int32Array(images.shape[0]);
      x = moveImages(
        x,
        config.cropPadding,
        cropped ? params.cropY : noOffsets,
        cropped ? params.cropX : noOffsets,
        config.flip ? params.flip : null,
      );
    }
    if (config.jitter && params.jitter) x = colorJitter(x, params.jitter);
    return x === images ? images.clone() : x;
  });
}

/** Augments a [B, H, W, C] batch in [0, 1]; returns a new tensor the caller owns. */
export function augmentBatch(images: tf.Tensor4D, config: AugmentConfig, random: Uniform): tf.Tensor4D {
  if (!config.enabled) return images.clone();
  return applyAugment(images, config, sampleAugmentParams(images.shape[0], config, random));
}
