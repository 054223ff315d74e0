/**
 * PyTorch checkpoints (`torch.save`): the authors' `{epoch, global_step, model_state_dict,
 * optimizer_state_dict}` or a bare `state_dict`, read into the same validated `LoadedWeights` as an
 * `sll-lab/weights` file (docs/math.md §6). The file is a zip archive (torch >= 1.6: `data.pkl`
 * plus one raw little-endian storage per `data/<key>`) or, from older torch, one stream of pickles
 * and storages.
 *
 * A pickle is a program: unpickling runs whatever callables it names. This reader runs nothing
 * from the file. pickleparser only interprets the opcodes; every global the pickle names is looked
 * up in an allow-list of plain data builders written here (dicts, tensors, storage types), and any
 * other name (`os.system`, `builtins.eval`, a model class) stops the parse with its name.
 */
import { unzipSync } from 'fflate';
import { BufferReader, Parser } from 'pickleparser';
import { type Arch, ArchError, validateArch } from './arch.ts';
import { ArchInferenceError, type Normalization, describeInferredArch, inferArch } from './inferArch.ts';
import { type ParamMap, sizeOf } from './params.ts';
import {
  type LoadedWeights,
  type OptimizerState,
  type TensorSpecs,
  WeightsFileError,
  checkFinite,
  checkSecondMoments,
  checkShape,
  collectTensors,
  quotedName,
  specFor,
  stripModulePrefix,
  tensorSpecs,
} from './weightsJson.ts';

/** Everything wrong with a PyTorch file; a `WeightsFileError`, like the JSON reader's. */
export class PthFileError extends WeightsFileError {
  override name = 'PthFileError';
}

export interface PthOptions {
  /**
   * The network, when its shapes leave it open (no convolutions; a class count other than 10 or
   * 100). Given, it is used as is (also for mean and std) and every tensor is checked against it.
   */
  arch?: Arch;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** torch's legacy format begins with a protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

export function isZip(bytes: Uint8Array): boolean {
  return startsWith(bytes, ZIP_MAGIC);
}

/** A `torch.save` file, by its first bytes (a zip archive, or torch's legacy pickle stream). */
export function isPthFile(bytes: Uint8Array): boolean {
  return isZip(bytes) || startsWith(bytes, LEGACY_MAGIC);
}

// ---------------------------------------------------------------------------------------------
// What the pickle may build

interface StorageType {
  /** `torch.FloatStorage` etc., for messages. */
  global: string;
  dtype: string;
  itemSize: number;
}

const STORAGE_TYPES: [string, string, number][] = [
  ['FloatStorage', 'float32', 4],
  ['DoubleStorage', 'float64', 8],
  ['HalfStorage', 'float16', 2],
  ['BFloat16Storage', 'bfloat16', 2],
  ['LongStorage', 'int64', 8],
  ['IntStorage', 'int32', 4],
  ['ShortStorage', 'int16', 2],
  ['CharStorage', 'int8', 1],
  ['ByteStorage', 'uint8', 1],
  ['BoolStorage', 'bool', 1],
];

/** A storage the pickle refers to by persistent id; its bytes live outside the pickle. */
class StorageRef {
  constructor(
    readonly type: StorageType,
    readonly key: string,
    readonly numel: number,
  ) {
    Object.freeze(this);
  }
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage. */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {
    Object.freeze(this);
  }
}

/** Names a pickle may use, mapped to functions that build plain data (the pickle calls them). */
type Builder = (...args: unknown[]) => unknown;

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return 'a list or tuple';
  if (v instanceof TensorRef) return `a tensor of shape [${v.shape.join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(quotedName(v.length > 40 ? v.slice(0, 40) + '…' : v));
  if (typeof v === 'function') return 'a class or function';
  return typeof v === 'object' ? 'an object' : String(v);
}

/** A non-negative integer from the pickle (BININT, LONG1 or, for large values, LONG4's bigint). */
function count(v: unknown, what: string): number {
  const n = typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new PthFileError(`${what} must be a non-negative integer, got ${describe(v)}`);
  }
  return n;
}

function counts(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new PthFileError(`${what} must be a tuple of integers, got ${describe(v)}`);
  return v.map((x) => count(x, what));
}

function orderedDict(...args: unknown[]): Map<unknown, unknown> {
  const dict = new Map<unknown, unknown>();
  if (args.length === 0) return dict;
  if (args.length > 1 || !Array.isArray(args[0])) {
    throw new PthFileError('collections.OrderedDict called with unexpected arguments');
  }
  for (const item of args[0] as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2) {
      throw new PthFileError('collections.OrderedDict called with items that are not pairs');
    }
    dict.set(item[0], item[1]);
  }
  return dict;
}

function rebuildTensor(...args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) {
    throw new PthFileError(`torch._utils._rebuild_tensor_v2 called with ${describe(storage)} for a storage`);
  }
  const shape = counts(size, 'a tensor size');
  const strides = counts(stride, 'a tensor stride');
  if (strides.length !== shape.length) {
    throw new PthFileError(
      `a tensor of size [${shape.join(', ')}] has ${strides.length} strides: one a dimension is needed`,
    );
  }
  return new TensorRef(storage, count(offset, 'a storage offset'), shape, strides);
}

function rebuildParameter(...args: unknown[]): TensorRef {
  if (!(args[0] instanceof TensorRef)) {
    throw new PthFileError(`torch._utils._rebuild_parameter called with ${describe(args[0])} for a tensor`);
  }
  return args[0];
}

/**
 * The only globals a pickle may name: a state dict and an optimizer's state need nothing else.
 * Storage types are markers (the persistent ids name them); calling one is refused.
 */
function allowedGlobals(): { builders: Map<string, Builder>; storageTypes: Map<Builder, StorageType> } {
  const builders = new Map<string, Builder>([
    ['collections.OrderedDict', orderedDict],
    ['torch._utils._rebuild_tensor_v2', rebuildTensor],
    ['torch._utils._rebuild_parameter', rebuildParameter],
  ]);
  const storageTypes = new Map<Builder, StorageType>();
  for (const [name, dtype, itemSize] of STORAGE_TYPES) {
    const global = `torch.${name}`;
    const marker: Builder = () => {
      throw new PthFileError(`${global} may only appear in a storage's persistent id`);
    };
    builders.set(global, marker);
    storageTypes.set(marker, Object.freeze({ global, dtype, itemSize }));
  }
  for (const builder of builders.values()) Object.freeze(builder);
  return { builders, storageTypes };
}

/** Where storage bytes come from: zip entries, or the legacy stream after the pickles. */
interface StorageSource {
  /** Checked as the pickle names it (the zip reader knows its entries up front). */
  check(key: string, type: StorageType, numel: number): void;
  bytes(storage: StorageRef): Uint8Array;
  /**
   * Hands a storage's bytes over for good, once: zip entries are fresh copies nothing else holds,
   * so a float32 tensor that is its whole storage can keep them instead of copying again.
   */
  takeOver?(storage: StorageRef): boolean;
}

/** Unpickles `data` with the allow-list; `persistentId` reads a storage reference. */
function unpickle(
  parser: (options: ConstructorParameters<typeof Parser>[0]) => unknown,
  persistentId: (pid: unknown, storageTypes: Map<Builder, StorageType>) => StorageRef,
): unknown {
  const { builders, storageTypes } = allowedGlobals();
  try {
    return parser({
      nameResolver: {
        resolve: (module: string, name: string) => {
          // STACK_GLOBAL takes both from the stack, where a damaged pickle may have left anything.
          if (typeof (module as unknown) !== 'string' || typeof (name as unknown) !== 'string') {
            throw new PthFileError(
              `refused: the pickle names a global by ${describe(module)} and ${describe(name)}, not by text (the file is damaged)`,
            );
          }
          const builder = builders.get(`${module}.${name}`);
          if (!builder) {
            throw new PthFileError(
              `refused: the pickle names the global ${quotedName(`${module}.${name}`)}, which a state dict or ` +
                'checkpoint never needs (only tensors, dicts, lists and numbers are read, and nothing ' +
                'in the file is run). Save model.state_dict() rather than a whole object.',
            );
          }
          return builder;
        },
      },
      persistentResolver: { resolve: (pid: unknown) => persistentId(pid, storageTypes) },
      extensionResolver: {
        resolve: (code: number) => {
          throw new PthFileError(`refused: the pickle uses the extension registry (code ${code})`);
        },
      },
      unpicklingTypeOfDictionary: 'Map',
      unpicklingTypeOfSet: 'array',
    });
  } catch (e) {
    if (e instanceof PthFileError) throw e;
    // pickleparser's own errors say what is wrong ("Unexpected end of file"); a TypeError or
    // RangeError means opcodes that build nonsense (a SETITEM on a list), which its message only
    // describes in the engine's words.
    if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) {
      throw new PthFileError(
        'not a readable pickle: its opcodes do not build a valid object (the file is damaged)',
      );
    }
    throw new PthFileError(`not a readable pickle: ${(e as Error).message}`);
  }
}

/** `('storage', torch.FloatStorage, key, location, numel[, view_metadata])`. */
function storageRef(
  pid: unknown,
  storageTypes: Map<Builder, StorageType>,
  source: StorageSource,
  legacy: boolean,
): StorageRef {
  const arity = legacy ? 6 : 5;
  if (!Array.isArray(pid) || pid.length !== arity || pid[0] !== 'storage') {
    throw new PthFileError(
      `unexpected persistent id ${describe(pid)}: torch.save writes ('storage', type, key, location, size)`,
    );
  }
  const type = storageTypes.get(pid[1] as Builder);
  if (!type) throw new PthFileError(`a persistent id names ${describe(pid[1])} as its storage type`);
  if (typeof pid[2] !== 'string') throw new PthFileError(`a persistent id has the key ${describe(pid[2])}`);
  if (legacy && pid[5] !== null) throw new PthFileError('storage views (legacy torch format) are not read');
  const numel = count(pid[4], 'a storage size');
  source.check(pid[2], type, numel);
  return new StorageRef(type, pid[2], numel);
}

// ---------------------------------------------------------------------------------------------
// The two containers

/**
 * The most pickle bytes read. A checkpoint's pickle takes about 190 bytes a tensor (the `xlarge`
 * preset with Adam's moments, 773 tensors, 144 kB), so this holds some 2,800 tensors while bounding
 * what a hostile pickle can build and how long that takes: every opcode is at least one byte.
 */
export const MAX_PICKLE_BYTES = 512 * 1024;
/** More zip entries than any network's storages (three a parameter with Adam's moments). */
const MAX_ZIP_ENTRIES = 100_000;

/**
 * Which zip entries are read, checked before any is copied out: only stored (uncompressed) ones,
 * as torch.save writes them (so nothing inflates beyond the file), no more bytes in all than the
 * file has (entries may not overlap to multiply it), a pickle within `MAX_PICKLE_BYTES`.
 */
function zipFilter(fileLength: number): (f: { name: string; size: number; compression: number }) => boolean {
  let entries = 0;
  let total = 0;
  return (f) => {
    if (++entries > MAX_ZIP_ENTRIES) {
      throw new PthFileError(
        `the zip archive lists more than ${MAX_ZIP_ENTRIES} entries: it is not a torch.save file`,
      );
    }
    const pickle = /(^|\/)data\.pkl$/.test(f.name);
    if (!pickle && !/(^|\/)byteorder$/.test(f.name) && !/(^|\/)data\/[^/]+$/.test(f.name)) return false;
    if (f.compression !== 0) {
      throw new PthFileError(
        `the zip entry ${quotedName(f.name)} is compressed (method ${f.compression}); torch.save stores its ` +
          'entries uncompressed, so this archive was rewritten by another tool: save it again with torch.save',
      );
    }
    total += f.size;
    if (total > fileLength) {
      throw new PthFileError('the zip archive is corrupt: its entries claim more bytes than the file has');
    }
    if (pickle && f.size > MAX_PICKLE_BYTES) {
      throw new PthFileError(
        `data.pkl holds ${f.size} bytes, more than the ${MAX_PICKLE_BYTES} a state dict's pickle needs`,
      );
    }
    return true;
  };
}

function readZip(bytes: Uint8Array): { root: unknown; source: StorageSource } {
  let unzipped: Record<string, Uint8Array>;
  try {
    unzipped = unzipSync(bytes, { filter: zipFilter(bytes.length) });
  } catch (e) {
    if (e instanceof PthFileError) throw e;
    throw new PthFileError(
      `not a readable zip archive (${(e as Error).message}); a .pth file from torch.save is one: is it truncated?`,
    );
  }
  const files = new Map(Object.entries(unzipped));
  const pickles = [...files.keys()].filter((n) => /(^|\/)data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new PthFileError(
      pickles.length === 0
        ? 'not a PyTorch file: the zip archive has no data.pkl (torch.save writes <name>/data.pkl)'
        : `not a PyTorch file: the zip archive has ${pickles.length} data.pkl entries`,
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteorder = files.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new PthFileError(
      `the file was saved ${quotedName(new TextDecoder().decode(byteorder).trim())}-endian; only little-endian files are read`,
    );
  }
  const entry = (key: string) => files.get(`${prefix}data/${key}`);
  const takenOver = new Set<string>();
  const source: StorageSource = {
    check(key, type, numel) {
      const data = entry(key);
      if (!data) {
        throw new PthFileError(
          `the pickle refers to storage "${quotedName(key)}", but the archive has no ${quotedName(`${prefix}data/${key}`)}`,
        );
      }
      if (data.length < numel * type.itemSize) {
        throw new PthFileError(
          `storage ${quotedName(`${prefix}data/${key}`)} is truncated: ${data.length} bytes for ${numel} ${type.dtype} ` +
            `values (${numel * type.itemSize} bytes)`,
        );
      }
    },
    bytes: (storage) => entry(storage.key) as Uint8Array,
    takeOver(storage) {
      if (takenOver.has(storage.key)) return false;
      takenOver.add(storage.key);
      return true;
    },
  };
  const root = unpickle(
    (options) => new Parser(options).parse(files.get(pickles[0]) as Uint8Array),
    (pid, types) => storageRef(pid, types, source, false),
  );
  return { root, source };
}

/** Reads pickles up to `end` and no further: a legacy file's pickles are bounded like data.pkl. */
class LimitedReader extends BufferReader {
  constructor(
    buffer: Uint8Array,
    private readonly end: number,
  ) {
    super(buffer);
  }

  override byte(): number {
    if (this.position >= this.end) {
      throw new PthFileError(
        `the pickles take more than ${MAX_PICKLE_BYTES} bytes, more than a state dict's pickle needs`,
      );
    }
    return super.byte();
  }
}

/**
 * torch < 1.6 (or `_use_new_zipfile_serialization=False`): pickles of the magic number, the
 * protocol version and the platform, the object, the sorted storage keys; then each storage as an
 * int64 element count and its bytes.
 */
function readLegacy(bytes: Uint8Array): { root: unknown; source: StorageSource } {
  const declared = new Map<string, StorageRef>();
  const stored = new Map<string, Uint8Array>();
  const source: StorageSource = {
    check: () => {},
    bytes: (storage) => stored.get(storage.key) as Uint8Array,
  };
  let position = LEGACY_MAGIC.length;
  const root = unpickle(
    (options) => {
      const parser = new Parser(options);
      const reader = new LimitedReader(bytes, position + MAX_PICKLE_BYTES);
      reader.skip(position);
      const version = parser.read(reader);
      const sysInfo = parser.read(reader);
      if (version !== 1001)
        throw new PthFileError(`legacy torch file of unknown version ${describe(version)}`);
      if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) {
        throw new PthFileError('the file was saved big-endian; only little-endian files are read');
      }
      const obj = parser.read(reader);
      const keys = parser.read(reader);
      position = reader.position;
      if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
        throw new PthFileError('legacy torch file: the storage key list is missing');
      }
      for (const key of keys as string[]) {
        const storage = declared.get(key);
        if (!storage)
          throw new PthFileError(`legacy torch file: storage "${quotedName(key)}" is listed but never used`);
        if (position + 8 > bytes.length)
          throw new PthFileError(`storage "${quotedName(key)}" is missing: the file is truncated`);
        const view = new DataView(bytes.buffer, bytes.byteOffset + position, 8);
        const n = Number(view.getBigInt64(0, true));
        const length = n * storage.type.itemSize;
        if (n !== storage.numel || position + 8 + length > bytes.length) {
          throw new PthFileError(
            `storage "${quotedName(key)}" is truncated: the file ends before its ${storage.numel} ${storage.type.dtype} values`,
          );
        }
        stored.set(key, bytes.subarray(position + 8, position + 8 + length));
        position += 8 + length;
      }
      for (const key of declared.keys()) {
        if (!stored.has(key))
          throw new PthFileError(`the pickle refers to storage "${quotedName(key)}", which the file lacks`);
      }
      return obj;
    },
    (pid, types) => {
      const ref = storageRef(pid, types, source, true);
      const seen = declared.get(ref.key);
      if (seen && (seen.type !== ref.type || seen.numel !== ref.numel)) {
        throw new PthFileError(`storage "${quotedName(ref.key)}" is declared twice, differently`);
      }
      declared.set(ref.key, seen ?? ref);
      return seen ?? ref;
    },
  );
  return { root, source };
}

// ---------------------------------------------------------------------------------------------
// Tensors

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** The storage as a typed array of its dtype (copied when its bytes are not aligned). */
function storageView(source: StorageSource, storage: StorageRef, name: string): Float32Array | Float64Array {
  const { dtype, itemSize } = storage.type;
  let bytes = source.bytes(storage);
  if (bytes.byteOffset % itemSize !== 0) bytes = bytes.slice();
  if (dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset, storage.numel);
  if (dtype === 'float64') return new Float64Array(bytes.buffer, bytes.byteOffset, storage.numel);
  throw new PthFileError(`tensor ${name} has dtype ${dtype}; only float32 (and float64, converted) is read`);
}

/** Checks that a strided view stays inside its storage, and returns its element count. */
function checkExtent(t: TensorRef, name: string): number {
  const n = sizeOf(t.shape);
  if (n === 0) return 0;
  const last = t.shape.reduce((end, d, k) => end + (d - 1) * t.stride[k], t.offset);
  if (last >= t.storage.numel) {
    throw new PthFileError(
      `tensor ${name} (shape [${t.shape.join(', ')}], stride [${t.stride.join(', ')}], offset ${t.offset}) ` +
        `reaches element ${last} of a storage of ${t.storage.numel}`,
    );
  }
  return n;
}

/** A tensor's values, row-major, as float32 (float64 converted when every value fits). */
function tensorValues(source: StorageSource, t: TensorRef, name: string): Float32Array {
  const n = checkExtent(t, name);
  const data = storageView(source, t.storage, name);
  const rank = t.shape.length;
  let contiguous = true;
  for (let k = rank - 1, step = 1; k >= 0; k--) {
    if (t.shape[k] !== 1 && t.stride[k] !== step) contiguous = false;
    step *= t.shape[k];
  }
  let values: Float32Array | Float64Array;
  const whole = t.offset === 0 && n === t.storage.numel;
  if (contiguous && whole && data instanceof Float32Array && source.takeOver?.(t.storage)) {
    values = data;
  } else if (contiguous) {
    values = data.slice(t.offset, t.offset + n);
  } else {
    values = data instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
    const index = new Array<number>(rank).fill(0);
    let at = t.offset;
    for (let i = 0; i < n; i++) {
      values[i] = data[at];
      for (let k = rank - 1; k >= 0; k--) {
        index[k]++;
        at += t.stride[k];
        if (index[k] < t.shape[k]) break;
        at -= t.stride[k] * t.shape[k];
        index[k] = 0;
      }
    }
  }
  if (values instanceof Float32Array) return values;
  const out = new Float32Array(values);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(values[i]) && !Number.isFinite(out[i])) {
      throw new PthFileError(
        `tensor ${name} holds the float64 value ${values[i]} at index ${i}, which float32 cannot hold`,
      );
    }
  }
  return out;
}

/** Reads element `i` of a storage of any numeric dtype, as a number (for small tensors). */
function elementReader(source: StorageSource, storage: StorageRef, what: string): (i: number) => number {
  const bytes = source.bytes(storage);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (storage.type.dtype) {
    case 'float32':
      return (i) => view.getFloat32(i * 4, true);
    case 'float64':
      return (i) => view.getFloat64(i * 8, true);
    case 'int64':
      return (i) => Number(view.getBigInt64(i * 8, true));
    case 'int32':
      return (i) => view.getInt32(i * 4, true);
    case 'int16':
      return (i) => view.getInt16(i * 2, true);
    case 'int8':
      return (i) => view.getInt8(i);
    case 'uint8':
    case 'bool':
      return (i) => view.getUint8(i);
    default:
      throw new PthFileError(`${what} has dtype ${storage.type.dtype}, which is not read`);
  }
}

/** A small tensor of any numeric dtype, row-major, as numbers. */
function smallTensorValues(source: StorageSource, t: TensorRef, what: string): number[] {
  const n = checkExtent(t, what);
  const read = elementReader(source, t.storage, what);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let at = t.offset;
    for (let k = t.shape.length - 1, rest = i; k >= 0; k--) {
      at += (rest % t.shape[k]) * t.stride[k];
      rest = Math.floor(rest / t.shape[k]);
    }
    out.push(read(at));
  }
  return out;
}

/** A 0-dim (or one-element) tensor or a number, as a number (Adam's `step`). */
function scalar(source: StorageSource, v: unknown, what: string): number {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (!(v instanceof TensorRef) || sizeOf(v.shape) !== 1) {
    throw new PthFileError(`${what} must be a number, got ${describe(v)}`);
  }
  return smallTensorValues(source, v, what)[0];
}

// ---------------------------------------------------------------------------------------------
// Checkpoint structure

const STATE_DICT_KEYS = ['model_state_dict', 'state_dict'];
const NORMALIZATION_KEYS = ['mean', 'std'];

function findStateDict(root: unknown): {
  stateDict: Map<unknown, unknown>;
  checkpoint?: Map<unknown, unknown>;
} {
  if (!(root instanceof Map)) {
    throw new PthFileError(`the file holds ${describe(root)}; expected a state_dict or a checkpoint dict`);
  }
  for (const key of STATE_DICT_KEYS) {
    const value = root.get(key);
    if (value instanceof Map) return { stateDict: value, checkpoint: root };
  }
  if (root.size > 0 && [...root.values()].every((v) => v instanceof TensorRef)) return { stateDict: root };
  const keys = [...root.keys()].slice(0, 8).map((k) => describe(k));
  throw new PthFileError(
    `no model state dict: the file's dict has the keys ${keys.join(', ')}; expected a checkpoint with ` +
      `"model_state_dict" (or "state_dict") or a state_dict of tensors`,
  );
}

/** `mean` and `std` buffers (a normalising wrapper that registers them), one value a channel. */
function readNormalization(
  source: StorageSource,
  entries: [string, unknown][],
): { normalization?: Normalization; rest: [string, unknown][] } {
  const found = new Map<string, number[]>();
  const rest: [string, unknown][] = [];
  for (const [key, value] of entries) {
    const name = stripModulePrefix(key);
    if (!NORMALIZATION_KEYS.includes(name)) {
      rest.push([key, value]);
      continue;
    }
    if (!(value instanceof TensorRef))
      throw new PthFileError(`state dict entry ${quotedName(key)} is not a tensor`);
    if (sizeOf(value.shape) > 64)
      throw new PthFileError(`state dict entry ${quotedName(key)} is too large for a ${name}`);
    const values = smallTensorValues(source, value, name).map((x) => shortestDecimal(Math.fround(x)));
    found.set(name, values);
  }
  if (found.size === 0) return { rest };
  const mean = found.get('mean');
  const std = found.get('std');
  if (!mean || !std || mean.length !== std.length) {
    throw new PthFileError(
      'the state dict has normalisation buffers that do not pair up: mean and std must both be there, ' +
        'one value a channel',
    );
  }
  return { normalization: { mean, std }, rest };
}

/** The shortest decimal that is the same float32 (so 0.4913 reads back as 0.4913). */
function shortestDecimal(x: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

function integerExtra(checkpoint: Map<unknown, unknown> | undefined, key: string): number | undefined {
  const v = checkpoint?.get(key);
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

function tensorReader(source: StorageSource, specs: TensorSpecs) {
  return ([key, value]: [string, unknown], at: string) => {
    const { name, spec } = specFor(key, specs);
    if (value instanceof Float32Array) return { name, values: value }; // zero moments filled in here
    if (!(value instanceof TensorRef))
      throw new PthFileError(`${at} (${quotedName(key)}) is ${describe(value)}, not a tensor`);
    checkShape(name, value.shape, spec);
    const values = tensorValues(source, value, name);
    checkFinite(name, values);
    return { name, values };
  };
}

/**
 * torch.optim.Adam's `state_dict`: `state` keyed by parameter index, `param_groups` listing the
 * indices. With one group built from `model.parameters()`, index order is parameter order, which
 * is the state dict's order of the parameters (`paramNames`). Another optimizer's state (no
 * `exp_avg`) is ignored; an empty state (no step taken) means no optimizer state.
 */
function readAdam(
  source: StorageSource,
  value: unknown,
  paramNames: string[],
  specs: TensorSpecs,
): OptimizerState | undefined {
  const state = value instanceof Map ? value.get('state') : undefined;
  const groups = value instanceof Map ? value.get('param_groups') : undefined;
  if (!(state instanceof Map) || !Array.isArray(groups)) {
    throw new PthFileError('"optimizer_state_dict" is not a torch.optim state_dict (state and param_groups)');
  }
  if (state.size === 0) return undefined;
  const perParam = [...state.values()];
  if (!perParam.every((s) => s instanceof Map && s.has('exp_avg') && s.has('exp_avg_sq'))) return undefined;
  if (groups.length !== 1 || !(groups[0] instanceof Map)) {
    throw new PthFileError(
      `the optimizer has ${groups.length} parameter groups; only one (Adam over model.parameters()) ` +
        'says which state belongs to which parameter',
    );
  }
  const group = groups[0] as Map<unknown, unknown>;
  if (group.get('amsgrad') === true) {
    throw new PthFileError("the optimizer state is AMSGrad's, which the lab's Adam does not continue");
  }
  const ids = counts(group.get('params'), "the optimizer's parameter indices");
  if (ids.length !== paramNames.length) {
    throw new PthFileError(
      `the optimizer holds ${ids.length} parameters but the network has ${paramNames.length}`,
    );
  }
  let step: number | undefined;
  const expAvg: [string, unknown][] = [];
  const expAvgSq: [string, unknown][] = [];
  ids.forEach((id, k) => {
    const name = paramNames[k];
    const s = state.get(id);
    if (s === undefined) {
      // Never updated (no gradient yet): torch has no state for it; its moments are zeros.
      const spec = specs.get(name);
      if (!spec) throw new PthFileError(`the optimizer's parameter ${id} (${name}) is not in the network`);
      expAvg.push([name, new Float32Array(sizeOf(spec.shape))]);
      expAvgSq.push([name, new Float32Array(sizeOf(spec.shape))]);
      return;
    }
    if (!(s instanceof Map)) {
      throw new PthFileError(
        `the optimizer state of parameter ${id} (${name}) is ${describe(s)}, not a dict`,
      );
    }
    const at = scalar(source, s.get('step'), `optimizer step of ${name}`);
    if (!Number.isSafeInteger(at) || at < 0) {
      throw new PthFileError(`optimizer step must be a non-negative integer, got ${at} (${name})`);
    }
    if (step !== undefined && at !== step) {
      throw new PthFileError(`Adam's step differs between parameters: ${step} and ${at} (${name})`);
    }
    step = at;
    expAvg.push([name, s.get('exp_avg')]);
    expAvgSq.push([name, s.get('exp_avg_sq')]);
  });
  const read = tensorReader(source, specs);
  const second = collectTensors(expAvgSq, 'optimizer.exp_avg_sq', specs, read);
  checkSecondMoments(second);
  return {
    step: step ?? 0,
    expAvg: collectTensors(expAvg, 'optimizer.exp_avg', specs, read),
    expAvgSq: second,
  };
}

/**
 * Reads a `torch.save` file: the model's weights (and Adam's state, and `epoch` and `global_step`
 * when it is a checkpoint), validated like a weights JSON file. The arch comes from the tensor
 * shapes unless `options.arch` gives it. Throws `PthFileError`.
 */
export function readPthWeights(bytes: Uint8Array, options: PthOptions = {}): LoadedWeights {
  if (!LITTLE_ENDIAN) throw new PthFileError('this platform is big-endian; PyTorch files are little-endian');
  let given: Arch | undefined;
  if (options.arch !== undefined) {
    try {
      given = validateArch(options.arch);
    } catch (e) {
      if (e instanceof ArchError) throw new PthFileError(`invalid arch: ${e.message}`);
      throw e;
    }
  }
  let container: { root: unknown; source: StorageSource };
  if (isZip(bytes)) container = readZip(bytes);
  else if (startsWith(bytes, LEGACY_MAGIC)) container = readLegacy(bytes);
  else
    throw new PthFileError(
      'not a PyTorch file: it is neither a zip archive (torch.save) nor a legacy torch file',
    );
  const { root, source } = container;

  const { stateDict, checkpoint } = findStateDict(root);
  const entries: [string, unknown][] = [];
  for (const [key, value] of stateDict) {
    if (typeof key !== 'string') throw new PthFileError(`the state dict has the key ${describe(key)}`);
    entries.push([key, value]);
  }
  const { normalization, rest } = readNormalization(source, entries);

  let arch: Arch;
  if (given) arch = given;
  else {
    const shapes = new Map<string, readonly number[]>();
    for (const [key, value] of rest) {
      if (value instanceof TensorRef) shapes.set(stripModulePrefix(key), value.shape);
    }
    try {
      arch = inferArch(shapes, normalization);
    } catch (e) {
      if (e instanceof ArchInferenceError) throw new PthFileError(e.message);
      throw e;
    }
  }

  const specs = tensorSpecs(arch);
  let params: ParamMap;
  let optimizer: OptimizerState | undefined;
  try {
    params = collectTensors(rest, 'tensors', specs, tensorReader(source, specs));
    const optimizerState = checkpoint?.get('optimizer_state_dict');
    if (optimizerState !== undefined && optimizerState !== null) {
      const paramNames = rest.map(([key]) => stripModulePrefix(key));
      optimizer = readAdam(source, optimizerState, paramNames, specs);
    }
  } catch (e) {
    if (!(e instanceof WeightsFileError)) throw e;
    const fit = /unexpected tensor|missing tensor|but the arch needs/.test(e.message);
    const note = fit
      ? ` (${given ? 'given arch' : 'arch read off the shapes'}: ${describeInferredArch(arch)})`
      : '';
    throw new PthFileError(e.message + note);
  }

  const extras: Record<string, unknown> = { source: 'pytorch' };
  const epoch = integerExtra(checkpoint, 'epoch');
  const globalStep = integerExtra(checkpoint, 'global_step');
  if (epoch !== undefined) extras.epoch = epoch;
  if (globalStep !== undefined) extras.global_step = globalStep;
  return optimizer ? { arch, params, extras, optimizer } : { arch, params, extras };
}
