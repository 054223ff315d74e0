/**
 * The k*k shifted windows of a zero-padded NHWC batch side by side, `[N*Ho*Wo, kh*kw*C]` (im2col),
 * in one WGSL program: the padding and the windows are read in place, where the tfjs ops take a
 * pad, kh*kw slices and a concat. Columns are window-major (`(u*kw + v)*C + c`), as the ops give.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseProgram, runProgram } from './program.ts';

export function im2colPatches(x: tf.Tensor4D, kh: number, kw: number, pad: number): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const ho = h + 2 * pad - kh + 1;
  const wo = w + 2 * pad - kw + 1;
  // Shapes are fixed for a model, so they are constants of the shader rather than uniforms.
  const program = elementwiseProgram(
    `sll_im2col_${[n, h, w, c, kh, kw, pad].join('_')}`,
    ['images'],
    [n * ho * wo, kh * kw * c],
    '',
    `let cols = ${kh * kw * c};
     let row = index / cols;
     let col = index % cols;
     let channel = col % ${c};
     let window = col / ${c};
     let y = (row / ${wo}) % ${ho} + window / ${kw} - ${pad};
     let xx = row % ${wo} + window % ${kw} - ${pad};
     var value = 0.0;
     if (y >= 0 && y < ${h} && xx >= 0 && xx < ${w}) {
       value = images[((row / ${ho * wo} * ${h} + y) * ${w} + xx) * ${c} + channel];
     }
     setOutputAtIndex(index, value);`,
  );
  return runProgram(program, [x]);
}
