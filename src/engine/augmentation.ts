/**
 * A training batch's augmentation on the running backend: the lab's one program on WebGPU
 * (src/kernels/webgpu/augmentProgram.ts), tfjs ops elsewhere (src/data/augment.ts), from the same
 * random draws, so a seeded run augments alike on every backend.
 */
import type * as tf from '@tensorflow/tfjs';
import { augmentBatch } from '../data/augment.ts';
import { augmentOnWebGpu } from '../kernels/webgpu/augmentProgram.ts';
import { onWebGpu } from '../kernels/webgpu/program.ts';
import { type AugmentConfig, sampleAugmentParams } from '../sll/augmentParams.ts';
import type { Uniform } from '../sll/rng.ts';

/** Augments a `[B, H, W, C]` batch in [0, 1]; returns a new tensor the caller owns. */
export function augmentOnBackend(images: tf.Tensor4D, config: AugmentConfig, random: Uniform): tf.Tensor4D {
  if (!config.enabled || !onWebGpu()) return augmentBatch(images, config, random);
  return augmentOnWebGpu(images, config.cropPadding, sampleAugmentParams(images.shape[0], config, random));
}
