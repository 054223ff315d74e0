/**
 * Counts what one run of a function asks of the backend: tfjs kernels (from `tf.profile`), GPU
 * programs dispatched (one kernel may run several, e.g. a conv as im2col then matMul), and the
 * peak bytes of live tensors.
 */
import * as tf from '@tensorflow/tfjs';

export interface DispatchProfile {
  kernels: number;
  /** Programs run by the WebGPU or WebGL backend; null on backends without GPU programs. */
  dispatches: number | null;
  peakBytes: number;
}

/** The method every tfjs GPU kernel calls once per program it runs. */
const PROGRAM_RUNNERS = ['runWebGPUProgram', 'runWebGLProgram'] as const;

export async function countDispatches(run: () => Promise<void>): Promise<DispatchProfile> {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const runner = PROGRAM_RUNNERS.find((name) => typeof backend[name] === 'function');
  let dispatches = 0;
  const original = runner ? (backend[runner] as (...args: unknown[]) => unknown) : null;
  if (runner && original) {
    backend[runner] = (...args: unknown[]) => {
      dispatches += 1;
      return original.apply(backend, args);
    };
  }
  try {
    const info = await tf.profile(run);
    return {
      kernels: info.kernels.length,
      dispatches: runner ? dispatches : null,
      peakBytes: info.peakBytes,
    };
  } finally {
    if (runner) delete backend[runner]; // the prototype's method shows through again
  }
}
