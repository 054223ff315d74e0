// The augmentation of a batch in one WebGPU program (src/kernels/webgpu/augmentProgram.ts) against the
// tfjs ops (src/data/augment.ts) on the CPU backend, from the same draws: every order of the four
// colour adjustments occurs in the batch, and images smaller and larger than a workgroup's threads.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { applyAugment } from '../../../src/data/augment.ts';
import { augmentOnWebGpu } from '../../../src/kernels/webgpu/augmentProgram.ts';
import {
  type AugmentConfig,
  NO_AUGMENT,
  OFFICIAL_AUGMENT,
  sampleAugmentParams,
} from '../../../src/sll/augmentParams.ts';
import { createRng } from '../../../src/sll/rng.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';

const skipped = await startDawnWebgpu();

/** Smooth images with flat patches (grey, saturated, black and white pixels, where hue has edge cases). */
function images(batch: number, size: number): tf.Tensor4D {
  const rng = createRng(7);
  const values = new Float32Array(batch * size * size * 3);
  for (let i = 0; i < values.length; i += 3) {
    const kind = Math.floor(rng.uniform() * 6);
    const base = rng.uniform();
    const rgb =
      kind === 0
        ? [base, base, base]
        : kind === 1
          ? [1, 0, base]
          : kind === 2
            ? [0, 0, 0]
            : kind === 3
              ? [1, 1, 1]
              : [rng.uniform(), rng.uniform(), rng.uniform()];
    values.set(rgb, i);
  }
  return tf.tensor4d(values, [batch, size, size, 3]);
}

const CONFIGS: [string, AugmentConfig][] = [
  ['the official augmentation', OFFICIAL_AUGMENT],
  ['crop and flip only', { ...OFFICIAL_AUGMENT, jitter: null }],
  ['jitter only', { ...OFFICIAL_AUGMENT, cropPadding: 0, flip: false }],
  [
    'a wide jitter',
    {
      ...OFFICIAL_AUGMENT,
      jitter: { brightness: [0.2, 3], contrast: [0, 3], saturation: [0, 3], hue: [-0.5, 0.5] },
    },
  ],
];

describe.skipIf(skipped)('the augmentation on WebGPU', () => {
  it.each(CONFIGS.flatMap(([name, config]) => [[name, 8, config] as const, [name, 32, config] as const]))(
    '%s on %i-pixel images equals the tfjs ops on the CPU',
    async (_, size, config) => {
      const batch = 48;
      const params = sampleAugmentParams(batch, config, createRng(3).uniform);
      if (config.jitter) {
        const orders = new Set(
          Array.from({ length: batch }, (_, i) => params.jitter!.order.slice(4 * i, 4 * i + 4).join('')),
        );
        expect(orders.size).toBeGreaterThan(15);
      }
      const x = images(batch, size);
      const expected = await onBackend('cpu', async () => {
        const onCpu = tf.tensor4d(await x.data(), x.shape);
        const out = applyAugment(onCpu, config, params);
        const values = await out.data();
        tf.dispose([onCpu, out]);
        return values;
      });
      const before = tf.memory().numTensors;
      const out = augmentOnWebGpu(x, config.cropPadding, params);
      const actual = await out.data();
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
      // Values in [0, 1]: float32 rounding in another order, and hue's floor near a sector's edge.
      expect(worst).toBeLessThan(1e-5);
      x.dispose();
    },
  );

  it('without augmentation, returns the images as they are', async () => {
    const x = images(3, 8);
    const out = augmentOnWebGpu(x, 0, sampleAugmentParams(3, NO_AUGMENT, createRng(1).uniform));
    expect(await out.data()).toEqual(await x.data());
    tf.dispose([x, out]);
  });
});
