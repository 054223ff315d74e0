/**
 * Seeded mutations for the fuzz tests: the same seed gives the same cases on every machine. Byte
 * mutations (bit flips, truncation, insertion, deletion, splicing, integer fields set to boundary
 * values) for binary files, and value mutations for structured data (a JSON document, an
 * IndexedDB record): a field deleted, retyped, set to a boundary number, a typed array resized.
 */
import { type Rng, createRng } from '../../src/sll/rng.ts';

export { createRng, type Rng };

export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.uniform() * n);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randomInt(rng, items.length)];
}

/** Integers at the edges of every width a file format uses for sizes, counts and offsets. */
export const BOUNDARY_INTEGERS = [
  0,
  1,
  -1,
  2,
  0x7f,
  0x80,
  0xff,
  0x100,
  0x7fff,
  0x8000,
  0xffff,
  0x10000,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 63,
  -(2 ** 31),
] as const;

export interface Mutated<T> {
  value: T;
  /** What was done, for reports and failure messages: "truncate to 117 of 4096 bytes". */
  kind: string;
}

export type ByteMutator = (bytes: Uint8Array, rng: Rng) => Mutated<Uint8Array>;

/** `bytes` with `[at, at + remove)` replaced by `insert`. */
export function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = randomInt(rng, 256);
  return out;
}

/** A position, biased towards the start, where headers and size fields live. */
function position(rng: Rng, length: number): number {
  if (length === 0) return 0;
  return rng.uniform() < 0.5 ? randomInt(rng, Math.min(length, 1024)) : randomInt(rng, length);
}

/** The integer `value` as `width` bytes, little- or big-endian (two's complement, wrapped). */
function integerBytes(value: number, width: 1 | 2 | 4 | 8, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(width);
  let v = BigInt.asUintN(width * 8, BigInt(value));
  for (let i = 0; i < width; i++) {
    out[littleEndian ? i : width - 1 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export const BYTE_MUTATORS: Record<string, ByteMutator> = {
  flip(bytes, rng) {
    const out = bytes.slice();
    const n = 1 + randomInt(rng, 8);
    for (let i = 0; i < n && out.length > 0; i++) out[position(rng, out.length)] ^= 1 << randomInt(rng, 8);
    return { value: out, kind: `flip ${n} bit(s)` };
  },
  truncate(bytes, rng) {
    const keep =
      rng.uniform() < 0.3 ? randomInt(rng, Math.min(bytes.length, 600)) : randomInt(rng, bytes.length);
    return { value: bytes.slice(0, keep), kind: `truncate to ${keep} of ${bytes.length} bytes` };
  },
  insert(bytes, rng) {
    const at = position(rng, bytes.length + 1);
    const n = 1 + randomInt(rng, rng.uniform() < 0.8 ? 16 : 4096);
    const filler = rng.uniform() < 0.5 ? randomBytes(rng, n) : new Uint8Array(n).fill(randomInt(rng, 256));
    return { value: splice(bytes, at, 0, filler), kind: `insert ${n} bytes at ${at}` };
  },
  delete(bytes, rng) {
    const at = position(rng, bytes.length);
    const n = Math.min(bytes.length - at, 1 + randomInt(rng, rng.uniform() < 0.8 ? 16 : 4096));
    return { value: splice(bytes, at, n, new Uint8Array(0)), kind: `delete ${n} bytes at ${at}` };
  },
  /** A stretch of the file copied over another place, or repeated: plausible bytes in the wrong spot. */
  splice(bytes, rng) {
    const from = randomInt(rng, bytes.length);
    const n = Math.min(bytes.length - from, 1 + randomInt(rng, 512));
    const to = position(rng, bytes.length);
    const piece = bytes.slice(from, from + n);
    const overwrite = rng.uniform() < 0.5;
    const out = overwrite
      ? splice(bytes, to, Math.min(n, bytes.length - to), piece)
      : splice(bytes, to, 0, piece);
    return { value: out, kind: `${overwrite ? 'copy' : 'repeat'} ${n} bytes from ${from} to ${to}` };
  },
  /** An integer field (1, 2, 4 or 8 bytes, either byte order) set to a boundary value. */
  boundary(bytes, rng) {
    const width = pick(rng, [1, 2, 4, 8] as const);
    const value = pick(rng, BOUNDARY_INTEGERS);
    const littleEndian = rng.uniform() < 0.7;
    const at = position(rng, Math.max(1, bytes.length - width + 1));
    const out = bytes.slice();
    out.set(integerBytes(value, width, littleEndian).subarray(0, Math.max(0, out.length - at)), at);
    return { value: out, kind: `set ${width} bytes at ${at} to ${value} (${littleEndian ? 'LE' : 'BE'})` };
  },
};

/** One to three byte mutations, chosen by `rng` from `mutators` (all of them by default). */
export function mutateBytes(
  bytes: Uint8Array,
  rng: Rng,
  mutators: Record<string, ByteMutator> = BYTE_MUTATORS,
): Mutated<Uint8Array> {
  const names = Object.keys(mutators);
  const rounds = rng.uniform() < 0.7 ? 1 : 2 + randomInt(rng, 2);
  let value = bytes;
  const kinds: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const m = mutators[pick(rng, names)](value, rng);
    value = m.value;
    kinds.push(m.kind);
  }
  return { value, kind: kinds.join('; ') };
}

// ---------------------------------------------------------------------------------------------
// Structured values: JSON documents and structured-clone records

/** Values that break readers which trust a field's type or range. */
export function nastyValue(rng: Rng): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => undefined,
    () => pick(rng, BOUNDARY_INTEGERS),
    () => pick(rng, [Number.NaN, Infinity, -Infinity, -0, 0.5, 1e308, -1e-308, 3.0000001]),
    () => pick(rng, ['', 'NaN', '1', 'model.0.kernel', '\u0000\u001b[31m', 'x'.repeat(5000)]),
    () => pick(rng, [true, false]),
    () => [],
    () => ({}),
    () => [[[[[[[[1]]]]]]]],
    () => new Array(1 + randomInt(rng, 20)).fill(pick(rng, [0, 'a', null])),
    () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}') as unknown,
  ];
  return pick(rng, choices)();
}

type TypedArray =
  Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Every path into `root` (object keys, array indices); typed arrays are leaves. */
function paths(root: unknown, limit = 4000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (out.length >= limit) return;
    out.push(path);
    if (typeof v !== 'object' || v === null || isTypedArray(v)) return;
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(root, []);
  return out;
}

function typedArrayMutation(a: TypedArray, rng: Rng): Mutated<unknown> {
  const choice = randomInt(rng, 5);
  if (choice === 0) {
    const n = randomInt(rng, a.length + 2);
    return { value: a.slice(0, n), kind: `resize to ${n} of ${a.length}` };
  }
  if (choice === 1) {
    const longer = new (a.constructor as new (n: number) => TypedArray)(a.length + 1 + randomInt(rng, 4));
    longer.set(a);
    return { value: longer, kind: `lengthen from ${a.length} to ${longer.length}` };
  }
  if (choice === 2) {
    const other = pick(rng, [Float64Array, Int32Array, Uint8Array, Float32Array]);
    return { value: other.from(a as ArrayLike<number>), kind: `retype to ${other.name}` };
  }
  if (choice === 3) {
    return { value: Array.from(a as ArrayLike<number>), kind: 'to a plain array' };
  }
  const out = a.slice();
  const bytes = new Uint8Array(out.buffer);
  if (bytes.length > 0) {
    const at = randomInt(rng, bytes.length);
    bytes[at] = pick(rng, [0xff, 0x7f, 0x80, 0x00, bytes[at] ^ (1 << randomInt(rng, 8))]);
  }
  return { value: out, kind: 'corrupt one byte' };
}

/**
 * One change somewhere in a JSON-like value (a deep copy is changed, `root` is not): a field
 * deleted, replaced by a nasty value, a number nudged, an array entry duplicated or dropped, a
 * typed array resized, retyped or corrupted.
 */
export function mutateValue<T>(root: T, rng: Rng, clone: (x: T) => T = structuredClone): Mutated<T> {
  const copy = clone(root) as unknown;
  const all = paths(copy);
  const path = all.length > 1 ? all[1 + randomInt(rng, all.length - 1)] : [];
  if (path.length === 0) return { value: nastyValue(rng) as T, kind: 'replace the whole value' };
  const parent = path.slice(0, -1).reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], copy) as
    Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1];
  const old = (parent as Record<string | number, unknown>)[key];
  const where = path.join('.');
  const set = (value: unknown) => ((parent as Record<string | number, unknown>)[key] = value);
  const choice = randomInt(rng, 6);
  let kind: string;
  if (isTypedArray(old) && choice < 3) {
    const m = typedArrayMutation(old, rng);
    set(m.value);
    kind = `${where}: ${m.kind}`;
  } else if (choice === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, unknown>)[key];
    kind = `${where}: delete`;
  } else if (choice === 1 && typeof old === 'number') {
    const value = pick(rng, [old + 1, old - 1, -old, old * 2 ** 20, Math.fround(old / 3), old + 0.5]);
    set(value);
    kind = `${where}: ${old} -> ${value}`;
  } else if (choice === 2 && Array.isArray(old) && old.length > 0) {
    const i = randomInt(rng, old.length);
    if (rng.uniform() < 0.5) old.splice(i, 0, clone(old[i] as T));
    else old.reverse();
    kind = `${where}: duplicate or reorder entries`;
  } else if (choice === 3 && typeof old === 'string') {
    const value = pick(rng, [old.slice(0, -1), `${old}x`, old.toUpperCase(), `module.${old}`, `${old}=`]);
    set(value);
    kind = `${where}: string ${JSON.stringify(value.slice(0, 40))}`;
  } else {
    const value = nastyValue(rng);
    set(value);
    kind = `${where}: replace with ${describeValue(value)}`;
  }
  return { value: copy as T, kind };
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}
