// crc-32 is CommonJS whose exports Node cannot detect by name, so only its default import works in
// both Node (tsx, Vitest) and Vite.
import CRC32 from 'crc-32';
import { Gunzip } from 'fflate';
import { ArchiveError } from './errors.ts';

/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most 1032:1, and fflate
 * inflates a whole push into one buffer, so this bounds what one push can allocate (17 MB).
 */
const CHUNK = 1 << 14;

/**
 * The most a dropped archive may inflate to: the CIFAR-10 and CIFAR-100 tar files are 185 MB, so
 * anything beyond 256 MiB is not one of them (a damaged file, or a gzip bomb).
 */
const MAX_INFLATED_BYTES = 256 * 2 ** 20;

/**
 * Past this much output, a file that has inflated more than `MAX_RATIO` times the compressed bytes
 * read so far is refused: images compress about 1.1:1, while a gzip bomb runs at up to 1032:1, so
 * a bomb is caught after one push rather than after `MAX_INFLATED_BYTES`.
 */
const RATIO_FROM_BYTES = 16 * 2 ** 20;
const MAX_RATIO = 32;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const megabytes = (n: number) =>
  n < 1e6 ? `${Math.max(1, Math.round(n / 1e3))} kB` : `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;

/**
 * Inflates a gzip file with fflate, handing the output on in chunks so the whole uncompressed
 * archive never needs to sit in memory at once. fflate does not read the gzip trailer, so the
 * CRC-32 (with the crc-32 package) and length it stores are checked here: that is what catches a
 * file cut short. A file that inflates to more than `MAX_INFLATED_BYTES`, or at a ratio no image
 * archive has, is refused as soon as that shows. (The trailer's length is not trusted before:
 * in a truncated file those four bytes are anything.)
 */
export function gunzip(bytes: Uint8Array, name: string, onData: (chunk: Uint8Array) => void): void {
  if (!isGzip(bytes)) throw new ArchiveError(`${name} is not a gzip file.`);
  if (bytes.length < 18)
    throw new ArchiveError(`${name} is truncated: ${bytes.length} bytes is too short for gzip.`);
  let crc = 0; // signed, as CRC32.buf returns it and takes it back as the seed to continue
  let size = 0;
  let read = 0;
  const inflater = new Gunzip((chunk) => {
    size += chunk.length;
    if (size > MAX_INFLATED_BYTES) {
      throw new ArchiveError(
        `${name} inflates to more than ${megabytes(MAX_INFLATED_BYTES)}, more than a CIFAR archive: it is not one ` +
          '(a damaged file, or one made to exhaust memory).',
      );
    }
    if (size > RATIO_FROM_BYTES && size > MAX_RATIO * read) {
      throw new ArchiveError(
        `${name} inflates ${megabytes(read)} of its bytes into ${megabytes(size)}, a ratio no image ` +
          'archive has: it is not a CIFAR archive (a damaged file, or one made to exhaust memory).',
      );
    }
    crc = CRC32.buf(chunk, crc);
    onData(chunk);
  });
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      read = Math.min(bytes.length, at + CHUNK);
      inflater.push(bytes.subarray(at, at + CHUNK), at + CHUNK >= bytes.length);
    }
  } catch (cause) {
    if (cause instanceof ArchiveError) throw cause;
    throw new ArchiveError(`${name} is truncated or corrupt (gzip: ${(cause as Error).message}).`, { cause });
  }
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  if (trailer.getUint32(0, true) !== crc >>> 0 || trailer.getUint32(4, true) !== size % 2 ** 32) {
    throw new ArchiveError(`${name} is truncated or corrupt: its gzip checksum does not match its contents.`);
  }
}
