/**
 * Adam's update as two WGSL programs per parameter instead of a dozen tfjs ops: one updates both
 * moments (kept together as `[m, v]`, flat), one the parameter. A program writes a single output, so
 * the moments and the parameter cannot share one. The arithmetic is PyTorch's, in its order
 * (src/kernels/adam.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, runProgram } from './program.ts';

/** `[b1 m + (1 - b1) g, b2 v + (1 - b2) g g]` from the packed moments `[m, v]` and the gradient. */
export function updatedMoments(
  moments: tf.Tensor1D,
  grad: tf.Tensor,
  beta1: number,
  beta2: number,
): tf.Tensor1D {
  const program = elementwiseProgram(
    'sll_adam_moments',
    ['moments', 'grad'],
    [moments.size],
    'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32,',
    `let n = uniforms.size / 2;
     if (index < n) {
       setOutputAtIndex(index, moments[index] * uniforms.beta1 + grad[index] * uniforms.oneMinusBeta1);
     } else {
       let g = grad[index - n];
       setOutputAtIndex(index, moments[index] * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2);
     }`,
  );
  return runProgram(program, [moments, grad], [beta1, 1 - beta1, beta2, 1 - beta2]);
}

/** `p - stepSize m / (sqrt(v) / sqrtCorrection2 + epsilon)` with the updated moments `[m, v]`. */
export function updatedParam(
  param: tf.Tensor,
  moments: tf.Tensor1D,
  stepSize: number,
  sqrtCorrection2: number,
  epsilon: number,
): tf.Tensor {
  const program = elementwiseProgram(
    'sll_adam_param',
    ['param', 'moments'],
    param.shape,
    'stepSize : f32, sqrtCorrection2 : f32, epsilon : f32,',
    `let denom = sqrt(moments[index + uniforms.size]) / uniforms.sqrtCorrection2 + uniforms.epsilon;
     setOutputAtIndex(index, param[index] - (moments[index] / denom) * uniforms.stepSize);`,
  );
  return runProgram(program, [param, moments], [stepSize, sqrtCorrection2, epsilon]);
}
