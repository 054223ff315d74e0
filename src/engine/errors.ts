/**
 * Failures as values the page can show: a name it can switch on, what happened, what to do. Each
 * kind is recognised by its type, never by the wording of a message.
 */
import { DatasetLoadError } from '../data/errors.ts';
import type { BackendName } from '../sll/backendNames.ts';
import type { WorkerEvent } from '../protocol.ts';

/** A failure the user can act on: what happened, and what to do about it. */
export class TrainerError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

/** The backend reported that its GPU device or context is gone (WebGPU `device.lost`, WebGL `webglcontextlost`). */
export class DeviceLostError extends TrainerError {
  constructor(
    readonly backend: BackendName,
    reason: string,
  ) {
    super(
      'DeviceLost',
      `the ${backend} device was lost (${reason})`,
      'the next backend takes over from the last checkpoint: press Resume to continue',
    );
  }
}

/**
 * A run that cannot fit the running backend, refused before any data is loaded or tensor made;
 * the current run, if any, is untouched. The message says what it needs, the hint the way out.
 */
export class TooLargeError extends TrainerError {
  constructor(message: string, hint: string | null) {
    super('TooLarge', message, hint);
  }
}

/** What went wrong in the browser's storage: the quota, a value it could not copy, or anything else. */
export type StorageFailure = 'quota' | 'clone' | 'other';

const STORAGE_REASONS: Record<StorageFailure, string> = {
  quota: "the browser's storage for this site is full",
  clone: 'it is too large for the browser to copy into storage',
  other: "the browser's storage failed",
};

const STORAGE_HINTS: Record<StorageFailure, string | null> = {
  quota: "free some of the browser's storage for this site, or train a smaller network",
  clone: 'train a smaller network to have checkpoints (and resume after a reload)',
  other: null,
};

/** The storage failure behind `e`, by the DOMException's name, never by its wording. */
export function storageFailureOf(e: unknown): StorageFailure {
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') return 'quota';
  if (name === 'DataCloneError') return 'clone';
  return 'other';
}

/**
 * A storage operation that failed (IndexedDB in the browser), the original error as `cause`.
 * `DataCloneError ... out of memory` (a checkpoint too large to copy) is a `clone` failure,
 * `QuotaExceededError` a `quota` one. `reason` says why in words, with the browser's own.
 */
export class StorageError extends TrainerError {
  readonly failure: StorageFailure;
  readonly reason: string;
  override readonly cause: unknown;

  /** `operation` in words: "save the checkpoint". */
  constructor(operation: string, cause: unknown) {
    const failure = storageFailureOf(cause);
    const err = cause as { name?: unknown; message?: unknown } | null;
    const original =
      typeof err?.message === 'string' ? `${String(err.name ?? 'Error')}: ${err.message}` : String(cause);
    const reason = `${STORAGE_REASONS[failure]} (${original})`;
    super('StorageError', `could not ${operation}: ${reason}`, STORAGE_HINTS[failure]);
    this.failure = failure;
    this.reason = reason;
    this.cause = cause;
  }
}

/**
 * The error event of a checkpoint that could not be written: at which step, why, and what is kept
 * (`keptStep`: this run's last stored checkpoint, or null). Training goes on.
 */
export function checkpointNotSavedEvent(
  e: unknown,
  step: number,
  keptStep: number | null,
  triesAgain: boolean,
): Extract<WorkerEvent, { type: 'error' }> {
  const reason = e instanceof StorageError ? e.reason : errorEvent(e).message;
  const kept =
    keptStep === null
      ? 'no checkpoint of this run is kept, so a reload cannot resume it'
      : `the checkpoint from step ${keptStep} is kept`;
  const again = triesAgain ? '' : '; no more checkpoints are tried for this run';
  const advice = e instanceof StorageError && e.hint ? `; ${e.hint}` : '';
  return {
    type: 'error',
    name: 'CheckpointNotSaved',
    message: `the checkpoint at step ${step} was not saved: ${reason}`,
    hint: `training continues; ${kept}${again}${advice}`,
  };
}

/** What to do after a failed dataset download: files already verified are cached (src/data/download.ts). */
export const DATASET_RETRY_HINT =
  'press Train to try again: the files already downloaded and verified are kept and not downloaded again';

/**
 * The error event for anything thrown. JavaScript throws a RangeError when an ArrayBuffer or WASM
 * memory cannot grow, which is how running out of memory shows on the CPU-side backends.
 */
export function errorEvent(
  e: unknown,
  defaultHint: string | null = null,
): Extract<WorkerEvent, { type: 'error' }> {
  if (e instanceof TrainerError) return { type: 'error', name: e.name, message: e.message, hint: e.hint };
  if (e instanceof DatasetLoadError) {
    // No retry by itself: the user knows when the connection is back, and a corrupt file would
    // only be fetched again and again.
    return { type: 'error', name: e.name, message: e.message, hint: DATASET_RETRY_HINT };
  }
  if (e instanceof RangeError) {
    return {
      type: 'error',
      name: 'OutOfMemory',
      message: e.message,
      hint: 'the network or the batch does not fit in memory here: try a smaller batch or preset',
    };
  }
  const err = e as Partial<Error> | null;
  return {
    type: 'error',
    name: err?.name ?? 'Error',
    message: err?.message ?? String(e),
    hint: defaultHint,
  };
}
