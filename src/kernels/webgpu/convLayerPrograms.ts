/**
 * The elementwise parts of the SLL conv layer (src/kernels/sllConv.ts) as WGSL programs, with
 * their gradients: `relu(y + b) * t` (one program where the tfjs ops take three, and two plus two
 * sums back) and the residual `x - 2 back` (one program, and one back).
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, runProgram } from './program.ts';

/** One program over an NHWC tensor with per-channel vectors; `body` sets the output at `index`. */
function channelwise(key: string, names: string[], like: tf.Tensor, body: string, inputs: tf.Tensor[]) {
  const channels = like.shape[like.rank - 1];
  const program = elementwiseProgram(
    `${key}_${channels}`,
    names,
    like.shape,
    '',
    `let c = index % ${channels};
     ${body}`,
  );
  return runProgram(program, inputs);
}

/** `relu(y + bias) * scaling` per channel of `y [N, H, W, C]`; PyTorch's ReLU gradient (0 at 0). */
export const scaledRelu = customGradient<
  (y: tf.Tensor4D, bias: tf.Tensor1D, scaling: tf.Tensor1D) => tf.Tensor4D
>((y: tf.Tensor4D, bias: tf.Tensor1D, scaling: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([y, bias, scaling]);
  return {
    value: channelwise(
      'sll_scaled_relu',
      ['y', 'bias', 'scaling'],
      y,
      'setOutputAtIndex(index, max(y[index] + bias[c], 0.0) * scaling[c]);',
      [y, bias, scaling],
    ),
    gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => {
      const [ys, b, t] = saved;
      const dPre = channelwise(
        'sll_scaled_relu_grad',
        ['dz', 'y', 'bias', 'scaling'],
        ys,
        'setOutputAtIndex(index, select(0.0, dz[index] * scaling[c], y[index] + bias[c] > 0.0));',
        [dz, ys, b, t],
      );
      const activated = channelwise(
        'sll_scaled_relu_grad_t',
        ['dz', 'y', 'bias'],
        ys,
        'setOutputAtIndex(index, dz[index] * max(y[index] + bias[c], 0.0));',
        [dz, ys, b],
      );
      const dt = tf.sum(activated, [0, 1, 2]);
      activated.dispose();
      return [dPre, tf.sum(dPre, [0, 1, 2]), dt];
    },
  };
});

/** `x - 2 back`, the layer's residual. */
export const residual = customGradient<(x: tf.Tensor4D, back: tf.Tensor4D) => tf.Tensor4D>(
  (x: tf.Tensor4D, back: tf.Tensor4D) => ({
    value: runProgram(
      elementwiseProgram(
        'sll_residual',
        ['x', 'back'],
        x.shape,
        '',
        'setOutputAtIndex(index, x[index] - 2.0 * back[index]);',
      ),
      [x, back],
    ),
    gradFunc: (dy: tf.Tensor) => [
      tf.clone(dy),
      runProgram(
        elementwiseProgram(
          'sll_residual_grad',
          ['dy'],
          dy.shape,
          '',
          'setOutputAtIndex(index, -2.0 * dy[index]);',
        ),
        [dy],
      ),
    ],
  }),
);
