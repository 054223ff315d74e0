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
  /**
   * Fields appended to the uniforms struct, e.g. `beta1 : f32,`: the f32 fields first, then the i32
   * ones, given in this order by `runProgram`.
   */
  uniforms?: string;
  getUserCode(): string;
}

interface WebGpuRunner {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: { type: 'float32' | 'int32'; data: number[] }[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
}

/**
 * A parameter as the programs read it: a buffer and the index where the parameter starts. On
 * WebGPU, training reads every parameter from one flat buffer (src/kernels/flatParams.ts); a tensor
 * of its own is the slice at 0.
 */
export interface ParamSlice {
  buffer: tf.Tensor;
  offset: number;
}

export const wholeTensor = (buffer: tf.Tensor): ParamSlice => ({ buffer, offset: 0 });

/** The slice as a tensor of `shape` (a copy, one program), for tfjs ops. */
export const sliceTensor = (slice: ParamSlice, shape: readonly number[]): tf.Tensor =>
  tf.tidy(() =>
    tf.reshape(
      tf.slice(
        slice.buffer,
        slice.offset,
        shape.reduce((a, b) => a * b, 1),
      ),
      [...shape],
    ),
  );

/** WGSL: element `index` of the slice bound as `name` (see `bindInputs`). */
export const sliceAt = (name: string, index: string) => `${name}[uniforms.${name}Offset + (${index})]`;

/**
 * A program's inputs as `runProgram` takes them: each slice binds its buffer under its name, and
 * its offset becomes the i32 uniform `${name}Offset`, declared in `uniforms`.
 */
export function bindInputs(names: string[], inputs: (tf.Tensor | ParamSlice)[]) {
  const tensors: tf.Tensor[] = [];
  const ints: number[] = [];
  let uniforms = '';
  inputs.forEach((input, i) => {
    if (input instanceof tf.Tensor) {
      tensors.push(input);
    } else {
      tensors.push(input.buffer);
      ints.push(input.offset);
      uniforms += `${names[i]}Offset : i32, `;
    }
  });
  return { tensors, ints, uniforms };
}

/**
 * Where a training step adds a parameter's gradient: the step's flat gradient (laid out as the flat
 * parameters) and the parameter's offset there. Programs add with `addToGradient`, so that a
 * parameter reached by two paths (a conv kernel, through its layer and through its t) sums both.
 */
export interface GradientSlot {
  target: tf.Tensor;
  offset: number;
}

/** The i32 uniform `addToGradient` reads the slot's offset from. */
export const GRADIENT_OFFSET_UNIFORM = 'gradientOffset : i32,';

/** WGSL: adds `value` to element `index` of the slot's parameter in the flat gradient. */
export const addToGradient = (index: string, value: string) =>
  `result[uniforms.gradientOffset + (${index})] += ${value};`;

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

/** Uniform values after tfjs's own: the program's f32 fields, then its i32 fields (slice offsets). */
export interface UniformValues {
  floats?: number[];
  ints?: number[];
}

function uniformEntries({ floats = [], ints = [] }: UniformValues) {
  // One entry per scalar: tfjs aligns each entry by its length, as WGSL aligns vectors.
  return [
    ...floats.map((value) => ({ type: 'float32' as const, data: [value] })),
    ...ints.map((value) => ({ type: 'int32' as const, data: [value] })),
  ];
}

/** Runs a program on the WebGPU backend; the result is a tensor the caller owns. */
export function runProgram<R extends tf.Rank>(
  program: WgslProgram,
  inputs: tf.Tensor[],
  uniforms: UniformValues = {},
): tf.Tensor<R> {
  const backend = tf.backend() as unknown as WebGpuRunner;
  const info = backend.runWebGPUProgram(program, inputs, 'float32', uniformEntries(uniforms));
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/**
 * Runs a program that writes into `target`, a tensor the caller already owns (bound as `result`,
 * read and written in place; the program's output shape only sizes the dispatch). Training adds
 * each parameter's gradient into one flat tensor this way, where a tensor per gradient would cost
 * a program per parameter later on. `target` must not be among the inputs: WebGPU forbids binding
 * one buffer both read-only and writable.
 */
export function runProgramInPlace(
  program: WgslProgram,
  inputs: tf.Tensor[],
  target: tf.Tensor,
  uniforms: UniformValues = {},
): void {
  const backend = tf.backend() as unknown as WebGpuRunner;
  backend.runWebGPUProgram(program, inputs, 'float32', uniformEntries(uniforms), target);
}
