import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES } from '../../src/sll/cifar.ts';
import { generateCifar10 } from '../../scripts/generateCifar10.ts';
import { type DatasetManifest, type ManifestFile, parseManifest } from '../../src/data/manifest.ts';
import { loadDatasetNode } from '../../src/cli/nodeDataset.ts';
import { decodePngInNode } from '../../src/cli/nodePngDecoder.ts';
import { sha256Hex } from '../../src/data/sha256.ts';

// These tests read the real CIFAR-10 files that `npm run datasets` makes (made here if missing).
let dir: string;
let manifest: DatasetManifest;

beforeAll(async () => {
  dir = (await generateCifar10()).outDir;
  manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
});

function classCounts(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(CIFAR10_CLASSES.length).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** Every file the manifest lists, in the order the loader fetches them (test first). */
export function manifestFiles(manifest: DatasetManifest): ManifestFile[] {
  return (['test', 'train'] as const).flatMap((name) =>
    manifest.splits[name].shards.flatMap((s) => [s.labels, s.images]),
  );
}

describe('shipped CIFAR-10', () => {
  it('has a manifest whose sizes and sha256 hashes match the files', async () => {
    expect(manifest.splits.test.count).toBe(10_000);
    expect(manifest.splits.train.count).toBe(50_000);
    expect(manifest.mean).toEqual([0.4913, 0.4821, 0.4465]);
    expect(manifest.classNames[3]).toBe('cat');
    for (const file of manifestFiles(manifest)) {
      const bytes = new Uint8Array(await readFile(join(dir, file.path)));
      expect(bytes.length, file.path).toBe(file.bytes);
      expect(await sha256Hex(bytes), file.path).toBe(file.sha256);
    }
  });

  it('loads the test split: image 0 is a cat, 1,000 images per class', async () => {
    const test = await loadDatasetNode('cifar10', 'test');
    expect(test.n).toBe(10_000);
    expect(test.images.length).toBe(10_000 * 32 * 32 * 3);
    expect(test.labels[0]).toBe(3);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    expect(classCounts(test.labels)).toEqual(new Array(10).fill(1000));
    // The first two pixels of the official test_batch (R, G, B of (0, 0) and (0, 1)).
    expect(Array.from(test.images.subarray(0, 6))).toEqual([158, 112, 49, 159, 111, 47]);
  });

  it('loads the train split: 5,000 images per class, in the official batch order', async () => {
    const train = await loadDatasetNode('cifar10', 'train');
    expect(train.n).toBe(50_000);
    expect(train.images.length).toBe(50_000 * 3072);
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(classCounts(train.labels)).toEqual(new Array(10).fill(5000));
  });

  it('honours a limit by loading only the first images', async () => {
    const full = await loadDatasetNode('cifar10', 'test');
    const some = await loadDatasetNode('cifar10', 'test', { limit: 37 });
    expect(some.n).toBe(37);
    expect(some.images).toEqual(full.images.subarray(0, 37 * 3072));
    expect(Array.from(some.labels)).toEqual(Array.from(full.labels.subarray(0, 37)));
  });

  it.each(['test_batch.png', 'data_batch_3.png'])(
    'decodes %s the same with fast-png and pngjs',
    async (name) => {
      const png = new Uint8Array(await readFile(join(dir, name)));
      const ours = await decodePngInNode(png);
      const other = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
      expect([other.width, other.height]).toEqual([ours.width, ours.height]);
      const pixels = ours.width * ours.height;
      const otherRgb = new Uint8Array(pixels * 3);
      for (let p = 0; p < pixels; p++) {
        otherRgb[3 * p] = other.data[4 * p];
        otherRgb[3 * p + 1] = other.data[4 * p + 1];
        otherRgb[3 * p + 2] = other.data[4 * p + 2];
      }
      // Compare whole sprites, and spell out a few images so a failure says which.
      for (const image of [0, 1, 4321, 9999]) {
        const at = image * 3072;
        expect(ours.data.subarray(at, at + 3072), `image ${image}`).toEqual(otherRgb.subarray(at, at + 3072));
      }
      expect(Buffer.compare(ours.data, otherRgb)).toBe(0);
    },
  );
});
