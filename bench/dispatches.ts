/**
 * Counts what one run of a function asks of the backend: tfjs kernels (from `tf.profile`), GPU
 * programs dispatched (one kernel may run several, e.g. a conv as im2col then matMul), which tfjs
 * kernel dispatched them, and the peak bytes of live tensors. The counts do not depend on the GPU,
 * so SwiftShader gives the same as a real one.
 */
import * as tf from '@tensorflow/tfjs';
import type { Arch } from '../src/sll/arch.ts';

export interface DispatchProfile {
  kernels: number;
  /** Programs run by the WebGPU or WebGL backend; null on backends without GPU programs. */
  dispatches: number | null;
  /** Programs per tfjs kernel name (the outermost kernel running when a program was dispatched). */
  byKernel: Record<string, number>;
  peakBytes: number;
}

/** The method every tfjs GPU kernel calls once per program it runs. */
const PROGRAM_RUNNERS = ['runWebGPUProgram', 'runWebGLProgram'] as const;

type KernelFunc = tf.KernelConfig['kernelFunc'];

export async function countDispatches(run: () => Promise<void>): Promise<DispatchProfile> {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const runner = PROGRAM_RUNNERS.find((name) => typeof backend[name] === 'function');
  let dispatches = 0;
  const byKernel: Record<string, number> = {};
  // The outermost kernel running now; programs run outside any kernel (the lab's own) are named
  // by their shader key.
  let current: string | null = null;
  const original = runner ? (backend[runner] as (...args: unknown[]) => unknown) : null;
  if (runner && original) {
    backend[runner] = (...args: unknown[]) => {
      dispatches += 1;
      const name = current ?? `program ${(args[0] as { shaderKey: string }).shaderKey}`;
      byKernel[name] = (byKernel[name] ?? 0) + 1;
      return original.apply(backend, args);
    };
  }
  const configs = tf.getKernelsForBackend(tf.getBackend());
  const originals = new Map<tf.KernelConfig, KernelFunc>();
  for (const config of configs) {
    const kernelFunc = config.kernelFunc;
    originals.set(config, kernelFunc);
    // The registry hands the engine this same object on every call, so the wrapper is what runs.
    (config as { kernelFunc: KernelFunc }).kernelFunc = (params) => {
      const outer = current;
      current ??= config.kernelName;
      try {
        return kernelFunc(params);
      } finally {
        current = outer;
      }
    };
  }
  try {
    const info = await tf.profile(run);
    return {
      kernels: info.kernels.length,
      dispatches: runner ? dispatches : null,
      byKernel: runner ? byKernel : countNames(info.kernels.map((k) => k.name)),
      peakBytes: info.peakBytes,
    };
  } finally {
    for (const [config, kernelFunc] of originals)
      (config as { kernelFunc: KernelFunc }).kernelFunc = kernelFunc;
    if (runner) delete backend[runner]; // the prototype's method shows through again
  }
}

function countNames(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/**
 * `arch`'s layers at small widths. A step dispatches programs per layer, whatever the layer's size
 * (tfjs's matMul picks another program for other sizes, still one dispatch), and a `small` step at
 * its real widths takes minutes on SwiftShader in its seven 2048 x 2880 Gram matrices.
 */
export function narrowed(arch: Arch): Arch {
  return { ...arch, width: 8, convInnerDim: 5, denseInnerDim: 16, imageSize: 8 };
}
