/**
 * The page's settings: plain data, serialised into the URL so that a link reproduces a run's
 * configuration (as TensorFlow Playground does).
 */
import { PRESET_NAMES, type PresetName, isPresetName, presetArch } from '../sll/arch.ts';
import { CIFAR100_MEAN, CIFAR10_MEAN } from '../sll/cifar.ts';
import { LOSS_NAMES, isLossName } from '../sll/lossNames.ts';
import { BACKEND_NAMES, type BackendChoice, isBackendChoice } from '../sll/backendNames.ts';
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

const SEED_LIMITS = { min: 0, max: 2 ** 31 - 1 };

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

/** Each setting's key in the page's URL. */
export const URL_KEYS: Record<keyof Settings, string> = {
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
  for (const [field, key] of Object.entries(URL_KEYS) as [keyof Settings, string][]) {
    params.set(key, String(s[field]));
  }
  return params.toString();
}

/** The outcome of reading a link: the settings, and one sentence per value that could not be used. */
export interface QuerySettings {
  settings: Settings;
  /** E.g. "eps=abc is not an integer in 0..255; using 36": the key, the bad value, what is used instead. */
  problems: string[];
}

/** A value from the URL as a message quotes it: printable characters only, at most 24 of them. */
function quoted(text: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 24 ? `${printable.slice(0, 24)}…` : printable;
}

/** Reads settings from a query string; anything missing keeps its default, anything invalid is reported. */
export function readSettingsQuery(query: string, defaults: Settings = DEFAULT_SETTINGS): QuerySettings {
  const p = new URLSearchParams(query);
  const s: Settings = { ...defaults };
  const problems: string[] = [];
  /** Applies one key's value, or reports it: the key, the bad value and the value kept instead. */
  const read = <K extends keyof Settings>(
    field: K,
    expected: string,
    parse: (text: string) => Settings[K] | undefined,
  ) => {
    const text = p.get(URL_KEYS[field]);
    if (text === null) return false;
    const value = parse(text);
    if (value === undefined) {
      problems.push(`${URL_KEYS[field]}=${quoted(text)} is not ${expected}; using ${String(s[field])}`);
      return false;
    }
    s[field] = value;
    return true;
  };
  const int = (range: { min: number; max: number }) => (text: string) => {
    const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
    return Number.isSafeInteger(n) && n >= range.min && n <= range.max ? n : undefined;
  };
  const intRange = (range: { min: number; max: number }) => `an integer in ${range.min}..${range.max}`;
  const oneOf = (names: readonly string[]) => `one of ${names.join(', ')}`;

  // The preset first: it sets the depth and width that conv, dense and width may then change.
  if (read('preset', oneOf(PRESET_NAMES), (t) => (isPresetName(t) ? t : undefined))) {
    Object.assign(s, depthOf(s.preset));
  }
  read('dataset', 'a dataset id (letters, digits, - and _)', (t) =>
    /^[\w-]{1,64}$/.test(t) ? t : undefined,
  );
  read('nConv', intRange(LIMITS.nConv), int(LIMITS.nConv));
  read('nDense', intRange(LIMITS.nDense), int(LIMITS.nDense));
  read('width', intRange(LIMITS.width), int(LIMITS.width));
  read('loss', oneOf(LOSS_NAMES), (t) => (isLossName(t) ? t : undefined));
  read('learningRate', 'a number above 0 and at most 10', (t) => {
    const lr = t.trim() === '' ? NaN : Number(t);
    return lr > 0 && lr <= 10 ? lr : undefined;
  });
  read('batchSize', intRange(LIMITS.batchSize), int(LIMITS.batchSize));
  read('epochs', intRange(LIMITS.epochs), int(LIMITS.epochs));
  read('augment', 'true or false', (t) => (t === 'true' ? true : t === 'false' ? false : undefined));
  read('seed', intRange(SEED_LIMITS), int(SEED_LIMITS));
  read('backend', oneOf(['auto', ...BACKEND_NAMES]), (t) => (isBackendChoice(t) ? t : undefined));
  read('epsSteps', intRange(LIMITS.epsSteps), int(LIMITS.epsSteps));
  read('trainImages', intRange(LIMITS.trainImages), int(LIMITS.trainImages));
  read('evalImages', intRange(LIMITS.evalImages), int(LIMITS.evalImages));
  read('evalEvery', intRange(LIMITS.evalEvery), int(LIMITS.evalEvery));
  return { settings: s, problems };
}

/** Reads settings from a query string; anything missing or invalid keeps its default. */
export function settingsFromQuery(query: string, defaults: Settings = DEFAULT_SETTINGS): Settings {
  return readSettingsQuery(query, defaults).settings;
}
