import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { layerLipschitzEstimates, powerIteration } from '../../src/kernels/lipschitz.ts';
import { SllModel, disposeScalings } from '../../src/kernels/model.ts';
import { createRng } from '../../src/sll/rng.ts';
import { smallArch } from '../helpers/tensors.ts';

const arch = smallArch({ nConv: 2, nDense: 2, width: 5, convInnerDim: 4, denseInnerDim: 12 });

describe('every SLL layer is 1-Lipschitz', () => {
  it('||h(x) - h(y)|| <= ||x - y|| on random pairs, for each layer', async () => {
    const model = SllModel.initialize(arch, 1);
    const scalings = model.computeScalings();
    const rng = createRng(2);
    for (const layer of model.sllLayerFunctions(scalings)) {
      for (let pair = 0; pair < 20; pair++) {
        const size = layer.inputShape.reduce((a, b) => a * b, 1);
        const spread = pair < 10 ? 3 : 1e-2; // far apart and very close pairs
        const x = tf.tensor(
          Float32Array.from({ length: size }, () => 3 * rng.normal()),
          layer.inputShape,
        );
        const y = tf.add(x, tf.mul(tf.randomNormal(layer.inputShape, 0, 1, 'float32', pair), spread));
        const ratio = tf.tidy(() =>
          tf.div(tf.norm(tf.sub(layer.apply(x), layer.apply(y))), tf.norm(tf.sub(x, y))),
        );
        expect((await ratio.data())[0], `${layer.name} pair ${pair}`).toBeLessThanOrEqual(1 + 1e-5);
        tf.dispose([x, y, ratio]);
      }
    }
    disposeScalings(scalings);
    model.dispose();
  });

  it('power iteration finds largest singular values <= 1 + 1e-4 (official check and local Jacobians)', async () => {
    const model = SllModel.initialize(arch, 3);
    const estimates = await layerLipschitzEstimates(model, { maxIterations: 100 });
    expect(estimates.map((e) => e.name)).toEqual(['model.1', 'model.2', 'model.5', 'model.6']);
    for (const e of estimates) {
      expect(e.atZero, e.name).toBeLessThanOrEqual(1 + 1e-4);
      expect(e.atRandomPoints, e.name).toBeLessThanOrEqual(1 + 1e-4);
      // The layers are close to tight: a check that returned 0 would prove nothing.
      expect(e.atZero, e.name).toBeGreaterThan(0.5);
    }
    model.dispose();
  });

  it('power iteration finds the norm of a known linear map (and so would catch a layer > 1)', async () => {
    const m = tf.tensor2d([
      [2, 0, 0],
      [0, 0.5, 0],
      [0, 0, -1.5],
    ]);
    const sigma = await powerIteration((x) => tf.matMul(x as tf.Tensor2D, m), [1, 3]);
    expect(sigma).toBeCloseTo(2, 5);
    m.dispose();
  });

  it('a conv layer with t scaled by 4 breaks the bound, and the check says so', async () => {
    const model = SllModel.initialize(arch, 4);
    const scalings = model.computeScalings();
    const inflated = { conv: scalings.conv.map((t) => tf.mul(t, 4) as tf.Tensor1D), dense: scalings.dense };
    const [layer] = model.sllLayerFunctions(inflated);
    const sigma = await powerIteration(layer.apply, layer.inputShape, { maxIterations: 100 });
    expect(sigma).toBeGreaterThan(1.01);
    disposeScalings(scalings);
    tf.dispose(inflated.conv);
    model.dispose();
  });
});
