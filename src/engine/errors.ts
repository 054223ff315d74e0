/**
 * Failures as values the page can show: a name it can switch on, what happened, what to do. Each
 * kind is recognised by its type, never by the wording of a message.
 */
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
      'moving to the next backend and continuing from the last checkpoint',
    );
  }
}

/**
 * The error event for anything thrown. JavaScript throws a RangeError when an ArrayBuffer or WASM
 * memory cannot grow, which is how running out of memory shows on the CPU-side backends.
 */
export function errorEvent(
  e: unknown,
  defaultHint: string | null = null,
): Extract<WorkerEvent, { type: 'error' }> {
  if (e instanceof TrainerError) return { type: 'error', name: e.name, message: e.message, hint: e.hint };
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
