import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetSplit, LoadedDataset, SplitName } from '../data/dataset.ts';
import { DEFAULT_DATASETS_DIR } from './datasetsDir.ts';
import { openDataset } from '../data/loader.ts';
import { decodePngInNode } from './nodePngDecoder.ts';

export interface NodeDataset {
  /** n * imageSize * imageSize * channels bytes, each image in H, W, C order. */
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  imageSize: number;
  channels: number;
  classNames: string[];
  mean: number[];
  std: number[];
}

/** Serves files from disk through the same interface the browser loader fetches with. */
export async function readFileAsResponse(path: string): Promise<Response> {
  try {
    return new Response(new Uint8Array(await readFile(path)));
  } catch {
    return new Response(null, { status: 404, statusText: `${path} not found` });
  }
}

/** The dataset files are a build output: made by `npm run datasets`, never at run time. */
async function ensureGenerated(name: 'cifar10', datasetsDir: string): Promise<void> {
  try {
    await access(join(datasetsDir, name, 'manifest.json'));
  } catch (cause) {
    throw new Error(`${join(datasetsDir, name)} is missing: run \`npm run datasets\` first.`, { cause });
  }
}

/**
 * Loads a shipped dataset split from public/datasets (made by `npm run datasets`) through the same
 * loader as the browser, so sizes, hashes and labels are checked the same way.
 */
export async function loadDatasetNode(
  name: 'cifar10',
  split: SplitName,
  opts: { limit?: number; datasetsDir?: string } = {},
): Promise<NodeDataset> {
  const datasetsDir = opts.datasetsDir ?? DEFAULT_DATASETS_DIR;
  await ensureGenerated(name, datasetsDir);
  const dataset = await openDataset(join(datasetsDir, name), {
    fetch: readFileAsResponse,
    decodePng: decodePngInNode,
  });
  const loaded = await dataset.loadSplit(split, { limit: opts.limit });
  const { classNames, mean, std } = dataset.info;
  return {
    images: loaded.images,
    labels: Int32Array.from(loaded.labels),
    n: loaded.n,
    imageSize: loaded.imageSize,
    channels: loaded.channels,
    classNames,
    mean,
    std,
  };
}

/** Both CIFAR-10 splits from disk, optionally only their first images, ready for a Trainer. */
export async function loadCifar10Node(
  limits: { train?: number; test?: number } = {},
): Promise<LoadedDataset> {
  const [train, test] = await Promise.all([
    loadDatasetNode('cifar10', 'train', { limit: limits.train || undefined }),
    loadDatasetNode('cifar10', 'test', { limit: limits.test || undefined }),
  ]);
  const split = (d: NodeDataset): DatasetSplit => ({
    n: d.n,
    imageSize: d.imageSize,
    channels: d.channels,
    images: d.images,
    labels: Uint8Array.from(d.labels),
  });
  const { imageSize, channels, classNames, mean, std } = test;
  return {
    info: { name: 'cifar10', imageSize, channels, classNames, mean, std },
    train: split(train),
    test: split(test),
  };
}
