/**
 * The `sll-lab/weights` version 1 file (docs/math.md §6): export, and a strict import that explains
 * every problem and returns either a complete, validated set of parameters or an error. Ours: the
 * format is the lab's own, and its checks (every tensor's name, shape and finiteness) are the point.
 */
import { ArchError, type Arch, validateArch } from './arch.ts';
import { Base64Error, decodeBase64, encodeBase64 } from './base64.ts';
import { type ParamMap, paramSpecs, sizeOf } from './params.ts';

export const WEIGHTS_FORMAT = 'sll-lab/weights';
export const WEIGHTS_VERSION = 1;

export interface WeightsTensor {
  name: string;
  shape: number[];
  dtype: 'float32';
  data: string;
}

export interface WeightsFile {
  format: typeof WEIGHTS_FORMAT;
  version: typeof WEIGHTS_VERSION;
  arch: Arch;
  tensors: WeightsTensor[];
  [extra: string]: unknown;
}

/**
 * Adam's state as torch.optim.Adam keeps it (`exp_avg`, `exp_avg_sq`, `step`), by parameter name
 * in PyTorch layout: with it, training continues exactly where it stopped.
 */
export interface OptimizerState {
  step: number;
  expAvg: ParamMap;
  expAvgSq: ParamMap;
}

export interface LoadedWeights {
  arch: Arch;
  params: ParamMap;
  /** Present when the file carries the optimizer's state (a checkpoint, not only weights). */
  optimizer?: OptimizerState;
  /** Top-level keys other than format, version, arch and tensors (config, metrics, ...). */
  extras: Record<string, unknown>;
}

export class WeightsFileError extends Error {
  override name = 'WeightsFileError';
}

/** A value from the file as a message quotes it: JSON, at most 60 characters. */
function quoted(v: unknown): string {
  // JSON escapes control characters below U+0020 but not DEL and the C1 controls.
  const text = (JSON.stringify(v) ?? String(v)).replace(/[\u007f-\u009f]/g, '?');
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * A tensor name from the file as a message shows it: control characters as "?", at most 100
 * characters (shared with pth.ts).
 */
export function quotedName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN)
    throw new WeightsFileError('this platform is big-endian; weights files are little-endian');
}

/**
 * Builds the file object; `extras` (training settings, metrics, ...) become top-level keys, and the
 * optimizer's state, when given, the `optimizer` key.
 */
export function buildWeightsFile(
  arch: Arch,
  params: ParamMap,
  extras: Record<string, unknown> = {},
  optimizer?: OptimizerState,
): WeightsFile {
  assertLittleEndian();
  const file: WeightsFile = {
    ...extras,
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    arch,
    tensors: tensorsOf(arch, params),
  };
  if (optimizer) {
    file.optimizer = {
      kind: 'adam',
      step: optimizer.step,
      exp_avg: tensorsOf(arch, optimizer.expAvg),
      exp_avg_sq: tensorsOf(arch, optimizer.expAvgSq),
    };
  }
  return file;
}

export function serializeWeights(
  arch: Arch,
  params: ParamMap,
  extras: Record<string, unknown> = {},
  optimizer?: OptimizerState,
): string {
  return JSON.stringify(buildWeightsFile(arch, params, extras, optimizer));
}

/** One entry per parameter of `arch`, in `state_dict` order. */
function tensorsOf(arch: Arch, values: ParamMap): WeightsTensor[] {
  return paramSpecs(arch).map((spec) => {
    const v = values.get(spec.name);
    if (!v) throw new Error(`missing parameter ${spec.name}`);
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { name: spec.name, shape: spec.shape, dtype: 'float32' as const, data: encodeBase64(bytes) };
  });
}

/**
 * Official checkpoints store `module.model.model.{i}.*` (data-parallel, then normalising wrapper);
 * a data-parallel network alone stores `module.model.{i}.*`. Weights files use `model.{i}.*`.
 */
export function stripModulePrefix(name: string): string {
  if (name.startsWith('module.model.model.')) return name.slice('module.model.'.length);
  if (name.startsWith('module.')) return name.slice('module.'.length);
  return name;
}

const KNOWN_KEYS = new Set(['format', 'version', 'arch', 'tensors', 'optimizer']);

/** Parses and validates a weights file (text or already-parsed JSON). Throws `WeightsFileError`. */
export function parseWeights(input: string | unknown): LoadedWeights {
  assertLittleEndian();
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new WeightsFileError(`not a JSON file (${(e as Error).message})`);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new WeightsFileError('the file must hold one JSON object');
  }
  const obj = doc as Record<string, unknown>;
  if (obj.format !== WEIGHTS_FORMAT) {
    throw new WeightsFileError(`wrong format ${quoted(obj.format ?? null)}: expected "${WEIGHTS_FORMAT}"`);
  }
  if (obj.version !== WEIGHTS_VERSION) {
    throw new WeightsFileError(
      `unsupported version ${quoted(obj.version ?? null)}: this lab reads version ${WEIGHTS_VERSION}`,
    );
  }
  let arch: Arch;
  try {
    arch = validateArch(obj.arch);
  } catch (e) {
    if (e instanceof ArchError) throw new WeightsFileError(`invalid arch: ${e.message}`);
    throw e;
  }
  const specs = tensorSpecs(arch);
  const params = readTensors(obj.tensors, 'tensors', specs);
  const extras = Object.fromEntries(Object.entries(obj).filter(([k]) => !KNOWN_KEYS.has(k)));
  if (obj.optimizer === undefined) return { arch, params, extras };
  return { arch, params, extras, optimizer: readOptimizer(obj.optimizer, specs) };
}

/** The expected tensors of an arch by name (shared with the PyTorch reader, pth.ts). */
export type TensorSpecs = Map<string, { shape: number[] }>;

export function tensorSpecs(arch: Arch): TensorSpecs {
  return new Map(paramSpecs(arch).map((s) => [s.name, s]));
}

/** A complete set of tensors for the arch, each checked; `where` names the list in messages. */
function readTensors(list: unknown, where: string, specs: TensorSpecs): ParamMap {
  if (!Array.isArray(list)) throw new WeightsFileError(`"${where}" must be an array`);
  return collectTensors(list, where, specs, (entry, at) => readTensor(entry, at, specs));
}

/**
 * The checks every imported tensor list passes, whatever the file's format (shared with pth.ts):
 * `read` turns one entry into a checked tensor (see `specFor`, `checkShape`, `checkFinite`); no name
 * may appear twice and none of the arch's may be missing. `where` names the list in messages.
 */
export function collectTensors<T>(
  list: readonly T[],
  where: string,
  specs: TensorSpecs,
  read: (entry: T, at: string) => { name: string; values: Float32Array },
): ParamMap {
  const out: ParamMap = new Map();
  list.forEach((entry, index) => {
    const { name, values } = read(entry, `${where}[${index}]`);
    if (out.has(name)) throw new WeightsFileError(`${where}: tensor ${name} appears twice`);
    out.set(name, values);
  });
  const missing = [...specs.keys()].filter((name) => !out.has(name));
  if (missing.length > 0) {
    const names =
      missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    const prefix = where === 'tensors' ? '' : `${where}: `;
    throw new WeightsFileError(`${prefix}missing tensor${missing.length > 1 ? 's' : ''}: ${names}`);
  }
  return out;
}

/** The `optimizer` object: Adam's step and both moments for every parameter. */
function readOptimizer(value: unknown, specs: TensorSpecs): OptimizerState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WeightsFileError('"optimizer" must be an object');
  }
  const o = value as Record<string, unknown>;
  if (o.kind !== 'adam') {
    throw new WeightsFileError(`optimizer kind ${quoted(o.kind ?? null)}: only "adam" is read`);
  }
  if (!Number.isInteger(o.step) || (o.step as number) < 0) {
    throw new WeightsFileError(`optimizer step must be a non-negative integer, got ${quoted(o.step)}`);
  }
  const expAvg = readTensors(o.exp_avg, 'optimizer.exp_avg', specs);
  const expAvgSq = readTensors(o.exp_avg_sq, 'optimizer.exp_avg_sq', specs);
  checkSecondMoments(expAvgSq);
  return { step: o.step as number, expAvg, expAvgSq };
}

/** Adam's second moments are squares: every value must be >= 0 (shared with pth.ts). */
export function checkSecondMoments(expAvgSq: ParamMap): void {
  for (const [name, values] of expAvgSq) {
    const at = values.findIndex((v) => v < 0);
    if (at >= 0) {
      throw new WeightsFileError(
        `optimizer.exp_avg_sq: tensor ${name} holds ${values[at]} at index ${at}: it must be >= 0`,
      );
    }
  }
}

/** The arch's spec for a tensor name as a file writes it (`module.` prefixes stripped). */
export function specFor(rawName: string, specs: TensorSpecs): { name: string; spec: { shape: number[] } } {
  const name = stripModulePrefix(rawName);
  const spec = specs.get(name);
  if (!spec)
    throw new WeightsFileError(`unexpected tensor ${quotedName(rawName)}: the arch has no such parameter`);
  return { name, spec };
}

export function checkShape(name: string, shape: readonly number[], spec: { shape: number[] }): void {
  if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
    throw new WeightsFileError(
      `tensor ${name} has shape [${shape.join(', ')}] but the arch needs [${spec.shape.join(', ')}]`,
    );
  }
}

export function checkFinite(name: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new WeightsFileError(`tensor ${name} holds ${values[i]} at index ${i}: weights must be finite`);
    }
  }
}

function readTensor(
  entry: unknown,
  where: string,
  specs: TensorSpecs,
): { name: string; values: Float32Array } {
  if (typeof entry !== 'object' || entry === null) {
    throw new WeightsFileError(`${where} is not an object`);
  }
  const t = entry as Record<string, unknown>;
  if (typeof t.name !== 'string') throw new WeightsFileError(`${where} has no "name" string`);
  const { name, spec } = specFor(t.name, specs);
  if (t.dtype !== 'float32') {
    throw new WeightsFileError(`tensor ${name} has dtype ${quoted(t.dtype ?? null)}; only "float32" is read`);
  }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new WeightsFileError(`tensor ${name} has no valid "shape" (an array of sizes)`);
  }
  checkShape(name, t.shape as number[], spec);
  if (typeof t.data !== 'string') throw new WeightsFileError(`tensor ${name} has no base64 "data" string`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(t.data);
  } catch (e) {
    if (e instanceof Base64Error) throw new WeightsFileError(`tensor ${name}: bad base64 data: ${e.message}`);
    throw e;
  }
  const expected = sizeOf(spec.shape) * 4;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'too long';
    throw new WeightsFileError(`tensor ${name}: data ${what}: ${bytes.length} bytes, expected ${expected}`);
  }
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  checkFinite(name, values);
  return { name, values };
}
