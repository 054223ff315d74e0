import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/data/errors.ts';
import { gunzip } from '../../src/data/gunzip.ts';
import { concat } from '../helpers/bytes.ts';

/** Bytes that deflate cannot shrink, so the gzip file spans several of gunzip's 1 MiB input pushes. */
function noise(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

function inflate(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  gunzip(bytes, 'big.tar.gz', (chunk) => chunks.push(chunk.slice()));
  return chunks;
}

describe('gunzip', () => {
  const data = noise(2 ** 21 + 12345);
  // Level 0 writes stored blocks: a changed payload byte still inflates, and only the CRC notices.
  const stored = gzipSync(data, { level: 0 });

  it('carries the CRC-32 across output chunks and accepts an intact file', () => {
    for (const gz of [stored, gzipSync(data)]) {
      const chunks = inflate(gz);
      expect(chunks.length).toBeGreaterThan(1);
      // Compared as one Buffer: toEqual walks a 2 MiB array element by element, for many seconds.
      expect(Buffer.compare(concat(chunks), data)).toBe(0);
    }
  });

  it('rejects a file whose damage lies in a later chunk, by its checksum', () => {
    const damaged = stored.slice();
    damaged[damaged.length - 8 - 1000] ^= 0x01; // in the last stored block, well past the first MiB
    expect(() => inflate(damaged)).toThrow(ArchiveError);
    expect(() => inflate(damaged)).toThrow(/big\.tar\.gz is truncated or corrupt: its gzip checksum/);
  });

  it('rejects a trailer whose CRC or length is wrong', () => {
    for (const offset of [8, 4]) {
      const damaged = stored.slice();
      damaged[damaged.length - offset] ^= 0x80;
      expect(() => inflate(damaged)).toThrow(/its gzip checksum does not match/);
    }
  });
});
