/**
 * The page's settings: plain data, serialised into the URL so that a link reproduces a run's
 * configuration (as TensorFlow Playground does).
 */
import { type PresetName, isPresetName, presetArch } from '../sll/arch.ts';
import { CIFAR100_MEAN, CIFAR10_MEAN } from '../sll/cifar.ts';
import { isLossName } from '../sll/lossNames.ts';
import { type BackendChoice, isBackendChoice } from '../sll/backendNames.ts';
import { type TrainConfig } from '../sll/trainConfig.ts';

/** The recipe fields are the TrainConfig's own; the rest is how the page's controls hold them. */
export interface Settings extends Pick<
  TrainConfig,
  'dataset' | 'loss' | 'learningRate' | 'batchSize' | 'epochs' | 'augment' | 'seed'
> {
  preset: PresetName;
  nConv: number;
  nDense: number;
  width: number;
  backend: BackendChoice;
  /** Epsilon in 1/255 steps: the slider's integer position, shown as k/255. */
  epsSteps: number;
  /** Train on the first N images only (0: all): a quick look on a slow machine. */
  trainImages: number;
  /** Test images in each periodic evaluation. */
  evalImages: number;
  /** Steps between periodic evaluations. */
  evalEvery: number;
}

export const DEFAULT_SETTINGS: Settings = {
  dataset: 'cifar10',
  preset: 'lab',
  ...depthOf('lab'),
  loss: 'xent',
  learningRate: 0.01,
  batchSize: 64,
  epochs: 5,
  augment: true,
  seed: 0,
  backend: 'auto',
  epsSteps: 36,
  trainImages: 0,
  evalImages: 500,
  evalEvery: 50,
};

export const LIMITS = {
  nConv: { min: 0, max: 70 },
  nDense: { min: 0, max: 15 },
  width: { min: 3, max: 128 },
  epsSteps: { min: 0, max: 255 },
  batchSize: { min: 1, max: 1024 },
  epochs: { min: 1, max: 1000 },
  trainImages: { min: 0, max: 1_000_000 },
  evalImages: { min: 1, max: 10_000 },
  evalEvery: { min: 1, max: 100_000 },
};

export function depthOf(preset: PresetName): Pick<Settings, 'nConv' | 'nDense' | 'width'> {
  const a = presetArch(preset);
  return { nConv: a.nConv, nDense: a.nDense, width: a.width };
}

/** Does the depth and width still match the preset (or were the sliders moved)? */
export function isPresetShape(s: Settings): boolean {
  const d = depthOf(s.preset);
  return d.nConv === s.nConv && d.nDense === s.nDense && d.width === s.width;
}

/** Classes of a dataset id: the shipped CIFAR-10, or an imported archive ('cifar100-…' has 100). */
export function classesOf(dataset: string): number {
  return dataset.startsWith('cifar100') ? 100 : 10;
}

export function toTrainConfig(s: Settings): TrainConfig {
  const base = presetArch(s.preset);
  // Presets whose conv inner dimension equals their width keep following the width slider.
  const convInnerDim = base.convInnerDim === base.width ? s.width : base.convInnerDim;
  const hundred = classesOf(s.dataset) === 100;
  return {
    preset: isPresetShape(s) ? s.preset : 'custom',
    arch: {
      ...base,
      nConv: s.nConv,
      nDense: s.nDense,
      width: s.width,
      convInnerDim,
      nClasses: classesOf(s.dataset),
      mean: [...(hundred ? CIFAR100_MEAN : CIFAR10_MEAN)],
    },
    dataset: s.dataset,
    loss: s.loss,
    learningRate: s.learningRate,
    batchSize: s.batchSize,
    epochs: s.epochs,
    augment: s.augment,
    seed: s.seed,
    trainLimit: s.trainImages,
    evalEvery: s.evalEvery,
    evalSubset: s.evalImages,
    // By time, not steps: a checkpoint of `small` is ~500 MB, one of `tiny` ~0.5 MB.
    checkpointEvery: 0,
    checkpointSeconds: 15,
  };
}

const KEYS: Record<keyof Settings, string> = {
  dataset: 'data',
  preset: 'preset',
  nConv: 'conv',
  nDense: 'dense',
  width: 'width',
  loss: 'loss',
  learningRate: 'lr',
  batchSize: 'batch',
  epochs: 'epochs',
  augment: 'augment',
  seed: 'seed',
  backend: 'backend',
  epsSteps: 'eps',
  trainImages: 'train',
  evalImages: 'evalImages',
  evalEvery: 'evalEvery',
};

export function settingsToQuery(s: Settings): string {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(KEYS) as [keyof Settings, string][]) {
    params.set(key, String(s[field]));
  }
  return params.toString();
}

function intIn(text: string | null, range: { min: number; max: number }): number | undefined {
  if (text === null) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= range.min && n <= range.max ? n : undefined;
}

/** Reads settings from a query string; anything missing or invalid keeps its default. */
export function settingsFromQuery(query: string, defaults: Settings = DEFAULT_SETTINGS): Settings {
  const p = new URLSearchParams(query);
  const s: Settings = { ...defaults };
  const preset = p.get(KEYS.preset);
  if (preset !== null && isPresetName(preset)) Object.assign(s, { preset }, depthOf(preset));
  const data = p.get(KEYS.dataset);
  if (data !== null && /^[\w-]{1,64}$/.test(data)) s.dataset = data;
  s.nConv = intIn(p.get(KEYS.nConv), LIMITS.nConv) ?? s.nConv;
  s.nDense = intIn(p.get(KEYS.nDense), LIMITS.nDense) ?? s.nDense;
  s.width = intIn(p.get(KEYS.width), LIMITS.width) ?? s.width;
  const loss = p.get(KEYS.loss);
  if (loss !== null && isLossName(loss)) s.loss = loss;
  const lr = Number(p.get(KEYS.learningRate));
  if (p.has(KEYS.learningRate) && lr > 0 && lr <= 10) s.learningRate = lr;
  s.batchSize = intIn(p.get(KEYS.batchSize), LIMITS.batchSize) ?? s.batchSize;
  s.epochs = intIn(p.get(KEYS.epochs), LIMITS.epochs) ?? s.epochs;
  const augment = p.get(KEYS.augment);
  if (augment === 'true' || augment === 'false') s.augment = augment === 'true';
  s.seed = intIn(p.get(KEYS.seed), { min: 0, max: 2 ** 31 - 1 }) ?? s.seed;
  const backend = p.get(KEYS.backend);
  if (backend !== null && isBackendChoice(backend)) s.backend = backend;
  s.epsSteps = intIn(p.get(KEYS.epsSteps), LIMITS.epsSteps) ?? s.epsSteps;
  s.trainImages = intIn(p.get(KEYS.trainImages), LIMITS.trainImages) ?? s.trainImages;
  s.evalImages = intIn(p.get(KEYS.evalImages), LIMITS.evalImages) ?? s.evalImages;
  s.evalEvery = intIn(p.get(KEYS.evalEvery), LIMITS.evalEvery) ?? s.evalEvery;
  return s;
}
