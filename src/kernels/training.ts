/**
 * One optimisation step of the SLL network: forward, loss, gradients (t is recomputed from the
 * weights inside the step, so gradients flow through it), Adam update.
 */
import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.ts';
import type { LossName } from '../sll/lossNames.ts';
import { countCorrect, trainingLoss } from './losses.ts';
import type { SllModel } from './model.ts';
import { onWebGpu } from './webgpu/program.ts';

export interface StepResult {
  /** Mean loss of the batch; the caller disposes it (read it with `await data()`). */
  loss: tf.Scalar;
  /** Number of correctly classified images in the batch (before the update). */
  correct: tf.Scalar;
}

export function trainStep(
  model: SllModel,
  optimizer: Adam,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  lossName: LossName,
  learningRate: number,
): StepResult {
  return tf.tidy(() => {
    let correct: tf.Scalar | undefined;
    const lossOf = (logits: tf.Tensor2D) => {
      // The gradient's scope disposes everything but the loss: keep the count past it.
      correct = tf.keep(countCorrect(logits, labels));
      return trainingLoss(lossName, logits, labels);
    };
    if (onWebGpu()) {
      // Every parameter in one flat tensor: the lab's programs and Adam in two programs (model.ts).
      const loss = model.trainFlat(images, lossOf, (params, gradient) =>
        optimizer.applyFlat(params, gradient, learningRate),
      );
      return { loss, correct: correct as tf.Scalar };
    }
    const vars = model.variables;
    const { value, grads } = tf.variableGrads(() => lossOf(model.logits(images)), vars);
    optimizer.apply(
      vars.map((v) => grads[v.name]),
      learningRate,
    );
    return { loss: value, correct: correct as tf.Scalar };
  });
}
