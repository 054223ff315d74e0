/**
 * Valid inputs the fuzz cases start from, built in memory: PyTorch `.pth` files (a small pickle
 * writer, a stored zip, torch's legacy stream), CIFAR `.bin` records, tar and tar.gz archives, a
 * gzip bomb, `.npy` files of every dtype the CLI reads, and a trained toy run for weights files
 * and checkpoints.
 */
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import CRC32 from 'crc-32';
import { gzipSync, strToU8 } from 'fflate';
import type { Arch } from '../../src/sll/arch.ts';
import { CIFAR10_CLASSES } from '../../src/sll/cifar.ts';
import { type ParamMap, paramSpecs } from '../../src/sll/params.ts';
import { NPY_MAGIC } from '../../src/cli/npy.ts';
import { type CheckpointStore, memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import { Trainer } from '../../src/engine/trainer.ts';
import type { WorkerEvent } from '../../src/protocol.ts';
import { concat } from '../helpers/bytes.ts';
import { toyConfig, toyData } from '../helpers/toyData.ts';

// ---------------------------------------------------------------------------------------------
// A toy Trainer, as the page's worker drives one

export interface ToyTrainer {
  trainer: Trainer;
  events: WorkerEvent[];
  store: CheckpointStore;
}

/** A Trainer on the toy data (any dataset id loads it), with `store` for its checkpoints. */
export function toyTrainer(store: CheckpointStore = memoryCheckpointStore()): ToyTrainer {
  const events: WorkerEvent[] = [];
  let clock = 0;
  const data = toyData();
  const trainer = new Trainer({
    emit: (e) => events.push(e),
    loadData: async () => data,
    store,
    now: () => (clock += 10),
    yieldToEvents: async () => {},
    metricsIntervalMs: 0,
  });
  return { trainer, events, store };
}

/** A toy run trained for one epoch with an evaluation every 3 steps: weights, Adam, history, radii. */
export async function trainedToy(store?: CheckpointStore): Promise<ToyTrainer> {
  const toy = toyTrainer(store);
  toy.trainer.configure(toyConfig({ epochs: 1, evalEvery: 3, checkpointEvery: 3 }));
  await toy.trainer.start();
  return toy;
}

/** Every parameter's bits, to tell "untouched" from "changed" exactly (NaN payloads included). */
export async function weightBits(trainer: Trainer): Promise<Map<string, Uint32Array>> {
  const params = await trainer.model!.exportParams();
  return new Map([...params].map(([k, v]) => [k, new Uint32Array(v.slice().buffer)]));
}

export function sameBits(a: Map<string, Uint32Array>, b: Map<string, Uint32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length || v.some((x, i) => x !== w[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// PyTorch files

/** A protocol-2 pickle writer: just the opcodes torch.save writes for a state dict or checkpoint. */
export class PickleWriter {
  readonly out: number[] = [0x80, 0x02];
  op(code: string): this {
    this.out.push(code.charCodeAt(0));
    return this;
  }
  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  global(module: string, name: string): this {
    return this.op('c').raw(...strToU8(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const b = strToU8(s);
    return this.op('X').raw(b.length & 255, (b.length >> 8) & 255, 0, 0, ...b);
  }
  int(n: number): this {
    return this.op('J').raw(n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.op('G').raw(...b);
  }
  ints(values: number[]): this {
    this.op('(');
    values.forEach((v) => this.int(v));
    return this.op('t');
  }
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').op(')').op('R');
  }
  /** SETITEMS into the dict on the stack: each writer pushes a key and a value. */
  items(writers: (() => void)[]): this {
    this.op('(');
    writers.forEach((w) => w());
    return this.op('u');
  }
  /** `_rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())`. */
  tensor(key: string, size: number[], legacy = false): this {
    const numel = size.reduce((a, b) => a * b, 1);
    const stride = size.map((_, k) => size.slice(k + 1).reduce((a, b) => a * b, 1));
    this.global('torch._utils', '_rebuild_tensor_v2').op('(');
    this.op('(').str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(numel);
    if (legacy) this.op('N');
    this.op('t').op('Q');
    return this.int(0).ints(size).ints(stride).op('\x89').orderedDict().op('t').op('R');
  }
  bytes(): Uint8Array {
    return Uint8Array.from([...this.out, '.'.charCodeAt(0)]);
  }
}

const float32Bytes = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();

export interface PthOptions {
  /** The authors' layout: `module.model.` names inside a checkpoint dict with Adam's state. */
  checkpoint?: boolean;
  legacy?: boolean;
}

/**
 * A state dict for `arch` with `mean` and `std` buffers (so the arch reads off the file even with
 * a class count other than 10 or 100), or the authors' checkpoint around it with Adam's state.
 * Returns the pickle and its storages by key.
 */
export function pthParts(
  arch: Arch,
  params: ParamMap,
  options: PthOptions = {},
): { pickle: Uint8Array; storages: Map<string, Uint8Array> } {
  const storages = new Map<string, Uint8Array>();
  const p = new PickleWriter();
  const legacy = options.legacy ?? false;
  const tensor = (values: Float32Array, shape: number[]) => {
    const key = String(storages.size);
    storages.set(key, float32Bytes(values));
    p.tensor(key, shape, legacy);
  };
  const prefix = options.checkpoint ? 'module.model.' : '';
  const stateDict = () => {
    const specs = paramSpecs(arch);
    p.orderedDict().op('(');
    specs.forEach((spec) => {
      p.str(prefix + spec.name);
      tensor(params.get(spec.name)!, spec.shape);
    });
    p.str(`${options.checkpoint ? 'module.' : ''}mean`);
    tensor(Float32Array.from(arch.mean), [arch.mean.length]);
    p.str(`${options.checkpoint ? 'module.' : ''}std`);
    tensor(Float32Array.from(arch.std), [arch.std.length]);
    p.op('u');
  };
  if (!options.checkpoint) {
    stateDict();
    return { pickle: p.bytes(), storages };
  }
  const specs = paramSpecs(arch);
  p.op('}').items([
    () => p.str('epoch').int(3),
    () => p.str('global_step').int(6),
    () => {
      p.str('model_state_dict');
      stateDict();
    },
    () => {
      p.str('optimizer_state_dict').op('}');
      p.items([
        () => {
          p.str('state').op('}');
          p.items(
            specs.map((spec, i) => () => {
              const n = spec.shape.reduce((a, b) => a * b, 1);
              p.int(i).op('}');
              p.items([
                () => p.str('step').float(6),
                () => {
                  p.str('exp_avg');
                  tensor(
                    Float32Array.from({ length: n }, (_, k) => ((k % 7) - 3) * 1e-3),
                    spec.shape,
                  );
                },
                () => {
                  p.str('exp_avg_sq');
                  tensor(
                    Float32Array.from({ length: n }, (_, k) => (k % 5) * 1e-6),
                    spec.shape,
                  );
                },
              ]);
            }),
          );
        },
        () => {
          p.str('param_groups').op(']').op('}');
          p.items([
            () => p.str('lr').float(0.01),
            () => p.str('betas').float(0.5).float(0.9).op('\x86'),
            () => p.str('amsgrad').op('\x89'),
            () => {
              p.str('params').op(']').op('(');
              specs.forEach((_, i) => p.int(i));
              p.op('e');
            },
          ]);
          p.op('a');
        },
      ]);
    },
  ]);
  return { pickle: p.bytes(), storages };
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  /** Written as deflated (method 8), which torch.save never does. */
  deflate?: boolean;
}

/**
 * A zip archive as torch.save writes it (stored entries); `centralRepeat` lists the first entry
 * that many extra times in the central directory (entries overlapping to multiply the file).
 */
export function zipArchive(entries: ZipEntry[], centralRepeat = 0): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const records: { header: Uint8Array; offset: number }[] = [];
  for (const e of entries) {
    const name = strToU8(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.deflate ? 8 : 0, true);
    lv.setUint32(14, CRC32.buf(e.data) >>> 0, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const header = new Uint8Array(46 + name.length);
    const cv = new DataView(header.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.deflate ? 8 : 0, true);
    cv.setUint32(16, CRC32.buf(e.data) >>> 0, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    header.set(name, 46);
    records.push({ header, offset });
    locals.push(local, body);
    offset += local.length + body.length;
  }
  for (const r of records) central.push(r.header);
  for (let i = 0; i < centralRepeat; i++) central.push(records[0].header);
  const directory = concat(central);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, Math.min(central.length, 0xffff), true);
  ev.setUint16(10, Math.min(central.length, 0xffff), true);
  ev.setUint32(12, directory.length, true);
  ev.setUint32(16, offset, true);
  return concat([...locals, directory, end]);
}

/** A torch.save zip (`archive/data.pkl`, `archive/data/<key>`, `archive/byteorder`). */
export function pthZip(arch: Arch, params: ParamMap, options: PthOptions = {}): Uint8Array {
  const { pickle, storages } = pthParts(arch, params, options);
  return pthZipOf(pickle, storages);
}

/** The zip torch.save writes around a pickle and its storages. */
export function pthZipOf(pickle: Uint8Array, storages: Map<string, Uint8Array>): Uint8Array {
  return zipArchive([
    { name: 'archive/data.pkl', data: pickle },
    { name: 'archive/byteorder', data: strToU8('little') },
    ...[...storages].map(([key, data]) => ({ name: `archive/data/${key}`, data })),
    { name: 'archive/version', data: strToU8('3\n') },
  ]);
}

/** The legacy stream: magic, protocol version, system info, the object, the keys, the storages. */
export function pthLegacy(arch: Arch, params: ParamMap): Uint8Array {
  const { pickle, storages } = pthParts(arch, params, { legacy: true });
  return pthLegacyOf(pickle, storages);
}

/** The legacy stream around a pickle (written with `legacy: true`) and its storages. */
export function pthLegacyOf(pickle: Uint8Array, storages: Map<string, Uint8Array>): Uint8Array {
  const magic = new PickleWriter();
  magic.out.push(0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);
  const version = new PickleWriter().raw(0x4a, 0xe9, 0x03, 0, 0); // BININT 1001
  const sysInfo = new PickleWriter().op('}');
  sysInfo.items([() => sysInfo.str('little_endian').op('\x88')]);
  const keys = new PickleWriter().op(']').op('(');
  for (const key of storages.keys()) keys.str(key);
  keys.op('e');
  const parts: Uint8Array[] = [magic.bytes(), version.bytes(), sysInfo.bytes(), pickle, keys.bytes()];
  for (const data of storages.values()) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(data.length / 4), true);
    parts.push(count, data);
  }
  return concat(parts);
}

// ---------------------------------------------------------------------------------------------
// CIFAR archives

/** A record: label byte(s), then R, G and B planes of 32 x 32. */
export function cifarRecord(labels: number[], seed: number): Uint8Array {
  const bytes = new Uint8Array(labels.length + 3072);
  bytes.set(labels);
  for (let i = 0; i < 3072; i++) bytes[labels.length + i] = (i * 13 + seed * 101 + ((i * i) >> 5)) % 256;
  return bytes;
}

function field(value: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  bytes.set(strToU8(value).subarray(0, length));
  return bytes;
}

/** Writes the header checksum (the byte sum with the checksum field read as spaces). */
export function sealTarHeader(header: Uint8Array): void {
  header.set(field('        ', 8), 148);
  const sum = header.reduce((a, b) => a + b, 0);
  header.set(field(`${sum.toString(8).padStart(6, '0')}\0 `, 8), 148);
}

/** A tar header as GNU tar writes it; `size` may differ from what follows (a lying header). */
export function tarHeader(name: string, size: number, kind = '0'): Uint8Array {
  const header = new Uint8Array(512);
  header.set(field(name, 100), 0);
  header.set(field('0000644', 8), 100);
  header.set(field('0001750', 8), 108);
  header.set(field('0001750', 8), 116);
  header.set(field(size.toString(8).padStart(11, '0'), 12), 124);
  header.set(field('14723011762', 12), 136);
  header[156] = kind.charCodeAt(0);
  header.set(field('ustar  ', 8), 257);
  sealTarHeader(header);
  return header;
}

/** A ustar archive: 512-byte headers, data padded to 512, two zero blocks. */
export function tarArchive(files: [string, Uint8Array][]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, data] of files) {
    blocks.push(tarHeader(name, data.length), data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return concat(blocks);
}

/** The CIFAR-10 binary distribution in miniature: 2 records a batch, class names, a readme. */
export function cifar10Files(): [string, Uint8Array][] {
  const batch = (first: number) => concat([0, 1].map((i) => cifarRecord([(first + i) % 10], first + i)));
  const files: [string, Uint8Array][] = [
    ['batches.meta.txt', strToU8(CIFAR10_CLASSES.join('\n') + '\n')],
    ['data_batch_1.bin', batch(0)],
    ['data_batch_2.bin', batch(2)],
    ['data_batch_3.bin', batch(4)],
    ['data_batch_4.bin', batch(6)],
    ['data_batch_5.bin', batch(8)],
    ['test_batch.bin', batch(20)],
    ['readme.html', strToU8('<html></html>')],
  ];
  return files.map(([name, bytes]) => [`cifar-10-batches-bin/${name}`, bytes]);
}

/** CIFAR-100's train.bin, test.bin and fine label names, as extracted files. */
export function cifar100Files(): [string, Uint8Array][] {
  return [
    ['train.bin', concat([cifarRecord([3, 97], 1), cifarRecord([19, 0], 2)])],
    ['test.bin', concat([cifarRecord([7, 99], 4)])],
    ['fine_label_names.txt', strToU8(Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n'))],
  ];
}

export const cifar10TarGz = () => gzipSync(tarArchive(cifar10Files()));

let bombPiece: Uint8Array | null = null;

/**
 * A gzip file whose deflate data inflates to `gibibytes` GiB of zeros (a 1032:1 bomb, 1 MB a GiB):
 * 16 MiB of zeros deflated up to a sync flush, repeated, then an empty final block. The trailer
 * claims `claimedSize` (by default the true size modulo 2^32, which is 0 for whole GiB multiples of 4).
 */
export function gzipBomb(gibibytes: number, claimedSize?: number): Uint8Array {
  bombPiece ??= new Uint8Array(
    deflateRawSync(new Uint8Array(16 * 2 ** 20), { level: 9, finishFlush: zlibConstants.Z_SYNC_FLUSH }),
  );
  const repeats = gibibytes * 64;
  const trailer = new Uint8Array(8);
  new DataView(trailer.buffer).setUint32(4, claimedSize ?? (gibibytes * 2 ** 30) % 2 ** 32, true);
  const header = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  return concat([header, ...Array.from({ length: repeats }, () => bombPiece!), Uint8Array.of(3, 0), trailer]);
}

// ---------------------------------------------------------------------------------------------
// NumPy files

export type NpyDescr = '<f4' | '<f8' | '<i4' | '<i8' | '|u1';

/** A `.npy` of format `version` (1: 2-byte header length; 2 and 3: 4-byte), padded as NumPy pads. */
export function npyFile(
  values: ArrayLike<number>,
  shape: number[],
  descr: NpyDescr,
  version: 1 | 2 | 3 = 1,
  header?: string,
): Uint8Array {
  const size = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1 }[descr];
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const prefix = version === 1 ? 10 : 12;
  let text = header ?? `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  text += ' '.repeat((64 - ((prefix + text.length + 1) % 64)) % 64) + '\n';
  const head = strToU8(text);
  const out = new Uint8Array(prefix + head.length + values.length * size);
  out.set(NPY_MAGIC);
  out[6] = version;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, head.length, true);
  else view.setUint32(8, head.length, true);
  out.set(head, prefix);
  const base = prefix + head.length;
  for (let i = 0; i < values.length; i++) {
    const at = base + i * size;
    if (descr === '<f4') view.setFloat32(at, values[i], true);
    else if (descr === '<f8') view.setFloat64(at, values[i], true);
    else if (descr === '<i4') view.setInt32(at, values[i], true);
    else if (descr === '<i8') view.setBigInt64(at, BigInt(values[i]), true);
    else out[at] = values[i];
  }
  return out;
}
