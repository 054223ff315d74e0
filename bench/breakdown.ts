/**
 * Where a training step's time goes: the parts of the step timed on their own, forward and
 * backward, with the rest (dense layers on the batch, pooling, loss, Adam, uploads) by difference.
 */
import * as tf from '@tensorflow/tfjs';
import { type SllModel, trunkInput } from '../src/kernels/model.ts';
import type { ParamRole } from '../src/sll/params.ts';
import { sllConvLayer, sllConvScaling } from '../src/kernels/sllConv.ts';
import { sllDenseScaling } from '../src/kernels/sllDense.ts';
import { type TimingPlan, timeRuns } from './timing.ts';

export interface TimeBreakdown {
  /** The SLL convolutions on the batch with t given. */
  convMs: number;
  /** The convolutions' t-vectors (KtK). */
  convScalingMs: number;
  /** The dense layers' t-vectors, dominated by the Gram matrices W W^T. */
  gramMs: number;
  /** Step time minus the parts above, never below 0. */
  restMs: number;
}

interface BatchData {
  images: Float32Array;
  shape: [number, number, number, number];
}

function variablesWith(model: SllModel, role: ParamRole): tf.Variable[] {
  return model.variables.filter((_, i) => model.specs[i].role === role);
}

/** Times the forward and backward of `loss` with respect to `vars`, reading the gradients back. */
function gradientRun(loss: () => tf.Scalar, vars: tf.Variable[]): () => Promise<void> {
  return async () => {
    const { value, grads } = tf.variableGrads(loss, vars);
    await Promise.all(Object.values(grads).map((g) => g.data()));
    tf.dispose([value, ...Object.values(grads)]);
  };
}

// Pairwise adds, not tf.addN: tfjs's WebGPU addN binds every input at once and fails validation
// beyond the device's 8 storage buffers per stage (seen on an H200 with small's 20 kernels).
const sumAll = (tensors: tf.Tensor[]) =>
  tensors.map((t) => tf.sum(t)).reduce((total, part) => tf.add(total, part)) as tf.Scalar;

export async function measureBreakdown(
  model: SllModel,
  batch: BatchData,
  plan: TimingPlan,
  stepMs: number,
): Promise<TimeBreakdown> {
  const kernels = variablesWith(model, 'convKernel') as tf.Variable<tf.Rank.R4>[];
  const convBiases = variablesWith(model, 'convBias') as tf.Variable<tf.Rank.R1>[];
  const weights = variablesWith(model, 'denseWeight') as tf.Variable<tf.Rank.R2>[];
  const qs = variablesWith(model, 'denseQ') as tf.Variable<tf.Rank.R1>[];
  const time = async (loss: () => tf.Scalar, vars: tf.Variable[]) =>
    vars.length === 0 ? 0 : (await timeRuns(gradientRun(loss, vars), plan)).medianMs;

  const convScalingMs = await time(() => sumAll(kernels.map((k) => sllConvScaling(k))), kernels);
  const gramMs = await time(
    () => sumAll(weights.map((w, i) => sllDenseScaling(w, qs[i]))),
    [...weights, ...qs],
  );

  const scalings = tf.tidy(() => kernels.map((k) => sllConvScaling(k)));
  const images = tf.tidy(() =>
    trunkInput(
      tf.tensor4d(batch.images, batch.shape),
      tf.tensor1d(model.arch.mean),
      tf.tensor1d(model.arch.std.map((s) => 1 / s)),
      model.arch,
    ),
  );
  try {
    const convMs = await time(() => {
      const out = kernels.reduce((x, k, i) => sllConvLayer(x, k, convBiases[i], scalings[i]), images);
      return tf.sum(out);
    }, [...kernels, ...convBiases]);
    return { convMs, convScalingMs, gramMs, restMs: Math.max(0, stepMs - convMs - convScalingMs - gramMs) };
  } finally {
    tf.dispose([...scalings, images]);
  }
}
