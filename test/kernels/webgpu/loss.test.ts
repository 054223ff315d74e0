// The training losses and the correct count on WebGPU (src/kernels/webgpu/lossPrograms.ts) against
// the tfjs ops on the CPU backend: the loss, its gradient for the logits, and the count.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countCorrect, trainingLoss } from '../../../src/kernels/losses.ts';
import { LOSS_NAMES, type LossName } from '../../../src/sll/lossNames.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

const N = 7;
const CLASSES = 10;

/** Logits spread wide enough that some hinges are off and some softmax terms are tiny; a tied row. */
function logitsData(): Float32Array {
  const values = signedUniform(N * CLASSES, 11, 3);
  values.fill(1.5, 2 * CLASSES, 3 * CLASSES);
  values[4 * CLASSES + 3] = 40;
  return values;
}

const LABELS = [3, 0, 9, 2, 3, 7, 1];

async function lossAndGradient(name: LossName, labelType: 'int32' | 'float32') {
  const logits = tf.tensor2d(logitsData(), [N, CLASSES]);
  const labels = tf.tensor1d(LABELS, labelType);
  const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => trainingLoss(name, l as tf.Tensor2D, labels))(
    logits,
  );
  const correct = countCorrect(logits, labels);
  const result = {
    loss: (await value.data())[0],
    grad: await grad.data(),
    correct: (await correct.data())[0],
  };
  tf.dispose([logits, labels, value, grad, correct]);
  return result;
}

describe.skipIf(skipped)('the training losses on WebGPU', () => {
  it.each(LOSS_NAMES.flatMap((name) => [[name, 'int32'] as const, [name, 'float32'] as const]))(
    '%s with %s labels: loss, gradient and correct count as the ops on the CPU',
    async (name, labelType) => {
      const cpu = await onBackend('cpu', () => lossAndGradient(name, labelType));
      const before = tf.memory().numTensors;
      const gpu = await lossAndGradient(name, labelType);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(gpu.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
      expect(maxRelativeError(gpu.grad, cpu.grad, 1e-3)).toBeLessThan(1e-4);
      expect(gpu.correct).toBe(cpu.correct);
    },
  );
});
