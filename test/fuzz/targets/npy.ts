/** NumPy `.npy` files as the CLI reads `--images` and `--labels` (`loadImages`, through real files). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8 } from 'fflate';
import { CliError } from '../../../src/cli/errors.ts';
import { loadImages } from '../../../src/cli/images.ts';
import { NpyError } from '../../../src/cli/npy.ts';
import { toyConfig } from '../../helpers/toyData.ts';
import type { FuzzTarget } from '../harness.ts';
import { BOUNDARY_INTEGERS, type Mutated, type Rng, mutateBytes, pick } from '../mutate.ts';
import { npyFile } from '../seeds.ts';

const text = (s: string) => strToU8(s);

interface NpyPair {
  images: Uint8Array;
  labels: Uint8Array;
}

const DESCRS = ['<f4', '<f8', '<i4', '<i8', '|u1', '>f4', '<f2', '|b1', '<U8', '|O', '<c8', '', "<f4'"];
const SHAPES = [
  '()',
  '(0,)',
  '(-1,)',
  '(2,)',
  '(2, 3, 8, 8)',
  '(0, 3, 8, 8)',
  '(1000000000, 3, 8, 8)',
  '(99999999999999999999, 3, 8, 8)',
  '(2, 3, 8, 8, 1)',
  '(2.5, 3, 8, 8)',
  '(2L, 3L, 8L, 8L)',
  '(2, 3, 8)',
  `(${Array(40).fill(2).join(', ')})`,
  '(2, 3, 8, 8',
];

/** The header dictionary rewritten: a dtype, order or shape of any kind, sizes kept or not. */
function mutateNpyHeader(file: Uint8Array, rng: Rng): Mutated<Uint8Array> {
  const version = file[6];
  const prefix = version === 1 ? 10 : 12;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLen = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const data = file.subarray(prefix + headerLen);
  const descr = rng.uniform() < 0.5 ? pick(rng, DESCRS) : pick(rng, ['<f4', '<i8']);
  const fortran = pick(rng, ['False', 'False', 'True', 'false', '0']);
  const shape = pick(rng, SHAPES);
  const header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const rebuilt = new Uint8Array(prefix + header.length + 1 + data.length);
  rebuilt.set(file.subarray(0, prefix));
  rebuilt.set(text(header + '\n'), prefix);
  rebuilt.set(data, prefix + header.length + 1);
  const rv = new DataView(rebuilt.buffer);
  const lie = rng.uniform() < 0.15 ? pick(rng, BOUNDARY_INTEGERS) : header.length + 1;
  if (version === 1) rv.setUint16(8, lie & 0xffff, true);
  else rv.setUint32(8, lie >>> 0, true);
  return { value: rebuilt, kind: `header ${header}${lie !== header.length + 1 ? `, length ${lie}` : ''}` };
}

/** The CLI's `--images X.npy --labels Y.npy` for the toy network (loadImages). */
export function npyTarget(): FuzzTarget<NpyPair> & { dispose(): void } {
  const arch = toyConfig().arch;
  const pixels = (n: number) => Array.from({ length: n * 3 * 64 }, (_, i) => ((i * 37) % 256) / 255);
  const dir = mkdtempSync(join(tmpdir(), 'sll-fuzz-npy-'));
  const images = join(dir, 'images.npy');
  const labels = join(dir, 'labels.npy');
  const pair = (i: Uint8Array, l: Uint8Array): NpyPair => ({ images: i, labels: l });
  const good = npyFile(pixels(2), [2, 3, 8, 8], '<f4');
  const goodLabels = npyFile([1, 3], [2], '<i8');
  const specials: Mutated<NpyPair>[] = [
    { kind: 'empty images', value: pair(new Uint8Array(0), goodLabels) },
    { kind: 'magic only', value: pair(good.subarray(0, 6), goodLabels) },
    {
      kind: 'version 4',
      value: pair(Uint8Array.from([...good.subarray(0, 6), 4, ...good.subarray(7)]), goodLabels),
    },
    {
      kind: 'header length 0xffffffff (v2)',
      value: pair(
        (() => {
          const f = npyFile(pixels(2), [2, 3, 8, 8], '<f4', 2);
          new DataView(f.buffer).setUint32(8, 0xffffffff, true);
          return f;
        })(),
        goodLabels,
      ),
    },
    {
      kind: 'shape (1e9, 3, 8, 8) over 2 images',
      value: pair(
        npyFile(
          pixels(2),
          [2, 3, 8, 8],
          '<f4',
          1,
          "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 3, 8, 8), }",
        ),
        goodLabels,
      ),
    },
    { kind: 'a label of 2^60', value: pair(good, npyFile([1, 2 ** 60], [2], '<i8')) },
    { kind: 'a label of 4 (4 classes)', value: pair(good, npyFile([1, 4], [2], '<i4')) },
    {
      kind: 'NaN pixels',
      value: pair(
        npyFile(
          pixels(2).map(() => NaN),
          [2, 3, 8, 8],
          '<f8',
        ),
        goodLabels,
      ),
    },
    {
      kind: 'big-endian images',
      value: pair(
        npyFile(
          pixels(2),
          [2, 3, 8, 8],
          '<f4',
          1,
          "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3, 8, 8), }",
        ),
        goodLabels,
      ),
    },
    {
      kind: 'Fortran order',
      value: pair(
        npyFile(
          pixels(2),
          [2, 3, 8, 8],
          '<f4',
          1,
          "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 8, 8), }",
        ),
        goodLabels,
      ),
    },
  ];
  return {
    name: 'NumPy .npy',
    seeds: [
      { kind: 'float32 v1 + int64 v1', value: pair(good, goodLabels) },
      {
        kind: 'float64 v2 + int32 v3',
        value: pair(npyFile(pixels(3), [3, 3, 8, 8], '<f8', 2), npyFile([0, 1, 2], [3], '<i4', 3)),
      },
    ],
    specials,
    mutate(seed, rng) {
      const which = rng.uniform() < 0.6 ? 'images' : 'labels';
      const m = rng.uniform() < 0.5 ? mutateNpyHeader(seed[which], rng) : mutateBytes(seed[which], rng);
      return { value: { ...seed, [which]: m.value }, kind: `${which}: ${m.kind}` };
    },
    async feed(p) {
      writeFileSync(images, p.images);
      writeFileSync(labels, p.labels);
      await loadImages(arch, { images, labels });
    },
    errors: [NpyError, CliError],
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
