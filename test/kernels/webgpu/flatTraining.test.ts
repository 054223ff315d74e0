// Training on flat parameters (src/kernels/model.ts `trainFlat`, src/kernels/flatParams.ts): the
// gradient every layer's training op adds into the one flat tensor, against the gradients the tfjs
// ops give on the CPU backend; the variables catching up with the flat copy, and replacing it.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { trainingLoss } from '../../../src/kernels/losses.ts';
import { SllModel } from '../../../src/kernels/model.ts';
import type { LossName } from '../../../src/sll/lossNames.ts';
import { createRng } from '../../../src/sll/rng.ts';
import { type Arch } from '../../../src/sll/arch.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, smallArch } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

// 6 images of 8 x 8: 384 pixels, so the conv layers' partial sums span two chunks, the second short.
const ARCH = smallArch({ nConv: 2, nDense: 2, width: 6, convInnerDim: 5, denseInnerDim: 12 });

function batch(arch: Arch, seed: number) {
  const rng = createRng(seed);
  const n = 6;
  const images = Float32Array.from({ length: n * arch.imageSize ** 2 * arch.inChannels }, () =>
    rng.uniform(),
  );
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * arch.nClasses));
  return {
    x: tf.tensor4d(images, [n, arch.imageSize, arch.imageSize, arch.inChannels]),
    y: tf.tensor1d(labels, 'int32'),
  };
}

/** Each parameter's gradient by tfjs's autodiff over the ops (0 for conv q, which has none). */
async function gradientsByOps(loss: LossName): Promise<Float32Array[]> {
  const model = SllModel.initialize(ARCH, 3);
  const { x, y } = batch(ARCH, 1);
  const { value, grads } = tf.variableGrads(() => trainingLoss(loss, model.logits(x), y), model.variables);
  const result = await Promise.all(
    model.variables.map(async (v) => {
      const g = grads[v.name];
      return g ? ((await g.data()) as Float32Array) : new Float32Array(v.size);
    }),
  );
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return result;
}

/** The flat gradient of one step on WebGPU, cut into the parameters. */
async function flatGradient(loss: LossName): Promise<Float32Array[]> {
  const model = SllModel.initialize(ARCH, 3);
  const { x, y } = batch(ARCH, 1);
  let kept: tf.Tensor | null = null;
  const value = model.trainFlat(
    x,
    (logits) => trainingLoss(loss, logits, y),
    (_, gradient) => {
      kept = tf.keep(gradient.clone());
    },
  );
  const flat = (await (kept as unknown as tf.Tensor).data()) as Float32Array;
  let offset = 0;
  const result = model.variables.map((v) => {
    offset += v.size;
    return flat.slice(offset - v.size, offset);
  });
  tf.dispose([x, y, value, kept as unknown as tf.Tensor]);
  model.dispose();
  return result;
}

describe.skipIf(skipped)('training on flat parameters on WebGPU', () => {
  it.each(['xent', 'xent+margin'] as LossName[])(
    "%s: the flat gradient holds every parameter's gradient, within 1e-4 of the ops on the CPU",
    async (loss) => {
      const cpu = await onBackend('cpu', () => gradientsByOps(loss));
      const before = tf.memory().numTensors;
      const gpu = await flatGradient(loss);
      expect(tf.memory().numTensors).toBe(before);
      const names = SllModel.initialize(ARCH, 0);
      names.specs.forEach((spec, i) =>
        expect(maxRelativeError(gpu[i], cpu[i]), spec.name).toBeLessThan(1e-4),
      );
      names.dispose();
    },
  );

  it('reads the variables back after a step, and starts from assigned weights anew', async () => {
    const model = SllModel.initialize(ARCH, 3);
    const initial = await model.exportParams();
    const { x, y } = batch(ARCH, 2);
    const step = async () => {
      // A plain gradient step, so that every parameter with a gradient moves.
      const value = model.trainFlat(
        x,
        (logits) => trainingLoss('xent', logits, y),
        (params, gradient) => tf.tidy(() => params.assign(tf.sub(params, tf.mul(gradient, 0.1)))),
      );
      const loss = (await value.data())[0];
      value.dispose();
      return loss;
    };
    const first = await step();
    const moved = await model.exportParams();
    const weight = ARCH.nConv * 3;
    expect(
      maxRelativeError(moved.get(model.specs[weight].name)!, initial.get(model.specs[weight].name)!),
    ).toBeGreaterThan(1e-3);
    // The variables hold what the flat step wrote: a model built from them gives the same logits.
    const copy = new SllModel(ARCH, moved);
    const logits = [await model.logits(x).data(), await copy.logits(x).data()];
    expect(maxRelativeError(logits[0], logits[1])).toBeLessThan(1e-6);
    copy.dispose();
    // Assigned weights replace the flat copy: the same batch from the same weights, the same loss.
    model.assignParams(initial);
    expect(await step()).toBe(first);
    tf.dispose([x, y]);
    model.dispose();
  });
});
