import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { Arch } from '../../kernels/arch.ts';
import { PAPER_EPSILONS, certifiedAccuracy, naturalAccuracy } from '../../kernels/certify.ts';
import { Evaluator } from '../../kernels/evaluator.ts';
import { SllModel } from '../../kernels/model.ts';
import { parseWeights } from '../../kernels/weightsJson.ts';
import { CliError } from '../errors.ts';
import { integerOption, readInputFile } from '../io.ts';
import { parseNpy } from '../npy.ts';

export const CERTIFY_HELP = `Usage:
  sll-lab certify --weights W.json --images X.npy [--labels Y.npy] [--eps LIST] [--json]
  sll-lab certify --weights W.json --dataset cifar10 [--split test] [--limit N] [--eps LIST] [--json]

Evaluates a network and certifies each prediction: the certified L2 radius of the predicted
class (spec section 4). With labels, prints natural accuracy and certified accuracy (a fraction
in [0, 1]: correct and radius > eps).

Options:
  --weights FILE  sll-lab/weights v1 JSON
  --images FILE   NumPy float32/float64 array [N, C, H, W] with values in [0, 1]
  --labels FILE   NumPy int32/int64 array [N]
  --dataset NAME  evaluate on a shipped dataset instead of --images (cifar10)
  --split NAME    test (default) or train
  --limit N       only the first N images of the split
  --eps LIST      comma-separated radii, as decimals or fractions (0.1412,36/255);
                  default: the paper's 36/255, 72/255, 108/255, 255/255
  --batch N       images per forward pass (default 256)
  --json          print one JSON object: logits, predictions, radii (null = infinite),
                  and with labels naturalAccuracy and certifiedAccuracy keyed by eps
  -h, --help      show this help`;

interface EpsChoice {
  key: string;
  value: number;
}

function parseEpsList(text: string | undefined): EpsChoice[] {
  if (text === undefined) return PAPER_EPSILONS.map((value) => ({ key: value.toFixed(4), value }));
  return text.split(',').map((raw) => {
    const key = raw.trim();
    const parts = key.split('/');
    const value = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(key);
    if (key === '' || parts.length > 2 || !Number.isFinite(value) || value < 0) {
      throw new CliError(`--eps: "${raw}" is not a non-negative number or fraction`);
    }
    return { key, value };
  });
}

interface Images {
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
  const { loadDatasetNode } = await import('../../data/nodeDataset.ts');
  const data = await loadDatasetNode(name, split, { limit });
  if (data.imageSize !== arch.imageSize || data.channels !== arch.inChannels) {
    throw new CliError(
      `${name} images are ${data.channels}x${data.imageSize}x${data.imageSize}; the network expects ${arch.inChannels}x${arch.imageSize}x${arch.imageSize}`,
    );
  }
  const maxLabel = Math.max(...data.labels);
  if (maxLabel >= arch.nClasses)
    throw new CliError(`${name} has label ${maxLabel}; the network has ${arch.nClasses} classes`);
  return { pixels: Float32Array.from(data.images, (v) => v / 255), n: data.n, labels: data.labels };
}

export async function runCertify(argv: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string' },
      images: { type: 'string' },
      labels: { type: 'string' },
      dataset: { type: 'string' },
      split: { type: 'string', default: 'test' },
      limit: { type: 'string' },
      eps: { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return out(CERTIFY_HELP);
  if (!values.weights) throw new CliError('--weights FILE is required');
  if ((values.images === undefined) === (values.dataset === undefined)) {
    throw new CliError('give exactly one of --images X.npy or --dataset NAME');
  }
  if (values.labels && values.dataset)
    throw new CliError('--labels goes with --images; a dataset has its own labels');
  const epsList = parseEpsList(values.eps);
  const batch = Math.max(1, integerOption(values.batch, 'batch', 256));
  const weightsText = new TextDecoder().decode(await readInputFile(values.weights, 'weights'));
  const { arch, params } = parseWeights(weightsText);
  const images = values.images
    ? await imagesFromNpy(arch, values.images, values.labels)
    : await imagesFromDataset(
        arch,
        values.dataset as string,
        values.split,
        values.limit === undefined ? undefined : integerOption(values.limit, 'limit'),
      );

  const model = new SllModel(arch, params);
  const evaluator = await Evaluator.create(model);
  const { nClasses, imageSize: s, inChannels: c } = arch;
  const logits = new Float32Array(images.n * nClasses);
  const predictions = new Int32Array(images.n);
  const radii = new Float64Array(images.n);
  try {
    for (let start = 0; start < images.n; start += batch) {
      const count = Math.min(batch, images.n - start);
      const x = tf.tensor4d(images.pixels.subarray(start * s * s * c, (start + count) * s * s * c), [
        count,
        s,
        s,
        c,
      ]);
      const result = await evaluator.certifyBatch(x);
      x.dispose();
      logits.set(result.logits, start * nClasses);
      predictions.set(result.predictions, start);
      radii.set(result.radii, start);
    }
  } finally {
    evaluator.dispose();
    model.dispose();
  }

  const certificates = { predictions, radii };
  const report: Record<string, unknown> = {
    logits: Array.from({ length: images.n }, (_, i) =>
      Array.from(logits.subarray(i * nClasses, (i + 1) * nClasses)),
    ),
    predictions: Array.from(predictions),
    radii: Array.from(radii, (r) => (Number.isFinite(r) ? r : null)),
  };
  if (images.labels) {
    report.naturalAccuracy = naturalAccuracy(predictions, images.labels);
    report.certifiedAccuracy = Object.fromEntries(
      epsList.map((e) => [e.key, certifiedAccuracy(certificates, images.labels as Int32Array, e.value)]),
    );
  }
  if (values.json) return out(JSON.stringify(report));
  out(`${images.n} images, ${nClasses} classes`);
  const sorted = Float64Array.from(radii).sort();
  out(`median certified radius of the predictions: ${sorted[Math.floor(images.n / 2)]?.toFixed(4) ?? '-'}`);
  if (images.labels) {
    out(`natural accuracy: ${((report.naturalAccuracy as number) * 100).toFixed(2)}%`);
    for (const e of epsList) {
      const acc = (report.certifiedAccuracy as Record<string, number>)[e.key];
      out(`certified accuracy at eps ${e.key}: ${(acc * 100).toFixed(2)}%`);
    }
  }
}
