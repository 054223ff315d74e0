import { DatasetLoadError } from './errors.ts';
import type { DatasetInfo, SplitName } from './dataset.ts';

export const MANIFEST_FORMAT = 'sll-lab/dataset';
export const MANIFEST_VERSION = 1;

export interface ManifestFile {
  /** A plain file name, relative to the manifest. */
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * `count` images stored as one PNG sprite (RGB, 8 bits, one row per image, pixel (h, w) at column
 * h*S + w, so a decoded row is the image in H, W, C order) and one byte per label.
 */
export interface ManifestShard {
  count: number;
  images: ManifestFile;
  labels: ManifestFile;
}

export interface ManifestSplit {
  count: number;
  shards: ManifestShard[];
}

export interface DatasetManifest extends DatasetInfo {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  numClasses: number;
  source: string;
  splits: Record<SplitName, ManifestSplit>;
}

function fail(what: string): never {
  throw new DatasetLoadError(`The dataset manifest is invalid: ${what}.`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInt(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) fail(`${where} must be a positive integer`);
  return value as number;
}

function numbers(value: unknown, length: number, where: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => Number.isFinite(v))) {
    fail(`${where} must be ${length} finite numbers`);
  }
  return value as number[];
}

function file(value: unknown, where: string): ManifestFile {
  if (!isObject(value)) fail(`${where} is missing`);
  const { path, bytes, sha256 } = value;
  // Plain names only: a manifest must not point the loader outside its own folder.
  if (typeof path !== 'string' || !/^[\w.-]+$/.test(path) || path.startsWith('.')) {
    fail(`${where}.path must be a plain file name, got ${JSON.stringify(path)}`);
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
    fail(`${where}.sha256 must be 64 hex digits`);
  return { path, bytes: positiveInt(bytes, `${where}.bytes`), sha256 };
}

function split(value: unknown, where: string): ManifestSplit {
  if (!isObject(value) || !Array.isArray(value.shards) || value.shards.length === 0) {
    fail(`${where} must have a non-empty list of shards`);
  }
  const count = positiveInt(value.count, `${where}.count`);
  const shards = value.shards.map((s: unknown, i: number): ManifestShard => {
    const at = `${where}.shards[${i}]`;
    if (!isObject(s)) fail(`${at} is not an object`);
    const shardCount = positiveInt(s.count, `${at}.count`);
    const labels = file(s.labels, `${at}.labels`);
    if (labels.bytes !== shardCount) fail(`${at}.labels must have one byte per image`);
    return { count: shardCount, images: file(s.images, `${at}.images`), labels };
  });
  const sum = shards.reduce((total, s) => total + s.count, 0);
  if (sum !== count) fail(`${where}.count is ${count} but its shards hold ${sum} images`);
  return { count, shards };
}

/** Checks a parsed manifest.json and returns it typed; throws DatasetLoadError naming the bad field. */
export function parseManifest(json: unknown): DatasetManifest {
  if (!isObject(json)) fail('it is not a JSON object');
  if (json.format !== MANIFEST_FORMAT)
    fail(`format must be "${MANIFEST_FORMAT}", got ${JSON.stringify(json.format)}`);
  if (json.version !== MANIFEST_VERSION) fail(`version ${JSON.stringify(json.version)} is not supported`);
  if (typeof json.name !== 'string' || json.name === '') fail('name must be a non-empty string');
  const channels = positiveInt(json.channels, 'channels');
  if (channels !== 3) fail(`channels must be 3 (RGB sprites), got ${channels}`);
  const numClasses = positiveInt(json.numClasses, 'numClasses');
  const classNames = json.classNames;
  if (
    !Array.isArray(classNames) ||
    classNames.length !== numClasses ||
    !classNames.every((c) => typeof c === 'string')
  ) {
    fail(`classNames must be ${numClasses} strings`);
  }
  if (!isObject(json.splits)) fail('splits is missing');
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    name: json.name,
    source: typeof json.source === 'string' ? json.source : '',
    imageSize: positiveInt(json.imageSize, 'imageSize'),
    channels,
    numClasses,
    classNames: classNames as string[],
    mean: numbers(json.mean, channels, 'mean'),
    std: numbers(json.std, channels, 'std'),
    splits: { test: split(json.splits.test, 'splits.test'), train: split(json.splits.train, 'splits.train') },
  };
}
