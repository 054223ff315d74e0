import * as tf from '@tensorflow/tfjs';
import type { Arch } from '../sll/arch.ts';
import { Evaluator } from '../kernels/evaluator.ts';
import type { SllModel } from '../kernels/model.ts';
import { CliError } from './errors.ts';
import { integerOption, readInputFile } from './io.ts';
import { parseNpy } from './npy.ts';

/** Images for evaluation, from `--images/--labels` or `--dataset/--split/--limit`. */
export interface ImageOptions {
  images?: string;
  labels?: string;
  dataset?: string;
  split?: string;
  limit?: string;
}

export const IMAGE_OPTIONS = {
  images: { type: 'string' },
  labels: { type: 'string' },
  dataset: { type: 'string' },
  split: { type: 'string', default: 'test' },
  limit: { type: 'string' },
} as const;

/** Options of the commands that evaluate a weights file on images (certify, attack). */
export const EVALUATION_OPTIONS = {
  weights: { type: 'string' },
  ...IMAGE_OPTIONS,
  eps: { type: 'string' },
  batch: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export const IMAGE_HELP = `  --images FILE   NumPy float32/float64 array [N, C, H, W] with values in [0, 1]
  --labels FILE   NumPy int32/int64 array [N]
  --dataset NAME  a shipped dataset instead of --images (cifar10)
  --split NAME    test (default) or train
  --limit N       only the first N images of the split
  --backend NAME  wasm (default) or cpu (tfjs's plain JavaScript backend, many times slower)`;

export interface Images {
  /** NHWC float32 in [0, 1]. */
  pixels: Float32Array;
  n: number;
  labels?: Int32Array;
}

async function imagesFromNpy(arch: Arch, imagesPath: string, labelsPath?: string): Promise<Images> {
  const x = parseNpy(await readInputFile(imagesPath, 'images'), imagesPath);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new CliError(`${imagesPath}: images must be float32 or float64, got ${x.dtype}`);
  }
  const { inChannels: c, imageSize: s } = arch;
  if (x.shape.length !== 4 || x.shape[1] !== c || x.shape[2] !== s || x.shape[3] !== s) {
    throw new CliError(
      `${imagesPath}: shape (${x.shape.join(', ')}) does not fit the network: expected (N, ${c}, ${s}, ${s})`,
    );
  }
  const n = x.shape[0];
  const pixels = new Float32Array(n * s * s * c);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < s * s; p++) {
        const v = x.values[(b * c + ch) * s * s + p];
        if (!(v >= 0 && v <= 1)) {
          throw new CliError(
            `${imagesPath}: value ${v} at image ${b} is outside [0, 1] (divide 0-255 pixels by 255)`,
          );
        }
        pixels[(b * s * s + p) * c + ch] = v;
      }
  let labels: Int32Array | undefined;
  if (labelsPath) {
    const y = parseNpy(await readInputFile(labelsPath, 'labels'), labelsPath);
    if (y.dtype !== 'int32' && y.dtype !== 'int64')
      throw new CliError(`${labelsPath}: labels must be int32 or int64, got ${y.dtype}`);
    if (y.shape.length !== 1 || y.shape[0] !== n) {
      throw new CliError(`${labelsPath}: shape (${y.shape.join(', ')}) does not match ${n} images`);
    }
    labels = Int32Array.from(y.values);
    const bad = labels.findIndex((l) => l < 0 || l >= arch.nClasses);
    if (bad >= 0)
      throw new CliError(
        `${labelsPath}: label ${labels[bad]} at index ${bad} is not in 0..${arch.nClasses - 1}`,
      );
  }
  return { pixels, n, labels };
}

async function imagesFromDataset(arch: Arch, name: string, split: string, limit?: number): Promise<Images> {
  if (name !== 'cifar10') throw new CliError(`unknown dataset "${name}" (available: cifar10)`);
  if (split !== 'test' && split !== 'train')
    throw new CliError(`--split must be test or train, got ${split}`);
  const { loadDatasetNode } = await import('./nodeDataset.ts');
  const data = await loadDatasetNode(name, split, { limit });
  if (data.imageSize !== arch.imageSize || data.channels !== arch.inChannels) {
    throw new CliError(
      `${name} images are ${data.channels}x${data.imageSize}x${data.imageSize}; the network expects ${arch.inChannels}x${arch.imageSize}x${arch.imageSize}`,
    );
  }
  const maxLabel = Math.max(...data.labels);
  if (maxLabel >= arch.nClasses)
    throw new CliError(`${name} has label ${maxLabel}; the network has ${arch.nClasses} classes`);
  // A plain loop: Float32Array.from with a mapping function is far slower on a split's 30 M bytes.
  const pixels = new Float32Array(data.images.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = data.images[i] / 255;
  return { pixels, n: data.n, labels: data.labels };
}

export async function loadImages(arch: Arch, o: ImageOptions): Promise<Images> {
  if ((o.images === undefined) === (o.dataset === undefined)) {
    throw new CliError('give exactly one of --images X.npy or --dataset NAME');
  }
  if (o.labels && o.dataset) throw new CliError('--labels goes with --images; a dataset has its own labels');
  if (o.images) return imagesFromNpy(arch, o.images, o.labels);
  const limit = o.limit === undefined ? undefined : integerOption(o.limit, 'limit');
  return imagesFromDataset(arch, o.dataset as string, o.split ?? 'test', limit);
}

/** Slices `[start, start + count)` of the images as an NHWC tensor. */
export function imageBatch(arch: Arch, images: Images, start: number, count: number): tf.Tensor4D {
  const { imageSize: s, inChannels: c } = arch;
  const pixels = images.pixels.subarray(start * s * s * c, (start + count) * s * s * c);
  return tf.tensor4d(pixels, [count, s, s, c]);
}

/**
 * Logits, predictions and radii of every image, `batch` images per forward pass, t computed once;
 * `onProgress` hears the number of images done after each batch.
 */
export async function certifyAll(
  model: SllModel,
  images: Images,
  batch: number,
  onProgress?: (done: number) => void,
): Promise<{ logits: Float32Array; predictions: Int32Array; radii: Float64Array }> {
  const { nClasses } = model.arch;
  const logits = new Float32Array(images.n * nClasses);
  const predictions = new Int32Array(images.n);
  const radii = new Float64Array(images.n);
  const evaluator = await Evaluator.create(model);
  try {
    for (let start = 0; start < images.n; start += batch) {
      const x = imageBatch(model.arch, images, start, Math.min(batch, images.n - start));
      const result = await evaluator.certifyBatch(x);
      x.dispose();
      logits.set(result.logits, start * nClasses);
      predictions.set(result.predictions, start);
      radii.set(result.radii, start);
      onProgress?.(start + result.predictions.length);
    }
  } finally {
    evaluator.dispose();
  }
  return { logits, predictions, radii };
}
