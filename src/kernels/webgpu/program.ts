/**
 * Our own WGSL programs run by tfjs's WebGPU backend (`runWebGPUProgram`), which declares the
 * inputs (read-only storage arrays named by `variableNames`), the output (`result`, written with
 * `setOutputAtIndex`) and the uniforms around the code a program gives. The interface mirrors
 * tfjs-backend-webgpu's `WebGPUProgram`, which this folder may not import (backends are the glue's).
 */
import * as tf from '@tensorflow/tfjs';

export interface WgslProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Adds `size` (the output's element count) to the uniforms. */
  size: boolean;
  /** f32 fields appended to the uniforms struct, e.g. `beta1 : f32,`, given in this order by `runProgram`. */
  uniforms?: string;
  getUserCode(): string;
}

interface WebGpuRunner {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: { type: 'float32' | 'int32'; data: number[] }[],
  ): tf.TensorInfo;
}

/** Invocations per workgroup of `elementwiseProgram`. */
export const WORKGROUP_SIZE = 64;

/** WGSL around a program's body: module-scope `helpers` (functions, workgroup memory), and a `prologue` that every invocation of a workgroup runs before the bounds check (where `workgroupBarrier()` is allowed). */
export interface ProgramExtras {
  helpers?: string;
  prologue?: string;
}

/**
 * A program with one invocation per output element, `main(index)`; tfjs splits big dispatches.
 * tfjs caches compiled pipelines by `shaderKey` plus the ranks (not the sizes) of the shapes, so
 * every number written into `body` must also be in `shaderKey`, or another shape reuses the code.
 */
export function elementwiseProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  uniforms: string,
  body: string,
  extras: ProgramExtras = {},
): WgslProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape,
    shaderKey,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WORKGROUP_SIZE), 1, 1],
    workgroupSize: [WORKGROUP_SIZE, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => `
      ${extras.helpers ?? ''}
      fn main(index : i32) {
        ${extras.prologue ?? ''}
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/**
 * WGSL for `exp(x)` with x <= 0, exactly 0 below float32's normal range: a GPU's exp may be an
 * approximation that is wrong there (SwiftShader's returned values near 1e22 for exp(-400)).
 */
export const expOrZero = (x: string) => `select(0.0, exp(${x}), (${x}) > -87.0)`;

/** A number as a WGSL f32 literal (`2` alone would be an integer, which WGSL does not mix with floats). */
export const wgslFloat = (value: number) => (Number.isInteger(value) ? `${value}.0` : `${value}`);

/** Whether tfjs runs on WebGPU now, where the lab's own programs replace chains of tfjs ops. */
export function onWebGpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** Runs a program on the WebGPU backend; the result is a tensor the caller owns. */
export function runProgram<R extends tf.Rank>(
  program: WgslProgram,
  inputs: tf.Tensor[],
  floatUniforms: number[] = [],
): tf.Tensor<R> {
  const backend = tf.backend() as unknown as WebGpuRunner;
  // One entry per scalar: tfjs aligns each entry by its length, as WGSL aligns vectors.
  const uniforms = floatUniforms.map((value) => ({ type: 'float32' as const, data: [value] }));
  const info = backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}
