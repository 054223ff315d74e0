/**
 * The training augmentation as plain data (docs/math.md §3): its settings and every random draw of a
 * batch, made in JavaScript so that every backend, and the lab's own WebGPU program, augments a
 * seeded batch alike. The tensor work is src/data/augment.ts's (and src/kernels/webgpu/augmentProgram.ts's).
 */

import type { Uniform } from './rng.ts';

export interface ColorJitterParams {
  /** For image i, order[4*i + k] is the adjustment applied k-th: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
  order: Int32Array;
  brightness: Float32Array;
  contrast: Float32Array;
  saturation: Float32Array;
  hue: Float32Array;
}

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
