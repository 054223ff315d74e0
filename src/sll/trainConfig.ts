/**
 * A training run's settings as plain data: they cross postMessage, live in checkpoints and in
 * weights files. Which of them define the run is decided here, once, for the engine and the page.
 */
import { type Arch, type PresetName, isPresetName } from './arch.ts';
import { type LossName, isLossName } from './lossNames.ts';

export interface TrainConfig {
  /** Which preset the arch came from, or 'custom' after the depth/width sliders moved. */
  preset: PresetName | 'custom';
  arch: Arch;
  /** 'cifar10', or the id of an imported dataset. */
  dataset: string;
  loss: LossName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  augment: boolean;
  seed: number;
  /** Train on the first N training images only (0: all of them). */
  trainLimit: number;
  /** Steps between periodic evaluations (0: only at the end of each epoch). */
  evalEvery: number;
  /** Test images used by periodic evaluations (the full test set on demand). */
  evalSubset: number;
  /** Steps between checkpoints (0: off); they are also written at the start and on pause. */
  checkpointEvery: number;
  /** Seconds between checkpoints (0: off), whichever of the two comes first. */
  checkpointSeconds: number;
}

/**
 * The fields that make a different run: changing one discards the weights. The others (how often
 * to evaluate and checkpoint, and the preset's name, a label of the arch) apply to the run in progress.
 */
const RUN_FIELDS = [
  'arch',
  'dataset',
  'loss',
  'learningRate',
  'batchSize',
  'epochs',
  'augment',
  'seed',
  'trainLimit',
] as const satisfies readonly (keyof TrainConfig)[];

/** Would training with `b` continue the run that `a` started? */
export function sameRun(a: TrainConfig, b: TrainConfig): boolean {
  return RUN_FIELDS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

const NUMBER_FIELDS = [
  'learningRate',
  'batchSize',
  'epochs',
  'seed',
  'trainLimit',
  'evalEvery',
  'evalSubset',
  'checkpointEvery',
  'checkpointSeconds',
] as const satisfies readonly (keyof TrainConfig)[];

/**
 * A TrainConfig read from untrusted data (a weights file's `config`), or null when any field is
 * missing or of the wrong type. The arch is not checked here: callers compare it with the file's own.
 */
export function readTrainConfig(x: unknown): TrainConfig | null {
  if (typeof x !== 'object' || x === null) return null;
  const c = x as Record<string, unknown>;
  const ok =
    typeof c.preset === 'string' &&
    (c.preset === 'custom' || isPresetName(c.preset)) &&
    typeof c.arch === 'object' &&
    c.arch !== null &&
    typeof c.dataset === 'string' &&
    typeof c.loss === 'string' &&
    isLossName(c.loss) &&
    typeof c.augment === 'boolean' &&
    NUMBER_FIELDS.every((k) => typeof c[k] === 'number' && Number.isFinite(c[k]));
  return ok ? (c as unknown as TrainConfig) : null;
}
