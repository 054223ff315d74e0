/**
 * Dropped CIFAR-10/100 archives and .bin files (`importCifar`): mutations of the gzip bytes, of
 * the tar inside (headers rewritten and resealed: sizes, types, names) and of the records (label
 * bytes, record sizes), plus gzip bombs and headers lying about sizes. Every case is refused with
 * an ArchiveError of its own within 2 s, and nothing a header claims is allocated before it arrives.
 */
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importCifar } from '../../src/data/cifarArchive.ts';
import { ArchiveError } from '../../src/data/errors.ts';
import { itFuzzes } from './ci.ts';
import { cifar10Files, gzipBomb, tarArchive, tarHeader } from './seeds.ts';
import { cifarTarget } from './targets/cifar.ts';
import { concat } from '../helpers/bytes.ts';

function refusal(name: string, bytes: Uint8Array): { message: string; ms: number; arrayBuffers: number } {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  try {
    importCifar([{ name, bytes }]);
  } catch (e) {
    expect(e).toBeInstanceOf(ArchiveError);
    return {
      message: (e as Error).message,
      ms: performance.now() - t0,
      arrayBuffers: process.memoryUsage().arrayBuffers - before,
    };
  }
  throw new Error('expected a refusal');
}

describe('fuzz: CIFAR archives', () => {
  it('refuses a gzip bomb after one push, whatever its trailer claims', () => {
    for (const bomb of [gzipBomb(4), gzipBomb(1)]) {
      const r = refusal('bomb.tar.gz', bomb);
      expect(r.message).toMatch(
        /^bomb\.tar\.gz inflates 16 kB of its bytes into 17 MB, a ratio no image archive has/,
      );
      expect(r.ms).toBeLessThan(2000);
    }
  });

  it('refuses tar headers lying about sizes without allocating what they claim', () => {
    const tar = tarArchive(cifar10Files());
    const lying = (size: number, kind = '0', name = 'cifar-10-batches-bin/data_batch_1.bin') =>
      concat([tarHeader(name, size, kind), tar]);
    expect(refusal('c.tar.gz', gzipSync(lying(8 ** 11 - 1))).message).toBe(
      'c.tar.gz: data_batch_1.bin says it holds 8589934591 bytes, more than any CIFAR batch file (at most 184440000): the archive is corrupt.',
    );
    expect(refusal('c.tar', lying(100e6)).message).toMatch(
      /^c\.tar is truncated: the tar data ends inside cifar-10-batches-bin\/data_batch_1\.bin \(its header says 100000000 bytes, \d+ are left\)\.$/,
    );
    const claimed = refusal('c.tar.gz', gzipSync(lying(150e6)));
    expect(claimed.message).toMatch(/^c\.tar\.gz is truncated: the tar data ends inside/);
    expect(claimed.arrayBuffers).toBeLessThan(16 * 2 ** 20);
    expect(refusal('c.tar.gz', gzipSync(lying(2 ** 30, 'L', '././@LongLink'))).message).toBe(
      'c.tar.gz is corrupt: a tar long-name entry says 1073741824 bytes, far more than a path.',
    );
  });

  itFuzzes('refuses every broken archive with its own message, in bounded memory', cifarTarget, 300);
});
