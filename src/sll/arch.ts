/**
 * SLL architectures: the plain-data description of a network (docs/math.md §2.3, §2.4).
 * An `Arch` is serialisable: it crosses postMessage, lives in the URL and in weights files.
 */
import { CIFAR10_MEAN, CIFAR_CHANNELS, CIFAR_IMAGE_SIZE, CIFAR_STD } from './cifar.ts';
export interface Arch {
  nConv: number;
  nDense: number;
  /** Channels of the convolutional trunk (the input is zero-padded from `inChannels` to this). */
  width: number;
  /** Inner channels of each SLL convolution; -1 means "same as width". */
  convInnerDim: number;
  /** Inner features of each SLL dense layer; -1 means "same as the flattened features". */
  denseInnerDim: number;
  imageSize: number;
  inChannels: number;
  nClasses: number;
  mean: number[];
  std: number[];
}

export const KERNEL_SIZE = 3;
export const POOL_SIZE = 4;

function cifar10Arch(
  nConv: number,
  nDense: number,
  width: number,
  convInnerDim: number,
  denseInnerDim: number,
): Arch {
  return {
    nConv,
    nDense,
    width,
    convInnerDim,
    denseInnerDim,
    imageSize: CIFAR_IMAGE_SIZE,
    inChannels: CIFAR_CHANNELS,
    nClasses: 10,
    mean: [...CIFAR10_MEAN],
    std: [...CIFAR_STD],
  };
}

export const PRESET_NAMES = ['tiny', 'lab', 'small', 'medium', 'large', 'xlarge'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The official presets use conv inner dimension 5 (the official default and the table-reproduction
 * setting; it is what makes `small` exactly 41,385,862 parameters) and dense inner dimension 2048.
 * `tiny` exists for tests; `lab` is the browser default (docs/performance.md says how it was sized).
 */
const PRESETS: Record<PresetName, () => Arch> = {
  tiny: () => cifar10Arch(2, 1, 8, 8, 64),
  lab: () => cifar10Arch(4, 1, 16, 16, 256),
  small: () => cifar10Arch(20, 7, 45, 5, 2048),
  medium: () => cifar10Arch(30, 10, 60, 5, 2048),
  large: () => cifar10Arch(50, 10, 90, 5, 2048),
  xlarge: () => cifar10Arch(70, 15, 120, 5, 2048),
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function presetArch(name: PresetName): Arch {
  return PRESETS[name]();
}

export function convInnerChannels(arch: Arch): number {
  return arch.convInnerDim === -1 ? arch.width : arch.convInnerDim;
}

export function pooledSize(arch: Arch): number {
  return arch.imageSize / POOL_SIZE;
}

/** Length of the flattened feature vector fed to the dense layers. */
export function featureCount(arch: Arch): number {
  return arch.width * pooledSize(arch) ** 2;
}

export function denseInnerFeatures(arch: Arch): number {
  return arch.denseInnerDim === -1 ? featureCount(arch) : arch.denseInnerDim;
}

export class ArchError extends Error {
  override name = 'ArchError';
}

interface IntRange {
  min: number;
  max: number;
  allowMinusOne?: boolean;
}

const INT_FIELDS: Record<
  'nConv' | 'nDense' | 'width' | 'convInnerDim' | 'denseInnerDim' | 'imageSize' | 'inChannels' | 'nClasses',
  IntRange
> = {
  nConv: { min: 0, max: 1000 },
  nDense: { min: 0, max: 1000 },
  width: { min: 1, max: 4096 },
  convInnerDim: { min: 1, max: 4096, allowMinusOne: true },
  denseInnerDim: { min: 1, max: 65536, allowMinusOne: true },
  imageSize: { min: 4, max: 512 },
  inChannels: { min: 1, max: 64 },
  nClasses: { min: 2, max: 100000 },
};

/**
 * Checks an untrusted value (a parsed weights file, a URL, a form) and returns a clean `Arch`.
 * Every problem gets its own message naming the field and the bad value.
 */
export function validateArch(value: unknown): Arch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArchError(`"arch" must be an object, got ${describe(value)}`);
  }
  const raw = value as Record<string, unknown>;
  const ints = {} as Record<keyof typeof INT_FIELDS, number>;
  for (const [field, range] of Object.entries(INT_FIELDS) as [keyof typeof INT_FIELDS, IntRange][]) {
    const v = raw[field];
    if (v === undefined) throw new ArchError(`arch.${field} is missing`);
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new ArchError(`arch.${field} must be an integer, got ${describe(v)}`);
    }
    const ok = (v >= range.min && v <= range.max) || (range.allowMinusOne === true && v === -1);
    if (!ok) {
      const allowed = `${range.allowMinusOne ? '-1 or ' : ''}${range.min}..${range.max}`;
      throw new ArchError(`arch.${field} = ${v} is out of range (allowed: ${allowed})`);
    }
    ints[field] = v;
  }
  if (ints.imageSize % POOL_SIZE !== 0) {
    throw new ArchError(
      `arch.imageSize = ${ints.imageSize} must be a multiple of ${POOL_SIZE} (4x4 pooling)`,
    );
  }
  if (ints.width < ints.inChannels) {
    throw new ArchError(
      `arch.width = ${ints.width} must be at least arch.inChannels = ${ints.inChannels} (channel padding)`,
    );
  }
  const mean = channelVector(raw.mean, 'mean', ints.inChannels, (x) => Number.isFinite(x));
  const std = channelVector(raw.std, 'std', ints.inChannels, (x) => Number.isFinite(x) && x > 0);
  return { ...ints, mean, std };
}

function channelVector(v: unknown, field: string, n: number, ok: (x: number) => boolean): number[] {
  if (!Array.isArray(v)) throw new ArchError(`arch.${field} must be an array of ${n} numbers`);
  if (v.length !== n) {
    throw new ArchError(`arch.${field} has ${v.length} values but arch.inChannels = ${n}`);
  }
  return v.map((x, i) => {
    if (typeof x !== 'number' || !ok(x)) {
      throw new ArchError(`arch.${field}[${i}] = ${describe(x)} is not allowed`);
    }
    return x;
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : String(v);
}
