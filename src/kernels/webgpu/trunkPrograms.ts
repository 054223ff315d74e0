/**
 * The ends of the SLL trunk (src/kernels/model.ts) as WGSL programs: the input, normalised and
 * zero-padded to the trunk's width, in one (where the ops take three), and the 4x4 pooling with
 * PyTorch's C, H, W flattening in one (the ops take three), each with a one-program gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, runProgram, wgslFloat } from './program.ts';

/**
 * `(images - mean) * invStd`, channels zero-padded to `width` (none dropped if there are more);
 * differentiable for the images (the attacks need it), with mean and invStd fixed.
 */
export function normalizedInputOnWebGpu(
  images: tf.Tensor4D,
  mean: tf.Tensor1D,
  invStd: tf.Tensor1D,
  width: number,
): tf.Tensor4D {
  const [n, h, w, channels] = images.shape;
  width = Math.max(width, channels);
  const key = `${h}_${w}_${channels}_${width}`;
  const op = customGradient<(images: tf.Tensor4D) => tf.Tensor4D>((x: tf.Tensor4D) => ({
    value: runProgram(
      elementwiseProgram(
        `sll_input_${key}`,
        ['images', 'mean', 'invStd'],
        [n, h, w, width],
        '',
        `let c = index % ${width};
         let pixel = index / ${width};
         var value = 0.0;
         if (c < ${channels}) { value = (images[pixel * ${channels} + c] - mean[c]) * invStd[c]; }
         setOutputAtIndex(index, value);`,
      ),
      [x, mean, invStd],
    ),
    gradFunc: (dy: tf.Tensor) =>
      runProgram(
        elementwiseProgram(
          `sll_input_grad_${key}`,
          ['dy', 'invStd'],
          [n, h, w, channels],
          '',
          `let c = index % ${channels};
           setOutputAtIndex(index, dy[(index / ${channels}) * ${width} + c] * invStd[c]);`,
        ),
        [dy, invStd],
      ),
  }));
  return op(images);
}

/**
 * `p x p` windows, stride p, summed and divided by p (as the official code), then flattened in
 * PyTorch's C, H, W order: `[N, H, W, C]` to `[N, C * (H/p) * (W/p)]`.
 */
export function poolAndFlattenOnWebGpu(x: tf.Tensor4D, p: number): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const [ph, pw] = [h / p, w / p];
  const key = `${h}_${w}_${c}_${p}`;
  const op = customGradient<(x: tf.Tensor4D) => tf.Tensor2D>((input: tf.Tensor4D) => ({
    value: runProgram(
      elementwiseProgram(
        `sll_pool_${key}`,
        ['x'],
        [n, c * ph * pw],
        '',
        `let j = index % ${pw};
         let i = (index / ${pw}) % ${ph};
         let k = (index / ${pw * ph}) % ${c};
         let m = index / ${pw * ph * c};
         var acc = 0.0;
         for (var u = 0; u < ${p}; u++) {
           for (var v = 0; v < ${p}; v++) {
             acc += x[((m * ${h} + i * ${p} + u) * ${w} + j * ${p} + v) * ${c} + k];
           }
         }
         setOutputAtIndex(index, acc / ${wgslFloat(p)});`,
      ),
      [input],
    ),
    gradFunc: (dy: tf.Tensor) =>
      runProgram(
        elementwiseProgram(
          `sll_pool_grad_${key}`,
          ['dy'],
          x.shape,
          '',
          `let k = index % ${c};
           let col = (index / ${c}) % ${w};
           let row = (index / ${c * w}) % ${h};
           let m = index / ${c * w * h};
           let pooled = ((m * ${c} + k) * ${ph} + row / ${p}) * ${pw} + col / ${p};
           setOutputAtIndex(index, dy[pooled] / ${wgslFloat(p)});`,
        ),
        [dy],
      ),
  }));
  return op(x);
}
