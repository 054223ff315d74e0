/**
 * Checkpoints: everything needed to continue a run exactly (weights, optimiser state, step, config,
 * metric history). Stored as structured-clone data: IndexedDB in the browser (src/worker), memory in Node and tests.
 */
import type { AdamState } from '../kernels/adam.ts';
import type { EvaluationCertificates, EvaluationSummary, MetricsPoint } from '../protocol.ts';
import { ArchError } from '../sll/arch.ts';
import { paramSpecs, sizeOf } from '../sll/params.ts';
import { type TrainConfig, readTrainConfig } from '../sll/trainConfig.ts';
import { TrainerError } from './errors.ts';
import { type Run, validateConfig } from './run.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  savedAt: number;
  config: TrainConfig;
  step: number;
  totalSteps: number;
  /** Parameters in PyTorch layout, in `state_dict` order. */
  params: [string, Float32Array][];
  adam: AdamState;
  history: {
    metrics: MetricsPoint[];
    evaluations: EvaluationSummary[];
    /** The latest evaluation's radii; absent in checkpoints written before they were kept. */
    certificates?: EvaluationCertificates | null;
  };
}

/** The run as it is now; refuses weights that are not finite, so a bad state is never saved. */
export async function checkpointOf(run: Run, savedAt: number): Promise<Checkpoint> {
  const params = await run.model.exportParams();
  for (const [name, values] of params) {
    if (!values.every(Number.isFinite)) {
      throw new TrainerError(
        'NonFiniteWeights',
        `weights of ${name} are not finite; the checkpoint was not saved`,
      );
    }
  }
  return {
    version: CHECKPOINT_VERSION,
    savedAt,
    config: run.config,
    step: run.step,
    totalSteps: run.totalSteps,
    params: [...params],
    adam: await run.adam.exportState(),
    history: {
      metrics: run.metrics.slice(),
      evaluations: run.evaluations.slice(),
      certificates: run.certificates,
    },
  };
}

/** Puts the run back where the checkpoint was taken: weights, optimiser, step, history and radii. */
export function applyCheckpoint(run: Run, c: Checkpoint): void {
  run.model.assignParams(new Map(c.params));
  run.adam.importState(c.adam);
  run.step = c.step;
  run.metrics = c.history.metrics.slice();
  run.evaluations = c.history.evaluations.slice();
  run.certificates = c.history.certificates ?? null;
}

export interface CheckpointStore {
  save(checkpoint: Checkpoint): Promise<void>;
  /**
   * The stored record as it was found, unchecked (a browser's storage may hold one that is damaged
   * or from another version of the lab): the trainer reads it through `readCheckpoint`.
   */
  load(): Promise<Checkpoint | null>;
  clear(): Promise<void>;
}

/** A stored checkpoint that cannot be resumed: damaged, or written by another version of the lab. */
export class CheckpointError extends TrainerError {
  constructor(problem: string) {
    super(
      'CheckpointUnreadable',
      `the stored checkpoint cannot be resumed: ${problem}`,
      'start a new run: its first checkpoint replaces the stored one',
    );
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') {
    // eslint-disable-next-line no-control-regex
    const printable = v.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
    return JSON.stringify(printable.length > 30 ? `${printable.slice(0, 30)}…` : printable);
  }
  return typeof v === 'object' ? 'an object' : String(v);
}

function objectAt(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw new CheckpointError(`${what} is ${describe(v)}, not an object`);
  }
  return v as Record<string, unknown>;
}

function arrayAt(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new CheckpointError(`${what} is ${describe(v)}, not a list`);
  return v;
}

function integerAt(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new CheckpointError(`${what} is ${describe(v)}, not an integer >= ${min}`);
  }
  return v;
}

/** A Float32Array (or another typed array the caller names) of `length` values, each `ok`. */
function valuesAt<T extends Float32Array | Float64Array | Int32Array>(
  v: unknown,
  type: { new (n: number): T; name: string },
  length: number,
  what: string,
  ok: (x: number) => boolean = Number.isFinite,
): T {
  if (!(v instanceof type)) throw new CheckpointError(`${what} is ${describe(v)}, not a ${type.name}`);
  if (v.length !== length) throw new CheckpointError(`${what} has ${v.length} values, expected ${length}`);
  const bad = v.findIndex((x) => !ok(x));
  if (bad >= 0) throw new CheckpointError(`${what} holds ${v[bad]} at index ${bad}`);
  return v;
}

const METRICS_KEYS = ['step', 'epoch', 'loss', 'trainAccuracy', 'learningRate', 'imagesPerSecond'] as const;
const SUMMARY_KEYS = ['step', 'n', 'naturalAccuracy', 'imagesPerSecond'] as const;

function numbersAt<K extends string>(v: unknown, keys: readonly K[], what: string): Record<K, number> {
  const o = objectAt(v, what);
  for (const k of keys) {
    if (typeof o[k] !== 'number')
      throw new CheckpointError(`${what}.${k} is ${describe(o[k])}, not a number`);
  }
  return o as Record<K, number>;
}

/** The settings of a checkpoint: a complete TrainConfig that a run can be built from. */
function configAt(v: unknown): TrainConfig {
  const config = readTrainConfig(v);
  if (!config) throw new CheckpointError('its settings are missing or malformed');
  try {
    validateConfig(config);
  } catch (e) {
    if (e instanceof ArchError || e instanceof TrainerError) {
      throw new CheckpointError(`its settings are invalid: ${e.message}`);
    }
    throw e;
  }
  for (const k of ['seed', 'trainLimit', 'evalEvery', 'evalSubset', 'checkpointEvery'] as const) {
    integerAt(config[k], `config.${k}`, k === 'seed' ? Number.MIN_SAFE_INTEGER : 0);
  }
  if (config.checkpointSeconds < 0)
    throw new CheckpointError(`config.checkpointSeconds is ${config.checkpointSeconds}`);
  return config;
}

/**
 * Checks a record from a checkpoint store, field by field, and returns it as a `Checkpoint`: its
 * format version, settings a run can be built from, every parameter and Adam moment with the
 * arch's names and sizes and finite values, and a well-formed history. A record from another
 * version of the lab, or a damaged one, is refused with a `CheckpointError` that says what is wrong.
 */
export function readCheckpoint(x: unknown): Checkpoint {
  const c = objectAt(x, 'the record');
  if (c.version !== CHECKPOINT_VERSION) {
    const v = c.version;
    throw new CheckpointError(
      typeof v === 'number' && Number.isFinite(v)
        ? `it was written by ${v < CHECKPOINT_VERSION ? 'an older' : 'a newer'} version of the lab ` +
            `(checkpoint format ${v}; this version reads format ${CHECKPOINT_VERSION})`
        : `it has no format version (version is ${describe(v)})`,
    );
  }
  if (typeof c.savedAt !== 'number' || !Number.isFinite(c.savedAt))
    throw new CheckpointError(`savedAt is ${describe(c.savedAt)}, not a time`);
  const config = configAt(c.config);
  const totalSteps = integerAt(c.totalSteps, 'totalSteps', 1);
  const step = integerAt(c.step, 'step');
  if (step > totalSteps) throw new CheckpointError(`step ${step} is past the run's ${totalSteps} steps`);

  const specs = paramSpecs(config.arch);
  const params = arrayAt(c.params, 'params');
  if (params.length !== specs.length) {
    throw new CheckpointError(`it holds ${params.length} parameters; the network has ${specs.length}`);
  }
  const checkedParams = specs.map((spec, i): [string, Float32Array] => {
    const entry = arrayAt(params[i], `params[${i}]`);
    if (entry.length !== 2 || entry[0] !== spec.name) {
      throw new CheckpointError(`params[${i}] is ${describe(entry[0])}, expected ${spec.name}`);
    }
    return [spec.name, valuesAt(entry[1], Float32Array, sizeOf(spec.shape), spec.name)];
  });

  const adam = objectAt(c.adam, 'adam');
  const moments = (key: 'm' | 'v') => {
    const list = arrayAt(adam[key], `adam.${key}`);
    if (list.length !== specs.length) {
      throw new CheckpointError(`adam.${key} has ${list.length} entries; the network has ${specs.length}`);
    }
    const ok = key === 'v' ? (x: number) => x >= 0 && Number.isFinite(x) : Number.isFinite;
    return specs.map((spec, i) =>
      valuesAt(list[i], Float32Array, sizeOf(spec.shape), `adam.${key} of ${spec.name}`, ok),
    );
  };
  const checkedAdam: AdamState = {
    step: integerAt(adam.step, 'adam.step'),
    m: moments('m'),
    v: moments('v'),
  };

  const history = objectAt(c.history, 'history');
  const metrics = arrayAt(history.metrics, 'history.metrics').map((m, i) =>
    numbersAt(m, METRICS_KEYS, `history.metrics[${i}]`),
  );
  const evaluations = arrayAt(history.evaluations, 'history.evaluations').map((e, i) => {
    const what = `history.evaluations[${i}]`;
    const summary = numbersAt(e, SUMMARY_KEYS, what);
    arrayAt((e as { certified?: unknown }).certified, `${what}.certified`).forEach((p, k) =>
      numbersAt(p, ['eps', 'accuracy'], `${what}.certified[${k}]`),
    );
    return summary as unknown as EvaluationSummary;
  });
  return {
    version: CHECKPOINT_VERSION,
    savedAt: c.savedAt,
    config,
    step,
    totalSteps,
    params: checkedParams,
    adam: checkedAdam,
    history: {
      metrics: metrics as unknown as MetricsPoint[],
      evaluations,
      certificates: certificatesAt(history.certificates),
    },
  };
}

/** The latest evaluation's radii: absent in checkpoints written before they were kept. */
function certificatesAt(v: unknown): EvaluationCertificates | null {
  if (v === undefined || v === null) return null;
  const o = objectAt(v, 'history.certificates');
  const n = integerAt(o.n, 'history.certificates.n');
  const any = () => true;
  return {
    step: integerAt(o.step, 'history.certificates.step'),
    n,
    radii: valuesAt(o.radii, Float64Array, n, 'history.certificates.radii', (r) => !Number.isNaN(r)),
    predictions: valuesAt(o.predictions, Int32Array, n, 'history.certificates.predictions', any),
    labels: valuesAt(o.labels, Int32Array, n, 'history.certificates.labels', any),
  };
}

/** Keeps copies, so that later changes to the run cannot alter a saved checkpoint. */
export function memoryCheckpointStore(): CheckpointStore {
  let saved: Checkpoint | null = null;
  return {
    async save(c) {
      saved = structuredClone(c);
    },
    async load() {
      return saved === null ? null : structuredClone(saved);
    },
    async clear() {
      saved = null;
    },
  };
}
