/**
 * Dropped CIFAR-10/100 archives and .bin files into `importCifar`: the gzip bytes, the tar inside
 * (headers rewritten and resealed), the records (label bytes, sizes), bombs and lying headers.
 */
import { gzipSync, strToU8 } from 'fflate';
import { type DroppedFile, importCifar } from '../../../src/data/cifarArchive.ts';
import { ArchiveError } from '../../../src/data/errors.ts';
import type { FuzzTarget } from '../harness.ts';
import { type Mutated, type Rng, mutateBytes, pick, randomInt, splice } from '../mutate.ts';
import {
  cifar100Files,
  cifar10Files,
  cifarRecord,
  gzipBomb,
  sealTarHeader,
  tarArchive,
  tarHeader,
} from '../seeds.ts';

const text = (s: string) => strToU8(s);

/** The 512-byte headers of a well-formed tar, by offset. */
function tarHeaders(tar: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break;
    out.push(at);
    const size = parseInt(new TextDecoder().decode(tar.subarray(at + 124, at + 135)), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const SIZE_LIES = [0, 1, 511, 512, 3073, 6145, 6147, 2 ** 20, 150e6, 2 ** 31, 8 ** 11 - 1];

/** A header field rewritten (size, type, name, magic), the checksum sealed again most of the time. */
function mutateTarHeader(tar: Uint8Array, rng: Rng): Mutated<Uint8Array> {
  const headers = tarHeaders(tar);
  if (headers.length === 0) return mutateBytes(tar, rng);
  const at = pick(rng, headers);
  const out = tar.slice();
  const header = out.subarray(at, at + 512);
  let kind: string;
  const choice = randomInt(rng, 4);
  if (choice === 0) {
    const size = rng.uniform() < 0.8 ? pick(rng, SIZE_LIES) : randomInt(rng, 2 ** 24);
    header.set(text(size.toString(8).padStart(11, '0').slice(-11)).subarray(0, 11), 124);
    kind = `size ${size}`;
  } else if (choice === 1) {
    const type = pick(rng, ['L', 'x', 'g', '5', '2', '1', '\0', 'K', '7']);
    header[156] = type.charCodeAt(0);
    kind = `type ${JSON.stringify(type)}`;
  } else if (choice === 2) {
    const name = pick(rng, [
      '',
      '../../etc/passwd',
      'data_batch_1.bin',
      'x/'.repeat(60),
      '\u0001\u0002bad',
      'test_batch.bin\u0000junk',
    ]);
    header.fill(0, 0, 100);
    header.set(text(name).subarray(0, 100), 0);
    kind = `name ${JSON.stringify(name)}`;
  } else {
    header[124 + randomInt(rng, 12)] = pick(rng, [0x80, 0xff, 0x20, 0x39, 0x00]);
    kind = 'size field garbled';
  }
  if (rng.uniform() < 0.9) sealTarHeader(header);
  else kind += ', checksum left';
  return { value: out, kind: `tar header at ${at}: ${kind}` };
}

/** A label byte of some record set to any value (most are out of range). */
function mutateLabel(bin: Uint8Array, rng: Rng, labelBytes: number): Mutated<Uint8Array> {
  const records = Math.floor(bin.length / (labelBytes + 3072));
  if (records === 0) return mutateBytes(bin, rng);
  const out = bin.slice();
  const r = randomInt(rng, records);
  const k = randomInt(rng, labelBytes);
  const value = randomInt(rng, 256);
  out[r * (labelBytes + 3072) + k] = value;
  return { value: out, kind: `record ${r} label byte ${k} = ${value}` };
}

function gzipped(m: Mutated<Uint8Array>): Mutated<Uint8Array> {
  return { value: gzipSync(m.value), kind: `${m.kind}, gzipped` };
}

/** The dataset import path: `importCifar` with dropped archives and .bin files. */
export function cifarTarget(): FuzzTarget<DroppedFile[]> {
  const tar10 = tarArchive(cifar10Files());
  const inner = new Map<Uint8Array, Uint8Array>();
  const gz = gzipSync(tar10);
  inner.set(gz, tar10);
  const files100 = cifar100Files().map(([name, bytes]) => ({ name, bytes }));
  const lyingTar = (size: number, kind = '0', name = 'cifar-10-batches-bin/data_batch_1.bin') => {
    const header = tarHeader(name, size, kind);
    return splice(tar10, 0, 0, header);
  };
  const specials: Mutated<DroppedFile[]>[] = [
    { kind: 'nothing dropped', value: [] },
    { kind: 'an empty .tar.gz', value: [{ name: 'x.tar.gz', bytes: new Uint8Array(0) }] },
    { kind: '1 MB of zeros as .tar.gz', value: [{ name: 'x.tar.gz', bytes: new Uint8Array(2 ** 20) }] },
    {
      kind: 'gzip bomb: 4 GiB of zeros, trailer claims 0 bytes',
      value: [{ name: 'bomb.tar.gz', bytes: gzipBomb(4) }],
    },
    {
      kind: 'gzip bomb: 1 GiB of zeros, trailer honest',
      value: [{ name: 'bomb.tar.gz', bytes: gzipBomb(1) }],
    },
    {
      kind: 'tar.gz: data_batch_1.bin claims 8 GiB',
      value: [{ name: 'c.tar.gz', bytes: gzipSync(lyingTar(8 ** 11 - 1)) }],
    },
    { kind: 'tar: data_batch_1.bin claims 8 GiB', value: [{ name: 'c.tar', bytes: lyingTar(8 ** 11 - 1) }] },
    {
      kind: 'tar.gz: data_batch_1.bin claims 150 MB, holds 30 kB',
      value: [{ name: 'c.tar.gz', bytes: gzipSync(lyingTar(150e6)) }],
    },
    {
      kind: 'tar.gz: a long-name entry claims 1 GiB',
      value: [{ name: 'c.tar.gz', bytes: gzipSync(lyingTar(2 ** 30, 'L', '././@LongLink')) }],
    },
    {
      kind: 'tar.gz: batches.meta.txt claims 1 MiB',
      value: [
        {
          name: 'c.tar.gz',
          bytes: gzipSync(lyingTar(2 ** 20, '0', 'cifar-10-batches-bin/batches.meta.txt')),
        },
      ],
    },
    {
      kind: 'tar: a base-256 size',
      value: [
        {
          name: 'c.tar',
          bytes: (() => {
            const t = tar10.slice();
            t.set([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0], 124);
            sealTarHeader(t.subarray(0, 512));
            return t;
          })(),
        },
      ],
    },
    {
      kind: 'two gzip members',
      value: [{ name: 'c.tar.gz', bytes: new Uint8Array([...gz, ...gz]) }],
    },
    {
      kind: 'cifar-10 label 10',
      value: [{ name: 'data_batch_1.bin', bytes: cifarRecord([10], 1) }],
    },
    {
      kind: 'cifar-100 fine label 100',
      value: [
        { name: 'train.bin', bytes: cifarRecord([3, 100], 1) },
        { name: 'test.bin', bytes: cifarRecord([3, 4], 1) },
      ],
    },
    {
      kind: 'a record one byte short',
      value: [
        { name: 'train.bin', bytes: cifarRecord([3, 4], 1).subarray(1) },
        { name: 'test.bin', bytes: cifarRecord([3, 4], 1) },
      ],
    },
  ];
  return {
    name: 'CIFAR archives',
    seeds: [
      { kind: 'cifar-10 tar.gz', value: [{ name: 'cifar-10-binary.tar.gz', bytes: gz }] },
      { kind: 'cifar-10 tar', value: [{ name: 'cifar-10-binary.tar', bytes: tar10 }] },
      { kind: 'cifar-100 .bin files', value: files100 },
    ],
    specials,
    mutate(seed, rng) {
      const files = seed.map((f) => ({ ...f }));
      if (rng.uniform() < 0.1) {
        const i = randomInt(rng, files.length);
        const change = randomInt(rng, 3);
        if (change === 0) files.splice(i, 1);
        else if (change === 1) files.push({ ...files[i] });
        else files[i].name = pick(rng, ['x.bin', 'x.gz', 'data_batch_1.bin', 'test.bin', 'a.txt']);
        return { value: files, kind: `file ${i}: ${['dropped', 'twice', 'renamed'][change]}` };
      }
      const i = randomInt(rng, files.length);
      const f = files[i];
      const tar = inner.get(f.bytes);
      let m: Mutated<Uint8Array>;
      if (tar && rng.uniform() < 0.7) {
        m = gzipped(rng.uniform() < 0.5 ? mutateTarHeader(tar, rng) : mutateBytes(tar, rng));
      } else if (f.name.endsWith('.tar') && rng.uniform() < 0.5) {
        m = mutateTarHeader(f.bytes, rng);
      } else if (f.name.endsWith('.bin') && rng.uniform() < 0.4) {
        m = mutateLabel(f.bytes, rng, f.name === 'train.bin' || f.name === 'test.bin' ? 2 : 1);
      } else {
        m = mutateBytes(f.bytes, rng);
      }
      files[i] = { name: f.name, bytes: m.value };
      return { value: files, kind: `${f.name}: ${m.kind}` };
    },
    feed: (files) => importCifar(files),
    errors: [ArchiveError],
  };
}
