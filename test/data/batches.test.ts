import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sll/rng.ts';
import { evalBatchIndices, makeBatch, shuffledIndices, trainBatchIndices } from '../../src/data/batches.ts';
import type { DatasetSplit } from '../../src/data/dataset.ts';

function uniform(seed: number) {
  const rng = createRng(seed);
  return () => rng.uniform();
}

describe('batches', () => {
  it('shuffles reproducibly from the seed, differently per epoch, as a permutation', () => {
    const a = shuffledIndices(100, uniform(7));
    expect(a).toEqual(shuffledIndices(100, uniform(7)));
    expect(a).not.toEqual(shuffledIndices(100, uniform(8)));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const random = uniform(7);
    const epoch1 = trainBatchIndices(100, 10, random);
    const epoch2 = trainBatchIndices(100, 10, random);
    expect(epoch1.flatMap((b) => Array.from(b))).not.toEqual(epoch2.flatMap((b) => Array.from(b)));
  });

  it('drops the last partial batch for training and keeps it for evaluation', () => {
    const train = trainBatchIndices(50_000, 64, uniform(1));
    expect(train.length).toBe(781);
    expect(train.every((b) => b.length === 64)).toBe(true);
    expect(new Set(train.flatMap((b) => Array.from(b))).size).toBe(781 * 64);

    const evaluation = evalBatchIndices(10_000, 64);
    expect(evaluation.length).toBe(157);
    expect(evaluation.at(-1)!.length).toBe(10_000 - 156 * 64);
    expect(Array.from(evaluation[1].subarray(0, 3))).toEqual([64, 65, 66]);
    expect(() => evalBatchIndices(10, 0)).toThrow(/positive integer, got 0/);
  });

  it('makes [B, H, W, C] float32 images in [0, 1] and int32 labels from the chosen indices', () => {
    const split: DatasetSplit = {
      n: 3,
      imageSize: 2,
      channels: 3,
      images: Uint8Array.from({ length: 36 }, (_, i) => i * 7),
      labels: Uint8Array.from([4, 5, 6]),
    };
    const before = tf.memory().numTensors;
    const batch = makeBatch(split, [2, 0]);
    expect(batch.images.shape).toEqual([2, 2, 2, 3]);
    expect(batch.images.dtype).toBe('float32');
    expect(batch.labels.dtype).toBe('int32');
    const pixels = batch.images.dataSync();
    expect(pixels[0]).toBe(Math.fround((24 * 7) / 255));
    expect(pixels[12 + 11]).toBe(Math.fround((11 * 7) / 255));
    expect(Array.from(batch.labels.dataSync())).toEqual([6, 4]);
    tf.dispose([batch.images, batch.labels]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => makeBatch(split, [3])).toThrow(/image index 3 is outside 0..2/);
  });
});
