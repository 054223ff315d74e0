import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RADIUS_SEARCH, empiricalRadii } from '../../src/kernels/empiricalRadius.ts';
import { Evaluator } from '../../src/kernels/evaluator.ts';
import { LayerGainTracker } from '../../src/kernels/layerGains.ts';
import { layerLipschitzEstimates } from '../../src/kernels/lipschitz.ts';
import { SllModel, disposeScalings } from '../../src/kernels/model.ts';
import { PgdCancelledError, pgdAttack } from '../../src/kernels/pgd.ts';
import { createRng } from '../../src/sll/rng.ts';
import { BRIGHTNESS_ARCH as arch, brightnessTrainedModel } from '../helpers/brightnessModel.ts';
import { smallArch } from '../helpers/tensors.ts';

const trainedModel = () => brightnessTrainedModel(12);

describe('PGD with one eps per image', () => {
  it('equals the scalar attack when every eps is the same, and keeps each image in its own ball', async () => {
    const { model, x, y } = trainedModel();
    const evaluator = await Evaluator.create(model);
    const logitsOf = (z: tf.Tensor4D) => evaluator.logits(z);
    const tensors = tf.memory().numTensors;
    const scalar = await pgdAttack(logitsOf, x, y, { eps: 0.3, steps: 10, rng: createRng(1) });
    const perImage = await pgdAttack(logitsOf, x, y, {
      eps: new Float32Array(12).fill(0.3),
      steps: 10,
      rng: createRng(1),
    });
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(scalar, perImage))));
    expect((await difference.data())[0]).toBeLessThan(1e-6);
    const radii = Float32Array.from({ length: 12 }, (_, i) => 0.05 * (i + 1));
    const mixed = await pgdAttack(logitsOf, x, y, { eps: radii, steps: 10, rng: createRng(2) });
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(mixed, x)), [1, 2, 3])));
    (await norms.data()).forEach((norm, i) => expect(norm).toBeLessThanOrEqual(radii[i] * (1 + 1e-5)));
    tf.dispose([scalar, perImage, difference, mixed, norms]);
    expect(tf.memory().numTensors).toBe(tensors);
    await expect(pgdAttack(logitsOf, x, y, { eps: new Float32Array(3), rng: createRng(1) })).rejects.toThrow(
      /one eps per image: got 3 for 12/,
    );
    evaluator.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it('stops at a yield when asked, reporting its steps, with no tensor left behind', async () => {
    const { model, x, y } = trainedModel();
    const evaluator = await Evaluator.create(model);
    const tensors = tf.memory().numTensors;
    let done = 0;
    const attack = pgdAttack((z) => evaluator.logits(z), x, y, {
      eps: 0.3,
      steps: 100_000,
      rng: createRng(1),
      onStep: (d) => (done = d),
      shouldStop: () => done >= 5,
    });
    await expect(attack).rejects.toBeInstanceOf(PgdCancelledError);
    expect(done).toBeGreaterThanOrEqual(5);
    expect(done).toBeLessThan(100_000);
    expect(tf.memory().numTensors).toBe(tensors);
    evaluator.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('empirical radius by bisection', () => {
  it('is 0 for wrong images, above the certificate for correct ones, and where PGD does flip', async () => {
    const { model, x, labels } = trainedModel();
    const evaluator = await Evaluator.create(model);
    const clean = await evaluator.certifyBatch(x);
    const tensors = tf.memory().numTensors;
    const radii = await empiricalRadii(evaluator, x, labels, clean.predictions, clean.radii, {
      steps: 10,
      rounds: 4,
      rng: createRng(5),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    let finite = 0;
    radii.forEach((r, i) => {
      if (clean.predictions[i] !== labels[i]) return expect(r).toBe(0);
      expect(r).toBeGreaterThanOrEqual(clean.radii[i]);
      if (Number.isFinite(r)) finite++;
      else expect(r).toBe(Infinity);
    });
    expect(finite).toBeGreaterThan(0);
    // Seeded: the same search gives the same radius.
    const i = radii.findIndex((r, k) => Number.isFinite(r) && r > 0 && clean.predictions[k] === labels[k]);
    const again = await empiricalRadii(evaluator, x, labels, clean.predictions, clean.radii, {
      steps: 10,
      rounds: 4,
      rng: createRng(5),
    });
    expect(again[i]).toBe(radii[i]);
    expect(radii[i]).toBeLessThanOrEqual(RADIUS_SEARCH.RADIUS_CAP);
    evaluator.dispose();
    x.dispose();
    model.dispose();
  });
});

describe('live per-layer gains', () => {
  it('converge across warm-started refreshes to the power iteration at 0, with numTensors flat', async () => {
    const model = SllModel.initialize(
      smallArch({ nConv: 2, nDense: 1, width: 5, convInnerDim: 4, denseInnerDim: 12 }),
      3,
    );
    const images = tf.randomUniform([4, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const tracker = new LayerGainTracker(images);
    await tracker.refresh(model, 5); // the probes now exist
    const tensors = tf.memory().numTensors;
    let last = await tracker.refresh(model, 5);
    for (let r = 0; r < 20; r++) last = await tracker.refresh(model, 5);
    expect(tf.memory().numTensors).toBe(tensors);
    const reference = await layerLipschitzEstimates(model, { maxIterations: 300, randomPoints: 0 });
    expect(last.layers.map((l) => l.name)).toEqual(reference.map((l) => l.name));
    last.layers.forEach((layer, k) => {
      expect(layer.atZero).toBeCloseTo(reference[k].atZero, 3);
      expect(layer.atData).toBeLessThanOrEqual(1 + 1e-4);
      expect(layer.atData).toBeGreaterThan(0);
    });
    expect(last.head.rowNormMin).toBeCloseTo(1, 5);
    tracker.dispose();
    expect(tf.memory().numTensors).toBe(tensors - 2 * 3 - 1); // the kept probes and the images
    model.dispose();
  });

  it('gives each layer the input the network feeds it', async () => {
    const model = SllModel.initialize(arch, 4);
    const scalings = model.computeScalings();
    const images = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const inputs = model.sllLayerInputs(images, scalings);
    const layers = model.sllLayerFunctions(scalings);
    expect(inputs).toHaveLength(layers.length);
    // Each conv layer's output is the next conv layer's input.
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(layers[0].apply(inputs[0]), inputs[1]))));
    expect((await gap.data())[0]).toBeLessThan(1e-6);
    expect(inputs.at(-1)?.shape).toEqual([2, layers.at(-1)?.inputShape[1]]);
    tf.dispose([...inputs, images, gap]);
    disposeScalings(scalings);
    model.dispose();
  });
});
