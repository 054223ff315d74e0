/**
 * A training run: its settings, data, model, optimiser and position. Building one checks that the
 * data fits the network, so a bad combination fails before any tensor exists.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedDataset } from '../data/dataset.ts';
import { Adam, OFFICIAL_ADAM } from '../kernels/adam.ts';
import { SllModel } from '../kernels/model.ts';
import type { EvaluationCertificates, EvaluationSummary, MetricsPoint } from '../protocol.ts';
import { type Arch, validateArch } from '../sll/arch.ts';
import { BACKEND_NAMES, type BackendName } from '../sll/backendNames.ts';
import { type BackendLimits, fitsBackend } from '../sll/memoryEstimate.ts';
import { totalSteps } from '../sll/schedule.ts';
import type { TrainConfig } from '../sll/trainConfig.ts';
import { TooLargeError, TrainerError } from './errors.ts';

export interface Run {
  config: TrainConfig;
  data: LoadedDataset;
  model: SllModel;
  adam: Adam;
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  metrics: MetricsPoint[];
  evaluations: EvaluationSummary[];
  /** Every radius of the latest evaluation, so that a restored page can show it whole. */
  certificates: EvaluationCertificates | null;
}

/** A fresh run at step 0 with the seeded initial weights. */
export function createRun(config: TrainConfig, loaded: LoadedDataset): Run {
  const data = limitTraining(loaded, config.trainLimit);
  const arch = validateArch(config.arch);
  const { info } = data;
  if (info.classNames.length !== arch.nClasses) {
    throw new TrainerError(
      'ConfigError',
      `${info.name} has ${info.classNames.length} classes; the network has ${arch.nClasses}`,
    );
  }
  if (info.imageSize !== arch.imageSize || info.channels !== arch.inChannels) {
    throw new TrainerError('ConfigError', `${info.name} images do not fit the network's input`);
  }
  if (data.train.n < config.batchSize) {
    throw new TrainerError(
      'ConfigError',
      `the batch (${config.batchSize}) is larger than the training set (${data.train.n})`,
    );
  }
  const model = SllModel.initialize(arch, config.seed);
  return {
    config,
    data,
    model,
    adam: new Adam(model.variables, OFFICIAL_ADAM),
    step: 0,
    totalSteps: totalSteps(config.epochs, data.train.n, config.batchSize),
    stepsPerEpoch: Math.floor(data.train.n / config.batchSize),
    metrics: [],
    evaluations: [],
    certificates: null,
  };
}

export function disposeRun(run: Run): void {
  run.adam.dispose();
  run.model.dispose();
}

/** Checks the settings a run cannot start without, with a message naming the bad value. */
export function validateConfig(config: TrainConfig): void {
  validateArch(config.arch);
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) {
    throw new TrainerError('ConfigError', `batch size must be a positive integer, got ${config.batchSize}`);
  }
  if (!Number.isInteger(config.epochs) || config.epochs < 1) {
    throw new TrainerError('ConfigError', `epochs must be a positive integer, got ${config.epochs}`);
  }
  if (!(config.learningRate > 0)) throw new TrainerError('ConfigError', 'the learning rate must be positive');
}

/**
 * Refuses a run that cannot fit the running backend (WASM's 4 GiB, a WebGPU adapter's largest
 * buffer), before any data is loaded or tensor made (docs/engine.md#memory).
 */
export function checkMemory(config: TrainConfig, backend: string = tf.getBackend()): void {
  const name = (BACKEND_NAMES as readonly string[]).includes(backend) ? (backend as BackendName) : null;
  const verdict = fitsBackend(config.arch, config.batchSize, name, backendLimits(name));
  if (verdict.level === 'refuse')
    throw new TooLargeError(verdict.text ?? 'too large for this backend', verdict.hint);
}

/** The WebGPU device's largest buffer, where tfjs's backend exposes the device; nothing elsewhere. */
function backendLimits(backend: BackendName | null): BackendLimits {
  if (backend !== 'webgpu') return {};
  const device = (tf.backend() as unknown as { device?: { limits?: Record<string, unknown> } }).device;
  const sizes = [device?.limits?.maxStorageBufferBindingSize, device?.limits?.maxBufferSize].filter(
    (n): n is number => typeof n === 'number' && n > 0,
  );
  return sizes.length > 0 ? { maxBufferBytes: Math.min(...sizes) } : {};
}

export function describeArch(a: Pick<Arch, 'nConv' | 'nDense' | 'width' | 'nClasses'>): string {
  return `${a.nConv} conv x ${a.width}, ${a.nDense} dense, ${a.nClasses} classes`;
}

/** The first `limit` training images (all when 0), as a view: no copy. */
function limitTraining(data: LoadedDataset, limit: number): LoadedDataset {
  if (!(limit > 0) || limit >= data.train.n) return data;
  const { train } = data;
  const size = train.imageSize * train.imageSize * train.channels;
  return {
    ...data,
    train: {
      ...train,
      n: limit,
      images: train.images.subarray(0, limit * size),
      labels: train.labels.subarray(0, limit),
    },
  };
}
