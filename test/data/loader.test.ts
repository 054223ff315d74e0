import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { memoryByteCache } from '../helpers/memoryByteCache.ts';
import { DatasetLoadError } from '../../src/data/errors.ts';
import { openDataset, type LoadProgress, type LoaderDeps } from '../../src/data/loader.ts';
import { parseManifest } from '../../src/data/manifest.ts';
import { decodePngInNode } from '../../src/cli/nodePngDecoder.ts';
import { sha256Hex } from '../../src/data/sha256.ts';

const SIZE = 4;
const IMAGE_BYTES = SIZE * SIZE * 3;

/** A tiny dataset in the shipped layout: two train shards and one test shard of 4x4 images. */
async function makeFixture() {
  const files = new Map<string, Uint8Array>();
  const shardOf = async (name: string, count: number, seed: number) => {
    const pixels = Uint8Array.from({ length: count * IMAGE_BYTES }, (_, i) => (i * 31 + seed) % 256);
    const labels = Uint8Array.from({ length: count }, (_, i) => (i + seed) % 3);
    const png = encode({ width: SIZE * SIZE, height: count, data: pixels, channels: 3 });
    files.set(`${name}.png`, png);
    files.set(`${name}.labels.bin`, labels);
    const describe = async (path: string) => ({
      path,
      bytes: files.get(path)!.length,
      sha256: await sha256Hex(files.get(path)!),
    });
    return {
      shard: { count, images: await describe(`${name}.png`), labels: await describe(`${name}.labels.bin`) },
      pixels,
      labels,
    };
  };
  const test = await shardOf('test', 5, 1);
  const train1 = await shardOf('train1', 6, 2);
  const train2 = await shardOf('train2', 4, 3);
  const manifest = {
    format: 'sll-lab/dataset',
    version: 1,
    name: 'tiny',
    imageSize: SIZE,
    channels: 3,
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
    mean: [0.5, 0.5, 0.5],
    std: [1, 1, 1],
    splits: {
      test: { count: 5, shards: [test.shard] },
      train: { count: 10, shards: [train1.shard, train2.shard] },
    },
  };
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return { files, manifest, test, train1, train2 };
}

type Fixture = Awaited<ReturnType<typeof makeFixture>>;

/** Serves the fixture from "https://host/d/", counting requests; `override` can break one file. */
function serve(fixture: Fixture, override?: (name: string, bytes: Uint8Array) => Response | undefined) {
  const requests: string[] = [];
  const fetch = async (url: string) => {
    const name = url.replace('https://host/d/', '');
    requests.push(name);
    const bytes = fixture.files.get(name);
    if (!bytes) return new Response(null, { status: 404 });
    return override?.(name, bytes) ?? new Response(bytes.slice());
  };
  return { fetch, requests };
}

function deps(fetch: LoaderDeps['fetch'], cache = memoryByteCache()): LoaderDeps {
  return { fetch, cache, decodePng: decodePngInNode };
}

describe('dataset loader', () => {
  it('loads exact pixels and labels, test and train, with progress in bytes and images', async () => {
    const fixture = await makeFixture();
    const dataset = await openDataset('https://host/d', deps(serve(fixture).fetch));
    expect(dataset.info.classNames).toEqual(['a', 'b', 'c']);

    const test = await dataset.loadSplit('test');
    expect(test.images).toEqual(fixture.test.pixels);
    expect(test.labels).toEqual(fixture.test.labels);

    const progress: LoadProgress[] = [];
    const train = await dataset.loadSplit('train', { onProgress: (p) => progress.push(p) });
    expect(train.n).toBe(10);
    expect(train.images.subarray(0, 6 * IMAGE_BYTES)).toEqual(fixture.train1.pixels);
    expect(train.images.subarray(6 * IMAGE_BYTES)).toEqual(fixture.train2.pixels);
    expect(Array.from(train.labels)).toEqual([...fixture.train1.labels, ...fixture.train2.labels]);

    const totalBytes = [fixture.train1, fixture.train2].reduce(
      (sum, s) => sum + s.shard.images.bytes + s.shard.labels.bytes,
      0,
    );
    expect(
      progress.every((p) => p.split === 'train' && p.totalBytes === totalBytes && p.totalImages === 10),
    ).toBe(true);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].loadedBytes).toBeGreaterThanOrEqual(progress[i - 1].loadedBytes);
      expect(progress[i].loadedImages).toBeGreaterThanOrEqual(progress[i - 1].loadedImages);
    }
    expect(progress.map((p) => p.loadedImages)).toContain(6);
    expect(progress.at(-1)).toMatchObject({ loadedBytes: totalBytes, loadedImages: 10 });
  });

  it('streams train shards one by one with their offsets', async () => {
    const fixture = await makeFixture();
    const dataset = await openDataset('https://host/d/', deps(serve(fixture).fetch));
    const shards = [];
    for await (const shard of dataset.streamShards('train')) shards.push(shard);
    expect(shards.map((s) => [s.index, s.offset, s.count])).toEqual([
      [0, 0, 6],
      [1, 6, 4],
    ]);
    expect(shards[1].images).toEqual(fixture.train2.pixels);
  });

  it('serves a second load from the cache without downloading again', async () => {
    const fixture = await makeFixture();
    const cache = memoryByteCache();
    const first = serve(fixture);
    await (await openDataset('https://host/d', deps(first.fetch, cache))).loadSplit('test');
    expect(first.requests).toEqual(['manifest.json', 'test.labels.bin', 'test.png']);

    const second = serve(fixture);
    const progress: LoadProgress[] = [];
    const again = await (
      await openDataset('https://host/d', deps(second.fetch, cache))
    ).loadSplit('test', {
      onProgress: (p) => progress.push(p),
    });
    expect(second.requests).toEqual(['manifest.json']);
    expect(again.images).toEqual(fixture.test.pixels);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.fromCache)).toBe(true);
  });

  it('uses the cached manifest when offline', async () => {
    const fixture = await makeFixture();
    const cache = memoryByteCache();
    await (await openDataset('https://host/d', deps(serve(fixture).fetch, cache))).loadSplit('test');
    const offline = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch');
    };
    const test = await (await openDataset('https://host/d', deps(offline, cache))).loadSplit('test');
    expect(test.labels).toEqual(fixture.test.labels);
    await expect(openDataset('https://host/d', deps(offline))).rejects.toThrow(
      /Could not download .*manifest/,
    );
  });

  it('rejects a truncated download with a clear error, caches nothing, and a retry succeeds', async () => {
    const fixture = await makeFixture();
    const cache = memoryByteCache();
    const broken = serve(fixture, (name, bytes) =>
      name === 'test.png' ? new Response(bytes.slice(0, bytes.length - 10)) : undefined,
    );
    const dataset = await openDataset('https://host/d', deps(broken.fetch, cache));
    const error = await dataset.loadSplit('test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetLoadError);
    expect((error as Error).message).toMatch(/test\.png was cut short: received \d+ of \d+ bytes/);
    expect(cache.keys().some((k) => k.includes('test.png'))).toBe(false);

    const retry = await openDataset('https://host/d', deps(serve(fixture).fetch, cache));
    expect((await retry.loadSplit('test')).images).toEqual(fixture.test.pixels);
  });

  it('rejects a connection that fails mid-stream', async () => {
    const fixture = await makeFixture();
    const failing = serve(fixture, (name, bytes) => {
      if (name !== 'train2.png') return undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 20));
          controller.error(new Error('connection reset'));
        },
      });
      return new Response(body);
    });
    const dataset = await openDataset('https://host/d', deps(failing.fetch));
    await expect(dataset.loadSplit('train')).rejects.toThrow(
      /download of .*train2\.png failed: Error: connection reset/,
    );
  });

  it('rejects files that differ from the manifest, missing files and bad labels', async () => {
    const fixture = await makeFixture();
    const flipped = serve(fixture, (name, bytes) => {
      if (name !== 'test.png') return undefined;
      const copy = bytes.slice();
      copy[copy.length - 20] ^= 1;
      return new Response(copy);
    });
    await expect(
      (await openDataset('https://host/d', deps(flipped.fetch))).loadSplit('test'),
    ).rejects.toThrow(/test\.png does not match its manifest \(sha256/);

    fixture.files.delete('train2.png');
    await expect(
      (await openDataset('https://host/d', deps(serve(fixture).fetch))).loadSplit('train'),
    ).rejects.toThrow(/train2\.png: HTTP 404/);

    const badLabels = await makeFixture();
    const labels = Uint8Array.from([0, 1, 7, 0, 1]);
    badLabels.files.set('test.labels.bin', labels);
    badLabels.manifest.splits.test.shards[0].labels.sha256 = await sha256Hex(labels);
    badLabels.files.set('manifest.json', new TextEncoder().encode(JSON.stringify(badLabels.manifest)));
    await expect(
      (await openDataset('https://host/d', deps(serve(badLabels).fetch))).loadSplit('test'),
    ).rejects.toThrow(/label 7 of image 2 is not below 3/);
  });

  it('loads only the shards a limit needs', async () => {
    const fixture = await makeFixture();
    const server = serve(fixture);
    const some = await (
      await openDataset('https://host/d', deps(server.fetch))
    ).loadSplit('train', { limit: 4 });
    expect(some.n).toBe(4);
    expect(some.images).toEqual(fixture.train1.pixels.subarray(0, 4 * IMAGE_BYTES));
    expect(server.requests).not.toContain('train2.png');
  });
});

describe('parseManifest', () => {
  it('names the field that is wrong', async () => {
    const { manifest } = await makeFixture();
    const broken = (change: (m: typeof manifest) => void) => {
      const copy = structuredClone(manifest);
      change(copy);
      return () => parseManifest(copy);
    };
    expect(() => parseManifest(manifest)).not.toThrow();
    expect(broken((m) => (m.format = 'other'))).toThrow(/format must be "sll-lab\/dataset"/);
    expect(broken((m) => (m.splits.train.count = 11))).toThrow(
      /splits.train.count is 11 but its shards hold 10/,
    );
    expect(broken((m) => (m.splits.test.shards[0].images.path = '../secret.png'))).toThrow(/plain file name/);
    expect(broken((m) => (m.splits.test.shards[0].images.sha256 = 'abc'))).toThrow(/64 hex digits/);
    expect(broken((m) => (m.classNames = ['a']))).toThrow(/classNames must be 3 strings/);
    expect(broken((m) => (m.mean = [0.5]))).toThrow(/mean must be 3 finite numbers/);
  });
});
