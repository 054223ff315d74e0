// Messages between the dataset harness page, its worker and the spec that reads the results.
import type { SplitName } from '../../src/data/dataset.ts';
import type { LoadProgress } from '../../src/data/loader.ts';

export type { SplitName, LoadProgress };

export interface LoadRequest {
  type: 'load';
  baseUrl: string;
  splits: SplitName[];
}

/** A few decoded bytes of one image, to show and to compare with the Node decoder. */
export interface PixelSample {
  image: number;
  /** The first four pixels (12 bytes, RGB) and the last pixel (3 bytes) of the image. */
  first: number[];
  last: number[];
}

export interface SplitReport {
  split: SplitName;
  n: number;
  /** From asking for the split to having all of it decoded and checked, in milliseconds. */
  ms: number;
  /** When each shard finished, in milliseconds from the start of the split. */
  shardMs: number[];
  networkBytes: number;
  cacheBytes: number;
  /** True when every byte of the split came from the Cache API. */
  fromCache: boolean;
  classCounts: number[];
  pixelsSha256: string;
  labelsSha256: string;
  /** The labels of the first ten images. */
  firstLabels: number[];
  samples: PixelSample[];
  progressEvents: number;
}

export interface HarnessResult {
  ok: boolean;
  /** Present when ok is false: what the page shows the user. */
  error?: { name: string; message: string };
  manifestMs: number;
  /** Only the splits that loaded completely. */
  splits: SplitReport[];
  /** Dataset URLs the worker passed to fetch(), in order (the manifest and any cache misses). */
  fetched: string[];
}

export type WorkerMessage =
  { type: 'progress'; progress: LoadProgress; atMs: number } | { type: 'done'; result: HarnessResult };

export function sampleImages(n: number): number[] {
  return [0, 1, n - 1];
}

export function samplePixels(images: Uint8Array, n: number, imageBytes: number): PixelSample[] {
  return sampleImages(n).map((image) => {
    const start = image * imageBytes;
    return {
      image,
      first: Array.from(images.subarray(start, start + 12)),
      last: Array.from(images.subarray(start + imageBytes - 3, start + imageBytes)),
    };
  });
}
