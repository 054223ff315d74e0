// Kept hand-written (checked nanotar 0.3.0, modern-tar 0.8.6): nanotar's parseTar takes the whole
// archive in memory and checks no header checksums; modern-tar reads only through async Web Streams
// or Promises (its synchronous unpacker is not exported) and by default skips bad headers silently,
// while importCifar pushes chunks synchronously.
import { ArchiveError } from './errors.ts';

export interface TarEntry {
  name: string;
  bytes: Uint8Array;
}

const BLOCK = 512;

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
}

/** A name from a header as a message shows it: printable, at most 100 characters. */
function shown(name: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, '?');
  return printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
}

function octal(field: Uint8Array): number {
  const value = text(field).trim();
  return value === '' ? 0 : parseInt(value, 8);
}

/** The stored checksum is the byte sum of the header with its own field read as spaces. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum === octal(block.subarray(148, 156)) && sum !== 8 * 0x20;
}

/** A GNU long name ('L' entry) is a path: a few KiB at most. */
const MAX_LONG_NAME = 64 * 1024;
/** A kept file's buffer starts at most this large and doubles as its data arrives. */
const FIRST_ALLOCATION = 1 << 20;

export interface TarLimits {
  /** The archive's length when known (an uncompressed tar): no entry may claim more than is left. */
  totalBytes?: number;
}

/**
 * Reads a tar stream pushed in chunks of any size and hands over the regular files `keep` asks
 * for; the others are skipped without being stored. What a header claims is never allocated up
 * front: a kept file's buffer grows with the data that actually arrives, so a header lying about
 * its size costs nothing before the stream runs out.
 */
export class TarReader {
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  private entry: { name: string; size: number; bytes: Uint8Array | null; kind: string } | null = null;
  private entryFill = 0;
  private padding = 0;
  private longName: string | null = null;
  private ended = false;
  /** Bytes consumed so far. */
  private offset = 0;

  constructor(
    private readonly archiveName: string,
    private readonly keep: (name: string, size: number) => boolean,
    private readonly onEntry: (entry: TarEntry) => void,
    private readonly limits: TarLimits = {},
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.padding > 0) {
        const skip = Math.min(this.padding, chunk.length - at);
        this.padding -= skip;
        at += skip;
        this.offset += skip;
      } else if (this.entry) {
        const take = Math.min(this.entry.size - this.entryFill, chunk.length - at);
        if (this.entry.bytes) this.store(this.entry, chunk.subarray(at, at + take));
        this.entryFill += take;
        at += take;
        this.offset += take;
        if (this.entryFill === this.entry.size) this.closeEntry();
      } else {
        const take = Math.min(BLOCK - this.headerFill, chunk.length - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFill);
        this.headerFill += take;
        at += take;
        this.offset += take;
        if (this.headerFill === BLOCK) this.openEntry();
      }
    }
  }

  /** Throws if the stream stopped inside a header or a file. */
  finish(): void {
    if (this.entry || this.padding > 0 || this.headerFill > 0) {
      const where = this.entry ? ` inside ${shown(this.entry.name)}` : '';
      throw new ArchiveError(`${this.archiveName} is truncated: the tar data ends${where}.`);
    }
  }

  private openEntry(): void {
    const block = this.header;
    this.headerFill = 0;
    if (block.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    if (!isTarHeader(block))
      throw new ArchiveError(`${this.archiveName} is corrupt: a tar header has a bad checksum.`);
    const kind = String.fromCharCode(block[156] || 0x30);
    const prefix = text(block.subarray(345, 500));
    const ustar = text(block.subarray(257, 263)).startsWith('ustar');
    const baseName = text(block.subarray(0, 100));
    const name = this.longName ?? (ustar && prefix ? `${prefix}/${baseName}` : baseName);
    this.longName = null;
    const size = octal(block.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0)
      throw new ArchiveError(
        `${this.archiveName} is corrupt: the tar header of ${shown(name)} has no valid size.`,
      );
    const left = this.limits.totalBytes === undefined ? Infinity : this.limits.totalBytes - this.offset;
    if (size > left) {
      throw new ArchiveError(
        `${this.archiveName} is truncated: the tar data ends inside ${shown(name)} (its header says ` +
          `${size} bytes, ${Math.max(0, left)} are left).`,
      );
    }
    if (kind === 'L' && size > MAX_LONG_NAME) {
      throw new ArchiveError(
        `${this.archiveName} is corrupt: a tar long-name entry says ${size} bytes, far more than a path.`,
      );
    }
    const wanted = kind === 'L' || (kind === '0' && this.keep(name, size));
    const bytes = wanted ? new Uint8Array(Math.min(size, FIRST_ALLOCATION)) : null;
    this.entry = { name, size, kind, bytes };
    this.entryFill = 0;
    if (size === 0) this.closeEntry();
  }

  /** Appends to a kept file, doubling its buffer (up to the size its header gives) when full. */
  private store(entry: { size: number; bytes: Uint8Array | null }, data: Uint8Array): void {
    let bytes = entry.bytes as Uint8Array;
    const need = this.entryFill + data.length;
    if (need > bytes.length) {
      const grown = new Uint8Array(Math.min(entry.size, Math.max(need, 2 * bytes.length)));
      grown.set(bytes.subarray(0, this.entryFill));
      entry.bytes = bytes = grown;
    }
    bytes.set(data, this.entryFill);
  }

  private closeEntry(): void {
    const entry = this.entry!;
    this.entry = null;
    this.padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (entry.kind === 'L' && entry.bytes) this.longName = text(entry.bytes);
    else if (entry.bytes) this.onEntry({ name: entry.name, bytes: entry.bytes });
  }
}
