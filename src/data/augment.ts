import * as tf from '@tensorflow/tfjs';
import type { Uniform } from './batches.ts';
import { colorJitter, type ColorJitterParams } from './colorJitter.ts';
import { gatherRows } from './gatherRows.ts';

/** Plain data, so it crosses postMessage and fits in a URL. */
export interface AugmentConfig {
  enabled: boolean;
  /** Reflect padding before a random crop back to the input size; 0 turns cropping off. */
  cropPadding: number;
  flip: boolean;
  /** Factor ranges as torchvision's ColorJitter resolves them; null turns jitter off. */
  jitter: {
    brightness: [number, number];
    contrast: [number, number];
    saturation: [number, number];
    hue: [number, number];
  } | null;
}

/** docs/math.md §3: crop 32 with 4-pixel reflect padding, flip, ColorJitter(0.1, (0.5, 2), (0.3, 2), 0.02). */
export const OFFICIAL_AUGMENT: AugmentConfig = {
  enabled: true,
  cropPadding: 4,
  flip: true,
  jitter: { brightness: [0.9, 1.1], contrast: [0.5, 2], saturation: [0.3, 2], hue: [-0.02, 0.02] },
};

export const NO_AUGMENT: AugmentConfig = { enabled: false, cropPadding: 0, flip: false, jitter: null };

/** Every random choice for one batch, drawn in JavaScript so any backend gives the same result. */
export interface AugmentParams {
  /** Top-left corner of each crop in the padded image, 0..2*padding. */
  cropY: Int32Array;
  cropX: Int32Array;
  flip: Uint8Array;
  jitter: ColorJitterParams | null;
}

function between([low, high]: [number, number], random: Uniform): number {
  return low + (high - low) * random();
}

/** Draws per-image parameters like torchvision's RandomCrop, RandomHorizontalFlip and ColorJitter. */
export function sampleAugmentParams(batch: number, config: AugmentConfig, random: Uniform): AugmentParams {
  const span = 2 * config.cropPadding + 1;
  const params: AugmentParams = {
    cropY: new Int32Array(batch),
    cropX: new Int32Array(batch),
    flip: new Uint8Array(batch),
    jitter: null,
  };
  const jitter = config.jitter;
  if (jitter) {
    params.jitter = {
      order: new Int32Array(4 * batch),
      brightness: new Float32Array(batch),
      contrast: new Float32Array(batch),
      saturation: new Float32Array(batch),
      hue: new Float32Array(batch),
    };
  }
  for (let i = 0; i < batch; i++) {
    if (config.cropPadding > 0) {
      params.cropY[i] = Math.floor(random() * span);
      params.cropX[i] = Math.floor(random() * span);
    }
    if (config.flip) params.flip[i] = random() < 0.5 ? 1 : 0;
    if (jitter && params.jitter) {
      const order = params.jitter.order.subarray(4 * i, 4 * i + 4);
      order.set([0, 1, 2, 3]);
      for (let k = 3; k > 0; k--) {
        const j = Math.floor(random() * (k + 1));
        [order[k], order[j]] = [order[j], order[k]];
      }
      params.jitter.brightness[i] = between(jitter.brightness, random);
      params.jitter.contrast[i] = between(jitter.contrast, random);
      params.jitter.saturation[i] = between(jitter.saturation, random);
      params.jitter.hue[i] = between(jitter.hue, random);
    }
  }
  return params;
}

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
