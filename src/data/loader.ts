import type { DatasetInfo, DatasetSplit, SplitName } from './dataset.ts';
import { fetchVerified, type DownloadDeps } from './download.ts';
import { DatasetLoadError } from './errors.ts';
import { parseManifest, type DatasetManifest, type ManifestShard } from './manifest.ts';
import type { PngDecoder } from './pngDecoder.ts';
import { spriteImages } from './sprite.ts';

export interface LoaderDeps extends DownloadDeps {
  decodePng: PngDecoder;
}

export interface LoadProgress {
  split: SplitName;
  loadedBytes: number;
  totalBytes: number;
  loadedImages: number;
  totalImages: number;
  /** True while the bytes come from the browser cache rather than the network. */
  fromCache: boolean;
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Load only the first `limit` images of the split (whole shards are still fetched and checked). */
  limit?: number;
}

/** A shard's images and labels, and where they sit in their split. */
export interface LoadedShard {
  split: SplitName;
  index: number;
  offset: number;
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

export interface RemoteDataset {
  manifest: DatasetManifest;
  info: DatasetInfo;
  /** Shards in order, each yielded as soon as it is downloaded, verified and decoded. */
  streamShards(split: SplitName, options?: LoadOptions): AsyncGenerator<LoadedShard>;
  /** A whole split; rejects with DatasetLoadError rather than return part of it. */
  loadSplit(split: SplitName, options?: LoadOptions): Promise<DatasetSplit>;
}

function withSlash(baseUrl: string): string {
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
}

/**
 * Fetches and checks manifest.json. It is always asked from the network so a regenerated dataset
 * is noticed; the cached copy serves only when the network fails (offline reload).
 */
export async function loadManifest(baseUrl: string, deps: DownloadDeps): Promise<DatasetManifest> {
  const url = `${withSlash(baseUrl)}manifest.json`;
  const key = `${url}#latest`;
  let text: string;
  try {
    const response = await deps.fetch(url, { signal: deps.signal });
    if (!response.ok) throw new DatasetLoadError(`Could not download ${url}: HTTP ${response.status}.`);
    text = await response.text();
    await deps.cache?.put(key, new TextEncoder().encode(text)).catch(() => undefined);
  } catch (cause) {
    const cached = await deps.cache?.get(key);
    if (!cached) {
      if (cause instanceof DatasetLoadError) throw cause;
      throw new DatasetLoadError(`Could not download ${url}: ${String(cause)}.`, { cause });
    }
    text = new TextDecoder().decode(cached);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DatasetLoadError(`${url} is not valid JSON.`, { cause });
  }
  return parseManifest(json);
}

function shardsFor(manifest: DatasetManifest, split: SplitName, limit: number | undefined) {
  const all = manifest.splits[split].shards;
  if (limit === undefined) return all;
  if (!Number.isSafeInteger(limit) || limit <= 0)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const picked: ManifestShard[] = [];
  let images = 0;
  for (const shard of all) {
    if (images >= limit) break;
    picked.push(shard);
    images += shard.count;
  }
  return picked;
}

function checkLabels(labels: Uint8Array, numClasses: number, name: string): void {
  const bad = labels.findIndex((label) => label >= numClasses);
  if (bad >= 0)
    throw new DatasetLoadError(`${name}: label ${labels[bad]} of image ${bad} is not below ${numClasses}.`);
}

async function* streamShards(
  manifest: DatasetManifest,
  baseUrl: string,
  split: SplitName,
  deps: LoaderDeps,
  options: LoadOptions,
): AsyncGenerator<LoadedShard> {
  const shards = shardsFor(manifest, split, options.limit);
  const totalBytes = shards.reduce((sum, s) => sum + s.images.bytes + s.labels.bytes, 0);
  const totalImages = shards.reduce((sum, s) => sum + s.count, 0);
  let loadedBytes = 0;
  let loadedImages = 0;
  // Where the latest bytes came from, so the event after decoding a cached shard says cache too.
  let fromCache = false;
  const report = () =>
    options.onProgress?.({ split, loadedBytes, totalBytes, loadedImages, totalImages, fromCache });
  const onBytes = (n: number, cached: boolean) => {
    loadedBytes += n;
    fromCache = cached;
    report();
  };
  for (const [index, shard] of shards.entries()) {
    const url = (path: string) => `${baseUrl}${path}`;
    const labels = await fetchVerified(url(shard.labels.path), shard.labels, deps, onBytes);
    checkLabels(labels, manifest.numClasses, shard.labels.path);
    const png = await fetchVerified(url(shard.images.path), shard.images, deps, onBytes);
    let images: Uint8Array;
    try {
      images = spriteImages(await deps.decodePng(png), shard.count, manifest.imageSize, shard.images.path);
    } catch (cause) {
      throw new DatasetLoadError(`Could not decode ${shard.images.path}: ${(cause as Error).message}.`, {
        cause,
      });
    }
    const offset = loadedImages;
    loadedImages += shard.count;
    report();
    yield { split, index, offset, count: shard.count, images, labels };
  }
}

async function loadSplit(
  manifest: DatasetManifest,
  baseUrl: string,
  split: SplitName,
  deps: LoaderDeps,
  options: LoadOptions,
): Promise<DatasetSplit> {
  const { imageSize, channels } = manifest;
  const imageBytes = imageSize * imageSize * channels;
  const n = Math.min(options.limit ?? Infinity, manifest.splits[split].count);
  const images = new Uint8Array(n * imageBytes);
  const labels = new Uint8Array(n);
  for await (const shard of streamShards(manifest, baseUrl, split, deps, options)) {
    const take = Math.min(shard.count, n - shard.offset);
    images.set(shard.images.subarray(0, take * imageBytes), shard.offset * imageBytes);
    labels.set(shard.labels.subarray(0, take), shard.offset);
  }
  return { n, imageSize, channels, images, labels };
}

/** Opens a dataset folder served at `baseUrl` (for the app: `${import.meta.env.BASE_URL}datasets/cifar10/`). */
export async function openDataset(baseUrl: string, deps: LoaderDeps): Promise<RemoteDataset> {
  const base = withSlash(baseUrl);
  const manifest = await loadManifest(base, deps);
  const { name, imageSize, channels, classNames, mean, std } = manifest;
  return {
    manifest,
    info: { name, imageSize, channels, classNames, mean, std },
    streamShards: (split, options = {}) => streamShards(manifest, base, split, deps, options),
    loadSplit: (split, options = {}) => loadSplit(manifest, base, split, deps, options),
  };
}
