/**
 * readWeights on what users hand over by mistake: images, archives, PDFs and binary data are named
 * for what they are, and no message carries raw bytes or long quotes; PyTorch zips and weights
 * JSON still read.
 */
import { readFileSync } from 'node:fs';
import { gzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { presetArch } from '../../src/sll/arch.ts';
import { initialParams } from '../../src/sll/init.ts';
import { PthFileError } from '../../src/sll/pth.ts';
import { printableExcerpt, readWeights } from '../../src/sll/weightsFile.ts';
import { WeightsFileError, serializeWeights } from '../../src/sll/weightsJson.ts';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

/** Binary noise after a header: what must never reach a message. */
const NOISE = Array.from({ length: 200 }, (_, i) => (i * 37 + 11) % 256);

function refusal(file: string | Uint8Array): string {
  let error: unknown;
  try {
    readWeights(file);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WeightsFileError);
  const message = (error as Error).message;
  // Printable only (no control characters, no U+FFFD from undecodable bytes), and short.
  // eslint-disable-next-line no-control-regex
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
  expect(message.length).toBeLessThan(240);
  return message;
}

describe('readWeights on files that are not weights', () => {
  it('names a PNG image renamed .json (a real one: docs/screenshot.png)', () => {
    const png = new Uint8Array(readFileSync(new URL('../../docs/screenshot.png', import.meta.url)));
    expect(refusal(png)).toBe(
      'this file is a PNG image, not a weights file (sll-lab/weights JSON or a PyTorch .pth)',
    );
  });

  it.each([
    ['a JPEG image', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF', NOISE)],
    ['a GIF image', bytes('GIF89a', NOISE)],
    ['a WebP image', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ', NOISE)],
    ['a PDF document', bytes('%PDF-1.7\n', NOISE)],
    ['a NumPy array (.npy)', bytes([0x93], 'NUMPY', [1, 0], NOISE)],
    ['an HDF5 file (such as a Keras .h5)', bytes([0x89], 'HDF\r\n', [0x1a, 0x0a], NOISE)],
  ])('names %s', (what, file) => {
    expect(refusal(file)).toBe(
      `this file is ${what}, not a weights file (sll-lab/weights JSON or a PyTorch .pth)`,
    );
  });

  it('names compressed files and archives, and says to unpack them', () => {
    const json = serializeWeights(presetArch('tiny'), initialParams(presetArch('tiny'), 1));
    expect(refusal(gzipSync(new TextEncoder().encode(json)))).toMatch(
      /^this file is a gzip-compressed file, not a weights file .*: decompress it first/,
    );
    const tar = new Uint8Array(1024);
    tar.set(bytes('weights.json'), 0);
    tar.set(bytes('ustar'), 257);
    expect(refusal(tar)).toMatch(/^this file is a tar archive, .*: extract it first$/);
    expect(refusal(bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], NOISE))).toMatch(
      /^this file is a 7-Zip archive, .*: extract it first$/,
    );
  });

  it('calls other binary data binary, without quoting it', () => {
    expect(refusal(bytes([0x00, 0x01, 0x02], NOISE))).toBe(
      'this file is binary data, not a weights file (sll-lab/weights JSON or a PyTorch .pth)',
    );
    // Valid UTF-8, but with control characters no JSON text has.
    expect(refusal(bytes('{"format"', [0x07], '}'))).toMatch(/^this file is binary data/);
  });

  it('still hands zip archives to the PyTorch reader (a .pth is a zip)', () => {
    let error: unknown;
    try {
      readWeights(zipSync({ 'a/weights.bin': new Uint8Array(8) }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PthFileError);
    expect((error as Error).message).toMatch(/no data\.pkl/);
  });

  it('quotes broken JSON text only as a short, printable excerpt', () => {
    expect(refusal('{"format": "sll-lab/weights", "ver')).toMatch(/^not a JSON file \(/);
    const long = `{"format": ${'x'.repeat(5000)}\n\t}`;
    expect(refusal(long)).toMatch(/^not a JSON file \(/);
    expect(refusal(new TextEncoder().encode('"a JSON string"'))).toBe('the file must hold one JSON object');
  });

  it('reads a weights JSON, as text or bytes', () => {
    const arch = presetArch('tiny');
    const json = serializeWeights(arch, initialParams(arch, 1));
    expect(readWeights(json).arch).toEqual(arch);
    expect(readWeights(new TextEncoder().encode(json)).arch).toEqual(arch);
  });

  it('printableExcerpt drops control characters and caps the length', () => {
    expect(printableExcerpt('a\u0000\u0001b\nc', 80)).toBe('a b c');
    expect(printableExcerpt('abcdef', 3)).toBe('abc…');
  });
});
