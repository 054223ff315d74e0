import * as tf from '@tensorflow/tfjs';
import type { Uniform } from './batches.ts';
import { colorJitter, selectImages, type ColorJitterParams } from './colorJitter.ts';

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

/** Spec section 3: crop 32 with 4-pixel reflect padding, flip, ColorJitter(0.1, (0.5, 2), (0.3, 2), 0.02). */
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

/**
 * Pads each image by reflection (torchvision padding_mode='reflect': the edge pixel is not
 * repeated) and cuts out an input-sized window at (cropY[i], cropX[i]), all in one gather.
 */
export function cropWithPadding(
  images: tf.Tensor4D,
  padding: number,
  cropY: Int32Array,
  cropX: Int32Array,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width] = images.shape;
    const padded = tf.mirrorPad(
      images,
      [
        [0, 0],
        [padding, padding],
        [padding, padding],
        [0, 0],
      ],
      'reflect',
    );
    const shape: [number, number, number, number] = [batch, height, width, 1];
    const rows = tf
      .tensor1d(cropY, 'int32')
      .reshape([batch, 1, 1, 1])
      .add(tf.range(0, height, 1, 'int32').reshape([1, height, 1, 1]));
    const cols = tf
      .tensor1d(cropX, 'int32')
      .reshape([batch, 1, 1, 1])
      .add(tf.range(0, width, 1, 'int32').reshape([1, 1, width, 1]));
    const image = tf.range(0, batch, 1, 'int32').reshape([batch, 1, 1, 1]);
    const indices = tf.concat(
      [image.broadcastTo(shape), rows.broadcastTo(shape), cols.broadcastTo(shape)],
      3,
    );
    return tf.gatherND(padded, indices) as tf.Tensor4D;
  });
}

/** Mirrors left-right the images whose flag is 1. */
export function flipHorizontally(images: tf.Tensor4D, flags: Uint8Array): tf.Tensor4D {
  return tf.tidy(() => selectImages(tf.tensor1d(flags, 'bool'), tf.reverse(images, 2), images));
}

/** Crop, then flip, then colour jitter, as the training transform lists them. */
export function applyAugment(images: tf.Tensor4D, config: AugmentConfig, params: AugmentParams): tf.Tensor4D {
  return tf.tidy(() => {
    if (!config.enabled) return images.clone();
    let x = images;
    if (config.cropPadding > 0) x = cropWithPadding(x, config.cropPadding, params.cropY, params.cropX);
    if (config.flip) x = flipHorizontally(x, params.flip);
    if (config.jitter && params.jitter) x = colorJitter(x, params.jitter);
    return x === images ? images.clone() : x;
  });
}

/** Augments a [B, H, W, C] batch in [0, 1]; returns a new tensor the caller owns. */
export function augmentBatch(images: tf.Tensor4D, config: AugmentConfig, random: Uniform): tf.Tensor4D {
  if (!config.enabled) return images.clone();
  return applyAugment(images, config, sampleAugmentParams(images.shape[0], config, random));
}
