/**
 * The adjoint filter (both spatial axes flipped, in and out channels swapped) in one WGSL program,
 * where the tfjs ops take a Reverse and a Transpose. The map is a permutation that is its own
 * inverse, so its gradient is the same program applied to the incoming gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, runProgram } from './program.ts';

function adjoint(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, c, o] = filter.shape;
  const program = elementwiseProgram(
    `sll_adjoint_filter_${[kh, kw, c, o].join('_')}`,
    ['source'],
    [kh, kw, o, c],
    '',
    `let j = index % ${c};
     let i = (index / ${c}) % ${o};
     let v = (index / ${c * o}) % ${kw};
     let u = index / ${c * o * kw};
     setOutputAtIndex(index, source[((${kh - 1} - u) * ${kw} + ${kw - 1} - v) * ${c * o} + j * ${o} + i]);`,
  );
  return runProgram(program, [filter]);
}

export const adjointFilterOnWebGpu = customGradient<(filter: tf.Tensor4D) => tf.Tensor4D>(
  (filter: tf.Tensor4D) => ({
    value: adjoint(filter),
    gradFunc: (dy: tf.Tensor) => [adjoint(dy as tf.Tensor4D)],
  }),
);
