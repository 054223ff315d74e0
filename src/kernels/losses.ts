/**
 * The official training losses (docs/math.md §3 and §8), averaged over the batch, and the batch's correct count.
 */
import * as tf from '@tensorflow/tfjs';
import { HINGE_MARGIN, type LossName, XENT_OFFSET, XENT_TEMPERATURE } from '../sll/lossNames.ts';
import { countCorrectOnWebGpu, trainingLossOnWebGpu } from './webgpu/lossPrograms.ts';
import { onWebGpu } from './webgpu/program.ts';

/** `T * CE((logits - o * onehot) / T, label)` with offset o = 3*sqrt(2)/2 and temperature T = 0.25. */
export function offsetCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    const scaled = tf.div(tf.sub(logits, tf.mul(oneHot, XENT_OFFSET)), XENT_TEMPERATURE);
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(scaled)), 1));
    return tf.mul(tf.mean(nll), XENT_TEMPERATURE) as tf.Scalar;
  });
}

/** PyTorch MultiMarginLoss(p=1, margin=0.7): sum over wrong classes of the hinge, divided by C. */
export function multiMarginLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const nClasses = logits.shape[1];
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), nClasses);
    const trueLogit = tf.sum(tf.mul(oneHot, logits), 1, true);
    const hinge = tf.relu(tf.add(tf.sub(logits, trueLogit), HINGE_MARGIN));
    const wrongOnly = tf.mul(hinge, tf.sub(1, oneHot));
    return tf.mean(tf.div(tf.sum(wrongOnly, 1), nClasses)) as tf.Scalar;
  });
}

export function trainingLoss(name: LossName, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  if (onWebGpu()) return trainingLossOnWebGpu(name, logits, labels);
  switch (name) {
    case 'xent':
      return offsetCrossEntropy(logits, labels);
    case 'margin':
      return multiMarginLoss(logits, labels);
    case 'xent+margin':
      return tf.tidy(() => tf.add(multiMarginLoss(logits, labels), offsetCrossEntropy(logits, labels)));
  }
}

/** Correct predictions in a batch (argmax ties: the first index, as the certificate). */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  if (onWebGpu()) return countCorrectOnWebGpu(logits, labels);
  return tf.tidy(() => {
    const hits = tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32'));
    return tf.sum(tf.cast(hits, 'float32')) as tf.Scalar;
  });
}
