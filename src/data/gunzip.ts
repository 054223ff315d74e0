// crc-32 is CommonJS whose exports Node cannot detect by name, so only its default import works in
// both Node (tsx, Vitest) and Vite.
import CRC32 from 'crc-32';
import { Gunzip } from 'fflate';
import { ArchiveError } from './errors.ts';

const CHUNK = 1 << 20;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates a gzip file with fflate, handing the output on in chunks so the whole uncompressed
 * archive never needs to sit in memory at once. fflate does not read the gzip trailer, so the
 * CRC-32 (with the crc-32 package) and length it stores are checked here: that is what catches a
 * file cut short.
 */
export function gunzip(bytes: Uint8Array, name: string, onData: (chunk: Uint8Array) => void): void {
  if (!isGzip(bytes)) throw new ArchiveError(`${name} is not a gzip file.`);
  if (bytes.length < 18)
    throw new ArchiveError(`${name} is truncated: ${bytes.length} bytes is too short for gzip.`);
  let crc = 0; // signed, as CRC32.buf returns it and takes it back as the seed to continue
  let size = 0;
  const inflater = new Gunzip((chunk) => {
    crc = CRC32.buf(chunk, crc);
    size += chunk.length;
    onData(chunk);
  });
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) {
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
