/**
 * Adam's update as two WGSL programs instead of a dozen tfjs ops, for one parameter or for every
 * parameter at once when they lie in one flat buffer (src/kernels/flatParams.ts). The moments of
 * all parameters lie in one flat buffer too, `[m, v]` with `v` a half behind `m`, updated in place;
 * a program writes a single output, so the parameter takes a second program. The arithmetic is
 * PyTorch's, in its order (src/kernels/adam.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, runProgram, runProgramInPlace } from './program.ts';

/** Where a parameter's moments lie in the flat `[m, v]`: its first index in `m`, and `m`'s length. */
export interface MomentSlots {
  offset: number;
  half: number;
}

/**
 * `m <- b1 m + (1 - b1) g` and `v <- b2 v + (1 - b2) g g`, in place in `moments`, for the gradient
 * `grad` of the parameter at `slots`.
 */
export function updateMomentsInPlace(
  moments: tf.Tensor1D,
  grad: tf.Tensor,
  slots: MomentSlots,
  beta1: number,
  beta2: number,
): void {
  const program = elementwiseProgram(
    'sll_adam_moments',
    ['grad'],
    [grad.size],
    'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, offset : i32, half : i32,',
    `let g = grad[index];
     let m = uniforms.offset + index;
     let v = m + uniforms.half;
     result[m] = result[m] * uniforms.beta1 + g * uniforms.oneMinusBeta1;
     result[v] = result[v] * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2;`,
  );
  runProgramInPlace(program, [grad], moments, {
    floats: [beta1, 1 - beta1, beta2, 1 - beta2],
    ints: [slots.offset, slots.half],
  });
}

/** `p - stepSize m / (sqrt(v) / sqrtCorrection2 + epsilon)` with the parameter's updated moments. */
export function updatedParam(
  param: tf.Tensor,
  moments: tf.Tensor1D,
  slots: MomentSlots,
  stepSize: number,
  sqrtCorrection2: number,
  epsilon: number,
): tf.Tensor {
  const program = elementwiseProgram(
    'sll_adam_param',
    ['param', 'moments'],
    param.shape,
    'stepSize : f32, sqrtCorrection2 : f32, epsilon : f32, offset : i32, half : i32,',
    `let m = uniforms.offset + index;
     let denom = sqrt(moments[m + uniforms.half]) / uniforms.sqrtCorrection2 + uniforms.epsilon;
     setOutputAtIndex(index, param[index] - (moments[m] / denom) * uniforms.stepSize);`,
  );
  return runProgram(program, [param, moments], {
    floats: [stepSize, sqrtCorrection2, epsilon],
    ints: [slots.offset, slots.half],
  });
}
