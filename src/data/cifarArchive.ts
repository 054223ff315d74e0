import {
  CIFAR100_FINE_CLASSES,
  CIFAR100_MEAN,
  CIFAR10_CLASSES,
  CIFAR10_MEAN,
  CIFAR_CHANNELS,
  CIFAR_IMAGE_SIZE,
  CIFAR_PIXELS,
  CIFAR_STD,
} from '../sll/cifar.ts';
import type { DatasetInfo, DatasetSplit } from './dataset.ts';
import { ArchiveError } from './errors.ts';
import { gunzip, isGzip } from './gunzip.ts';
import { type TarEntry, TarReader, isTarHeader } from './tar.ts';

export type CifarKind = 'cifar10' | 'cifar100';

export interface ImportedDataset {
  kind: CifarKind;
  info: DatasetInfo;
  train: DatasetSplit;
  test: DatasetSplit;
}

/** A file as the user dropped it. */
export interface DroppedFile {
  name: string;
  bytes: Uint8Array;
}

const LAYOUT = {
  cifar10: {
    title: 'CIFAR-10',
    train: [
      'data_batch_1.bin',
      'data_batch_2.bin',
      'data_batch_3.bin',
      'data_batch_4.bin',
      'data_batch_5.bin',
    ],
    test: ['test_batch.bin'],
    namesFile: 'batches.meta.txt',
    defaultNames: CIFAR10_CLASSES,
    mean: CIFAR10_MEAN,
    // One label byte, then 1024 red, 1024 green and 1024 blue bytes.
    labelBytes: 1,
    labelLimits: [10],
  },
  cifar100: {
    title: 'CIFAR-100',
    train: ['train.bin'],
    test: ['test.bin'],
    namesFile: 'fine_label_names.txt',
    defaultNames: CIFAR100_FINE_CLASSES,
    mean: CIFAR100_MEAN,
    // A coarse (20 classes) and a fine (100 classes) label byte; we train on the fine labels.
    labelBytes: 2,
    labelLimits: [20, 100],
  },
} as const;

const WANTED = new Set<string>(Object.values(LAYOUT).flatMap((l) => [...l.train, ...l.test, l.namesFile]));

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The most records a batch file holds: CIFAR-100's train.bin has 50,000. */
const MAX_RECORDS = 60_000;
/** A class-names file lists 10 or 100 short names. */
const MAX_NAMES_BYTES = 64 * 1024;

/**
 * The most bytes a CIFAR file of this name can have: a file claiming more (a tar header lying
 * about its size) is refused before anything is read into memory.
 */
function maxBytesOf(name: string): number {
  if (name.endsWith('.txt')) return MAX_NAMES_BYTES;
  return MAX_RECORDS * (Math.max(...Object.values(LAYOUT).map((l) => l.labelBytes)) + CIFAR_PIXELS);
}

/** Opens each dropped file (gzip, tar or a bare .bin / .txt) and keeps the CIFAR files by name. */
function collectFiles(files: DroppedFile[]): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  const add = (path: string, bytes: Uint8Array) => {
    const name = baseName(path);
    if (found.has(name)) throw new ArchiveError(`${name} appears more than once in what was dropped.`);
    found.set(name, bytes);
  };
  for (const file of files) {
    const keep = (path: string, size: number) => {
      const name = baseName(path);
      if (!WANTED.has(name)) return false;
      if (size > maxBytesOf(name)) {
        throw new ArchiveError(
          `${file.name}: ${name} says it holds ${size} bytes, more than any CIFAR ${name.endsWith('.txt') ? 'names file' : 'batch file'} ` +
            `(at most ${maxBytesOf(name)}): the archive is corrupt.`,
        );
      }
      return true;
    };
    const onEntry = (entry: TarEntry) => add(entry.name, entry.bytes);
    if (isGzip(file.bytes)) {
      const tar = new TarReader(file.name, keep, onEntry);
      gunzip(file.bytes, file.name, (chunk) => tar.push(chunk));
      tar.finish();
    } else if (isTarHeader(file.bytes.subarray(0, 512))) {
      const tar = new TarReader(file.name, keep, onEntry, { totalBytes: file.bytes.length });
      tar.push(file.bytes);
      tar.finish();
    } else if (/\.(bin|txt)$/.test(file.name) && keep(file.name, file.bytes.length)) {
      add(file.name, file.bytes);
    } else if (/\.(tar\.gz|tgz|gz)$/.test(file.name)) {
      throw new ArchiveError(`${file.name} is not a gzip file (it does not start with the gzip signature).`);
    } else {
      throw new ArchiveError(
        `${file.name} is not a CIFAR archive: expected cifar-10-binary.tar.gz, cifar-100-binary.tar.gz or their .bin files.`,
      );
    }
  }
  return found;
}

function whichKind(found: Map<string, Uint8Array>): CifarKind {
  const has = (kind: CifarKind) => [...LAYOUT[kind].train, ...LAYOUT[kind].test].some((n) => found.has(n));
  if (has('cifar10') && has('cifar100'))
    throw new ArchiveError('The files mix CIFAR-10 and CIFAR-100 batches.');
  if (has('cifar10')) return 'cifar10';
  if (has('cifar100')) return 'cifar100';
  throw new ArchiveError(
    'No CIFAR batch files found: expected data_batch_1..5.bin and test_batch.bin (CIFAR-10) or train.bin and test.bin (CIFAR-100).',
  );
}

/** Turns records of (labels, R plane, G plane, B plane) into H, W, C images and the last label byte. */
function parseRecords(
  kind: CifarKind,
  names: readonly string[],
  found: Map<string, Uint8Array>,
): DatasetSplit {
  const layout = LAYOUT[kind];
  const recordSize = layout.labelBytes + CIFAR_PIXELS;
  const counts = names.map((name) => {
    const bytes = found.get(name)!;
    if (bytes.length === 0 || bytes.length % recordSize !== 0) {
      const whole = Math.floor(bytes.length / recordSize);
      throw new ArchiveError(
        `${name} has ${bytes.length} bytes, which is not a whole number of ${recordSize}-byte ${layout.title} records ` +
          `(${whole} records and ${bytes.length - whole * recordSize} bytes over).`,
      );
    }
    return bytes.length / recordSize;
  });
  const n = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(n * CIFAR_PIXELS);
  const labels = new Uint8Array(n);
  const plane = CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE;
  let index = 0;
  for (const [f, name] of names.entries()) {
    const bytes = found.get(name)!;
    for (let r = 0; r < counts[f]; r++, index++) {
      const record = bytes.subarray(r * recordSize, (r + 1) * recordSize);
      layout.labelLimits.forEach((limit, k) => {
        if (record[k] >= limit) {
          const which = kind === 'cifar10' ? 'label' : k === 0 ? 'coarse label' : 'fine label';
          throw new ArchiveError(`${name}, record ${r}: ${which} ${record[k]} is outside 0..${limit - 1}.`);
        }
      });
      labels[index] = record[layout.labelBytes - 1];
      const pixels = record.subarray(layout.labelBytes);
      const out = index * CIFAR_PIXELS;
      for (let p = 0; p < plane; p++) {
        images[out + 3 * p] = pixels[p];
        images[out + 3 * p + 1] = pixels[plane + p];
        images[out + 3 * p + 2] = pixels[2 * plane + p];
      }
    }
  }
  return { n, imageSize: CIFAR_IMAGE_SIZE, channels: CIFAR_CHANNELS, images, labels };
}

function classNames(kind: CifarKind, found: Map<string, Uint8Array>): string[] {
  const layout = LAYOUT[kind];
  const file = found.get(layout.namesFile);
  if (!file) return [...layout.defaultNames];
  const names = new TextDecoder()
    .decode(file)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== layout.defaultNames.length) {
    throw new ArchiveError(
      `${layout.namesFile} lists ${names.length} class names, expected ${layout.defaultNames.length}.`,
    );
  }
  return names;
}

/**
 * Reads the official cifar-10-binary.tar.gz / cifar-100-binary.tar.gz, an uncompressed tar of
 * them, or their extracted .bin files, and checks record sizes and label ranges. Throws an
 * ArchiveError that says what is wrong; it never returns part of a dataset.
 */
export function importCifar(files: DroppedFile[]): ImportedDataset {
  if (files.length === 0) throw new ArchiveError('No files were given.');
  const found = collectFiles(files);
  const kind = whichKind(found);
  const layout = LAYOUT[kind];
  const missing = [...layout.train, ...layout.test].filter((name) => !found.has(name));
  if (missing.length > 0)
    throw new ArchiveError(`The ${layout.title} files are incomplete: missing ${missing.join(', ')}.`);
  return {
    kind,
    info: {
      name: kind,
      imageSize: CIFAR_IMAGE_SIZE,
      channels: CIFAR_CHANNELS,
      classNames: classNames(kind, found),
      mean: [...layout.mean],
      std: [...CIFAR_STD],
    },
    train: parseRecords(kind, layout.train, found),
    test: parseRecords(kind, layout.test, found),
  };
}
