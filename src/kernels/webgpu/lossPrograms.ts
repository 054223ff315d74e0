/**
 * The training losses (src/kernels/losses.ts) of a batch's logits `[N, C]` in one WGSL program, their
 * gradient in one, and the count of correct predictions in one, where the tfjs ops take about
 * thirty programs. A batch has a few dozen rows of ten logits: one invocation loops over them all.
 */
import * as tf from '@tensorflow/tfjs';
import { HINGE_MARGIN, type LossName, XENT_OFFSET, XENT_TEMPERATURE } from '../../sll/lossNames.ts';
import { customGradient } from '../customGradient.ts';
import { elementwiseProgram, expOrZero, runProgram, wgslFloat } from './program.ts';

const TERMS: Record<LossName, { xent: boolean; margin: boolean }> = {
  xent: { xent: true, margin: false },
  margin: { xent: false, margin: true },
  'xent+margin': { xent: true, margin: true },
};

/** WGSL for the offset, tempered logit `s_c` of row `row` (label `y`). */
const tempered = (c: string) =>
  `((logits[row + ${c}] - select(0.0, ${wgslFloat(XENT_OFFSET)}, ${c} == y)) / ${wgslFloat(XENT_TEMPERATURE)})`;

/** WGSL that sets `top` (the largest tempered logit) and `total` (`sum exp(s_c - top)`) of a row. */
const softmaxStats = (classes: number) => `
  var top = -3.0e38;
  for (var c = 0; c < ${classes}; c++) { top = max(top, ${tempered('c')}); }
  var total = 0.0;
  for (var c = 0; c < ${classes}; c++) { total += ${expOrZero(`${tempered('c')} - top`)}; }`;

/** WGSL for the hinge of class `c` against the label's logit. */
const hinge = (c: string) => `(logits[row + ${c}] - logits[row + y] + ${wgslFloat(HINGE_MARGIN)})`;

/** WGSL that sets a row's `n`, `y` and `row` offset. */
const rowOf = (classes: number, n: string) => `
  let y = i32(labels[${n}]);
  let row = ${n} * ${classes};`;

function meanLoss(name: LossName, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const [n, classes] = logits.shape;
  const terms = TERMS[name];
  const program = elementwiseProgram(
    `sll_loss_${name}_${n}_${classes}`,
    ['logits', 'labels'],
    [1],
    '',
    `var sum = 0.0;
     for (var n = 0; n < ${n}; n++) {
       ${rowOf(classes, 'n')}
       ${
         terms.xent
           ? `${softmaxStats(classes)}
              sum += ${wgslFloat(XENT_TEMPERATURE)} * (top + log(total) - ${tempered('y')});`
           : ''
       }
       ${
         terms.margin
           ? `for (var c = 0; c < ${classes}; c++) {
                if (c != y) { sum += max(${hinge('c')}, 0.0) / ${wgslFloat(classes)}; }
              }`
           : ''
       }
     }
     setOutputAtIndex(index, sum / ${wgslFloat(n)});`,
  );
  return runProgram(program, [logits, labels]);
}

function lossGradient(name: LossName, dy: tf.Tensor, logits: tf.Tensor, labels: tf.Tensor): tf.Tensor2D {
  const [n, classes] = logits.shape;
  const terms = TERMS[name];
  const program = elementwiseProgram(
    `sll_loss_grad_${name}_${n}_${classes}`,
    ['dy', 'logits', 'labels'],
    [n, classes],
    '',
    `let k = index % ${classes};
     ${rowOf(classes, `index / ${classes}`)}
     var g = 0.0;
     ${
       terms.xent
         ? `${softmaxStats(classes)}
            g += ${expOrZero(`${tempered('k')} - top`)} / total - select(0.0, 1.0, k == y);`
         : ''
     }
     ${
       terms.margin
         ? `if (k != y) {
              g += select(0.0, 1.0 / ${wgslFloat(classes)}, ${hinge('k')} > 0.0);
            } else {
              for (var c = 0; c < ${classes}; c++) {
                if (c != y && ${hinge('c')} > 0.0) { g -= 1.0 / ${wgslFloat(classes)}; }
              }
            }`
         : ''
     }
     setOutputAtIndex(index, g * dy[0] / ${wgslFloat(n)});`,
  );
  return runProgram(program, [dy, logits, labels]);
}

/** The mean training loss `name` of a batch, differentiable for the logits, on WebGPU. */
export function trainingLossOnWebGpu(name: LossName, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  // The labels are data, not an input of the op: no gradient is computed for them.
  const loss = customGradient<(logits: tf.Tensor2D) => tf.Scalar>((l: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([l]);
    return {
      value: tf.reshape(meanLoss(name, l, labels), []),
      gradFunc: (dy: tf.Tensor, [ls]: tf.Tensor[]) => lossGradient(name, dy, ls, labels),
    };
  });
  return loss(logits);
}

/** Correct predictions of a batch (argmax ties: the first index, as the certificate), on WebGPU. */
export function countCorrectOnWebGpu(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const [n, classes] = logits.shape;
  const program = elementwiseProgram(
    `sll_correct_${n}_${classes}`,
    ['logits', 'labels'],
    [1],
    '',
    `var correct = 0.0;
     for (var n = 0; n < ${n}; n++) {
       ${rowOf(classes, 'n')}
       var best = 0;
       for (var c = 1; c < ${classes}; c++) {
         if (logits[row + c] > logits[row + best]) { best = c; }
       }
       correct += select(0.0, 1.0, best == y);
     }
     setOutputAtIndex(index, correct);`,
  );
  return tf.tidy(() => tf.reshape(runProgram(program, [logits, labels]), []));
}
