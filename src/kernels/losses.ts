/**
 * The official training losses (docs/math.md §3 and §8), averaged over the batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossName } from '../sll/lossNames.ts';

export const XENT_OFFSET = (3 * Math.SQRT2) / 2;
export const XENT_TEMPERATURE = 0.25;
export const HINGE_MARGIN = 0.7;

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
  switch (name) {
    case 'xent':
      return offsetCrossEntropy(logits, labels);
    case 'margin':
      return multiMarginLoss(logits, labels);
    case 'xent+margin':
      return tf.tidy(() => tf.add(multiMarginLoss(logits, labels), offsetCrossEntropy(logits, labels)));
  }
}
