import { gzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CIFAR100_MEAN, CIFAR10_CLASSES } from '../../src/sll/cifar.ts';
import { importCifar, type DroppedFile } from '../../src/data/cifarArchive.ts';
import { ArchiveError } from '../../src/data/errors.ts';
import { concat } from '../helpers/bytes.ts';

// Small archives in the official binary layout: records of label byte(s) then R, G and B planes.

function record(labels: number[], seed: number): Uint8Array {
  const bytes = new Uint8Array(labels.length + 3072);
  bytes.set(labels);
  for (let i = 0; i < 3072; i++) bytes[labels.length + i] = (i * 13 + seed * 101) % 256;
  return bytes;
}

function field(value: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  bytes.set(strToU8(value).subarray(0, length));
  return bytes;
}

/** A ustar archive as GNU tar writes it: 512-byte headers, padded data, two zero blocks. */
function tar(files: [string, Uint8Array][]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, data] of files) {
    const header = new Uint8Array(512);
    header.set(field(name, 100), 0);
    header.set(field('0000644', 8), 100);
    header.set(field('0001750', 8), 108);
    header.set(field('0001750', 8), 116);
    header.set(field(data.length.toString(8).padStart(11, '0'), 12), 124);
    header.set(field('14723011762', 12), 136);
    header.set(field('        ', 8), 148);
    header[156] = 0x30;
    header.set(field('ustar  ', 8), 257);
    const sum = header.reduce((a, b) => a + b, 0);
    header.set(field(`${sum.toString(8).padStart(6, '0')}\0 `, 8), 148);
    blocks.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return concat(blocks);
}

function cifar10Files(overrides: Record<string, Uint8Array> = {}): [string, Uint8Array][] {
  const batch = (first: number, count: number) =>
    concat(Array.from({ length: count }, (_, i) => record([(first + i) % 10], first + i)));
  const files: Record<string, Uint8Array> = {
    'batches.meta.txt': strToU8(CIFAR10_CLASSES.map((c) => c.toUpperCase()).join('\n') + '\n\n'),
    'data_batch_1.bin': batch(0, 2),
    'data_batch_2.bin': batch(2, 2),
    'data_batch_3.bin': batch(4, 2),
    'data_batch_4.bin': batch(6, 2),
    'data_batch_5.bin': batch(8, 3),
    'test_batch.bin': batch(20, 3),
    'readme.html': strToU8('<html></html>'),
    ...overrides,
  };
  return Object.entries(files).map(([name, bytes]) => [`cifar-10-batches-bin/${name}`, bytes]);
}

function cifar100Files(overrides: Record<string, Uint8Array> = {}): [string, Uint8Array][] {
  const files: Record<string, Uint8Array> = {
    'train.bin': concat([record([3, 97], 1), record([19, 0], 2), record([0, 42], 3)]),
    'test.bin': concat([record([7, 99], 4), record([1, 5], 5)]),
    'fine_label_names.txt': strToU8(Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n')),
    'coarse_label_names.txt': strToU8(Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n')),
    ...overrides,
  };
  return Object.entries(files).map(([name, bytes]) => [`cifar-100-binary/${name}`, bytes]);
}

const archive = (name: string, files: [string, Uint8Array][]): DroppedFile => ({
  name,
  bytes: gzipSync(tar(files)),
});

function rejection(files: DroppedFile[]): string {
  try {
    importCifar(files);
  } catch (error) {
    expect(error).toBeInstanceOf(ArchiveError);
    return (error as Error).message;
  }
  throw new Error('expected importCifar to reject these files');
}

describe('CIFAR archive import', () => {
  it('reads cifar-10-binary.tar.gz: CHW records become HWC images, labels and class names kept', () => {
    const dataset = importCifar([archive('cifar-10-binary.tar.gz', cifar10Files())]);
    expect(dataset.kind).toBe('cifar10');
    expect(dataset.train.n).toBe(11);
    expect(dataset.test.n).toBe(3);
    expect(Array.from(dataset.train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    expect(dataset.info.classNames[3]).toBe('CAT');
    expect(dataset.info.mean).toEqual([0.4913, 0.4821, 0.4465]);
    // Pixel (h, w), channel c of record r sits at plane c, offset h*32 + w of the record.
    const source = record([0], 21);
    for (const [h, w, c] of [
      [0, 0, 0],
      [5, 17, 1],
      [31, 31, 2],
    ]) {
      expect(dataset.test.images[3072 + (h * 32 + w) * 3 + c]).toBe(source[1 + c * 1024 + h * 32 + w]);
    }
  });

  it('reads cifar-100-binary.tar.gz with its fine labels and its own mean', () => {
    const dataset = importCifar([archive('cifar-100-binary.tar.gz', cifar100Files())]);
    expect(dataset.kind).toBe('cifar100');
    expect(Array.from(dataset.train.labels)).toEqual([97, 0, 42]);
    expect(Array.from(dataset.test.labels)).toEqual([99, 5]);
    expect(dataset.info.classNames).toHaveLength(100);
    expect(dataset.info.classNames[97]).toBe('fine97');
    expect(dataset.info.mean).toEqual(CIFAR100_MEAN);
    expect(dataset.train.images[2 * 3072 + 3 * 100 + 1]).toBe(record([0, 42], 3)[2 + 1024 + 100]);
  });

  it('reads the extracted .bin files and an uncompressed tar the same way', () => {
    const files = cifar10Files();
    const fromArchive = importCifar([archive('cifar-10-binary.tar.gz', files)]);
    const bins = files
      .filter(([name]) => name.endsWith('.bin'))
      .map(([name, bytes]) => ({ name: name.split('/')[1], bytes }));
    const fromBins = importCifar(bins);
    expect(fromBins.train).toEqual(fromArchive.train);
    expect(fromBins.test).toEqual(fromArchive.test);
    expect(fromBins.info.classNames).toEqual(CIFAR10_CLASSES);
    const fromTar = importCifar([{ name: 'cifar-10-binary.tar', bytes: tar(files) }]);
    expect(fromTar.train).toEqual(fromArchive.train);
  });

  it('rejects truncated or corrupt gzip data', () => {
    const good = archive('cifar-10-binary.tar.gz', cifar10Files()).bytes;
    const cut = (bytes: Uint8Array) => [{ name: 'cifar-10-binary.tar.gz', bytes }];
    expect(rejection(cut(good.subarray(0, Math.floor(good.length / 2))))).toMatch(
      /cifar-10-binary\.tar\.gz is truncated or corrupt/,
    );
    expect(rejection(cut(good.subarray(0, good.length - 4)))).toMatch(/truncated or corrupt/);
    expect(rejection(cut(good.subarray(0, 12)))).toMatch(/truncated: 12 bytes is too short/);
    const flipped = good.slice();
    flipped[Math.floor(good.length / 2)] ^= 0x55;
    // Damage may surface as bad gzip, a bad tar header or a checksum mismatch; it must never pass.
    expect(rejection(cut(flipped))).toMatch(/cifar-10-binary\.tar\.gz is (truncated or )?corrupt/);
  });

  it('rejects files that are not gzip or not CIFAR', () => {
    expect(
      rejection([{ name: 'cifar-10-binary.tar.gz', bytes: strToU8('PK\u0003\u0004 a zip file') }]),
    ).toMatch(/cifar-10-binary\.tar\.gz is not a gzip file/);
    expect(rejection([{ name: 'holiday.jpg', bytes: new Uint8Array(600) }])).toMatch(
      /holiday\.jpg is not a CIFAR archive/,
    );
    expect(rejection([archive('other.tar.gz', [['notes.txt', strToU8('hello')]])])).toMatch(
      /No CIFAR batch files found/,
    );
  });

  it('rejects a tar that is cut short or has a damaged header', () => {
    const whole = tar(cifar10Files());
    expect(rejection([{ name: 'c.tar', bytes: whole.subarray(0, 512 * 4 + 100) }])).toMatch(
      /c\.tar is truncated: the tar data ends inside cifar-10-batches-bin\/data_batch_1\.bin/,
    );
    const damaged = whole.slice();
    damaged[512 + 512 + 0] ^= 1; // the second header (the first file's data fits in one block)
    expect(rejection([{ name: 'c.tar.gz', bytes: gzipSync(damaged) }])).toMatch(/bad checksum/);
  });

  it('rejects wrong record sizes, labels out of range and missing batches, saying where', () => {
    const oneByteOver = concat([record([1], 1), record([2], 2), new Uint8Array(1)]);
    expect(rejection([archive('a.tar.gz', cifar10Files({ 'data_batch_2.bin': oneByteOver }))])).toMatch(
      /data_batch_2\.bin has 6147 bytes, which is not a whole number of 3073-byte CIFAR-10 records \(2 records and 1 bytes over\)/,
    );
    const badLabel = concat([record([1], 1), record([10], 2)]);
    expect(rejection([archive('a.tar.gz', cifar10Files({ 'test_batch.bin': badLabel }))])).toMatch(
      /test_batch\.bin, record 1: label 10 is outside 0\.\.9/,
    );
    const badFine = concat([record([3, 100], 1)]);
    expect(rejection([archive('b.tar.gz', cifar100Files({ 'test.bin': badFine }))])).toMatch(
      /test\.bin, record 0: fine label 100 is outside 0\.\.99/,
    );
    const badCoarse = concat([record([20, 1], 1)]);
    expect(rejection([archive('b.tar.gz', cifar100Files({ 'train.bin': badCoarse }))])).toMatch(
      /coarse label 20 is outside 0\.\.19/,
    );
    // CIFAR-100 records read with the CIFAR-10 record size do not divide evenly.
    const wrongKind = cifar100Files()[0][1];
    expect(rejection([{ name: 'test_batch.bin', bytes: wrongKind }])).toMatch(/missing data_batch_1\.bin/);
    const noBatch4 = cifar10Files().filter(([name]) => !name.endsWith('data_batch_4.bin'));
    expect(rejection([archive('a.tar.gz', noBatch4)])).toMatch(/incomplete: missing data_batch_4\.bin/);
    expect(rejection([])).toMatch(/No files/);
  });
});
