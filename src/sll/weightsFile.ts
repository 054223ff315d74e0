/**
 * A weights file as a user hands it over: the lab's `sll-lab/weights` JSON, or a PyTorch
 * `torch.save` file (a `.pth` checkpoint or state dict), told apart by their first bytes rather
 * than by the file's name. The page's worker and the CLI both read files through here. Anything
 * else (an image renamed `.json`, an archive, binary data) is named for what it is; messages never
 * quote raw bytes, and quote text only as a short, printable excerpt.
 */
import type { Arch } from './arch.ts';
import { isPthFile, readPthWeights } from './pth.ts';
import { type LoadedWeights, WeightsFileError, parseWeights } from './weightsJson.ts';

const WHAT_IT_TAKES = 'not a weights file (sll-lab/weights JSON or a PyTorch .pth)';

/** Bytes at an offset: numbers, or a string of Latin-1 characters. */
interface Magic {
  what: string;
  bytes: readonly number[] | string;
  offset?: number;
  /** What to do about it, when there is something to do. */
  hint?: string;
}

/**
 * Formats that get handed over by mistake, by their magic numbers. Zip is not here: a PyTorch
 * `.pth` is a zip archive, and the `.pth` reader names what a zip without `data.pkl` lacks.
 */
const KNOWN_FORMATS: readonly Magic[] = [
  { what: 'a PNG image', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { what: 'a JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { what: 'a GIF image', bytes: 'GIF8' },
  { what: 'a WebP image', bytes: 'WEBP', offset: 8 },
  { what: 'a PDF document', bytes: '%PDF-' },
  {
    what: 'a gzip-compressed file',
    bytes: [0x1f, 0x8b],
    hint: 'decompress it first (a CIFAR .tar.gz archive is imported as a dataset, not loaded as weights)',
  },
  { what: 'an xz-compressed file', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], hint: 'decompress it first' },
  { what: 'a bzip2-compressed file', bytes: 'BZh', hint: 'decompress it first' },
  { what: 'a 7-Zip archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], hint: 'extract it first' },
  { what: 'a tar archive', bytes: 'ustar', offset: 257, hint: 'extract it first' },
  { what: 'a NumPy array (.npy)', bytes: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] },
  { what: 'an HDF5 file (such as a Keras .h5)', bytes: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] },
  { what: 'a WebAssembly module', bytes: [0x00, 0x61, 0x73, 0x6d] },
];

function matches(file: Uint8Array, magic: Magic): boolean {
  const bytes = typeof magic.bytes === 'string' ? [...magic.bytes].map((c) => c.charCodeAt(0)) : magic.bytes;
  const at = magic.offset ?? 0;
  return file.length >= at + bytes.length && bytes.every((b, i) => file[at + i] === b);
}

/** Text as a message may quote it: control characters become spaces, at most `max` characters. */
export function printableExcerpt(text: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** Refuses a file that is not text at all: a known format by name, anything else as binary data. */
function decodeText(file: Uint8Array): string {
  const known = KNOWN_FORMATS.find((m) => matches(file, m));
  if (known) {
    throw new WeightsFileError(
      `this file is ${known.what}, ${WHAT_IT_TAKES}${known.hint ? `: ${known.hint}` : ''}`,
    );
  }
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file);
  } catch {
    text = null;
  }
  // JSON text holds no control characters outside tabs and line breaks.
  // eslint-disable-next-line no-control-regex
  if (text === null || /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) {
    throw new WeightsFileError(`this file is binary data, ${WHAT_IT_TAKES}`);
  }
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // The engine's message quotes the text around the error: kept short and printable.
    throw new WeightsFileError(`not a JSON file (${printableExcerpt((e as Error).message, 160)})`);
  }
}

/** `arch` is for a PyTorch file whose tensor shapes do not settle the network. */
export function readWeights(file: string | Uint8Array, arch?: Arch): LoadedWeights {
  if (typeof file !== 'string' && isPthFile(file)) return readPthWeights(file, { arch });
  const text = typeof file === 'string' ? file : decodeText(file);
  if (arch !== undefined) {
    throw new WeightsFileError(
      'an architecture is only needed for PyTorch weights: this file is a weights JSON, which names its own',
    );
  }
  const doc = parseJson(text);
  // parseWeights would parse a string once more: a JSON string is not a weights file either.
  if (typeof doc === 'string') throw new WeightsFileError('the file must hold one JSON object');
  return parseWeights(doc);
}
