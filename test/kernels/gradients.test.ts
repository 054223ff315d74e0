import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initialParams } from '../../src/sll/init.ts';
import { offsetCrossEntropy } from '../../src/kernels/losses.ts';
import { SllModel } from '../../src/kernels/model.ts';
import { toPytorch } from '../../src/sll/params.ts';
import { oracleLogits } from '../oracle/oracle.ts';
import { oracleXent } from '../oracle/oracleLoss.ts';
import { createRng } from '../../src/sll/rng.ts';
import { nchwToNhwcTensor, randomImagesNchw, smallArch } from '../helpers/tensors.ts';

describe('gradients of the whole network', () => {
  it('match central finite differences of the float64 oracle', async () => {
    const arch = smallArch({ nConv: 2, nDense: 1, width: 4, convInnerDim: 3, denseInnerDim: 6, nClasses: 4 });
    const n = 4;
    const params = initialParams(arch, 3);
    const images = randomImagesNchw(arch, n, 5);
    const labels = [0, 1, 2, 3];
    const model = new SllModel(arch, params);
    const x = nchwToNhwcTensor(images, n, arch.inChannels, arch.imageSize, arch.imageSize);
    const y = tf.tensor1d(labels, 'int32');
    const { grads } = tf.variableGrads(() => offsetCrossEntropy(model.logits(x), y), model.variables);
    const exported = await model.exportParams();
    // Gradients in PyTorch layout, by parameter name, through the same conversion as weights.
    const gradByName = new Map<string, Float32Array>();
    for (let i = 0; i < model.specs.length; i++) {
      const spec = model.specs[i];
      const grad = grads[model.variables[i].name];
      // The conv layers' q cancels out of the function (docs/math.md §2.1): it has no gradient.
      const g = grad ? ((await grad.data()) as Float32Array) : new Float32Array(model.variables[i].size);
      gradByName.set(spec.name, toPytorch(spec, g));
    }
    const params64 = new Map([...exported].map(([k, v]) => [k, Float64Array.from(v)]));
    const lossAt = () => oracleXent(oracleLogits(arch, params64, images, n), labels, arch.nClasses);
    const rng = createRng(9);
    const h = 1e-6;
    let worst = 0;
    for (const spec of model.specs) {
      const values = params64.get(spec.name)!;
      for (let probe = 0; probe < 3; probe++) {
        const idx = Math.floor(rng.uniform() * values.length);
        const keep = values[idx];
        values[idx] = keep + h;
        const up = lossAt();
        values[idx] = keep - h;
        const down = lossAt();
        values[idx] = keep;
        const numeric = (up - down) / (2 * h);
        const analytic = gradByName.get(spec.name)![idx];
        const err = Math.abs(analytic - numeric) / Math.max(1e-3, Math.abs(numeric));
        worst = Math.max(worst, err);
        expect(err, `${spec.name}[${idx}] analytic ${analytic} numeric ${numeric}`).toBeLessThan(2e-3);
      }
    }
    expect(worst).toBeLessThan(2e-3);
    tf.dispose([x, y, ...Object.values(grads)]);
    model.dispose();
  });

  it('equal tfjs autodiff of plain conv2d / conv2dTranspose on the same layer', async () => {
    const rng = createRng(4);
    const rand = (shape: number[]) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()),
        shape,
      );
    const x = rand([2, 6, 6, 4]) as tf.Tensor4D;
    const kernel = rand([3, 3, 4, 5]) as tf.Tensor4D;
    const bias = rand([5]) as tf.Tensor1D;
    const { sllConvLayer, sllConvScaling } = await import('../../src/kernels/sllConv.ts');
    const autodiffLayer = (xx: tf.Tensor4D, k: tf.Tensor4D) => {
      const kImages = tf.transpose(k, [3, 0, 1, 2]) as tf.Tensor4D;
      const t = tf.div(1, tf.sum(tf.abs(tf.conv2d(kImages, k, 1, 2)), [1, 2, 3]));
      const z = tf.mul(tf.relu(tf.add(tf.conv2d(xx, k, 1, 1), bias)), t) as tf.Tensor4D;
      return tf.sub(xx, tf.mul(tf.conv2dTranspose(z, k, xx.shape, 1, 1), 2));
    };
    const ours = tf.grads((a: tf.Tensor, k: tf.Tensor) =>
      tf.sum(
        tf.square(sllConvLayer(a as tf.Tensor4D, k as tf.Tensor4D, bias, sllConvScaling(k as tf.Tensor4D))),
      ),
    );
    const ref = tf.grads((a: tf.Tensor, k: tf.Tensor) =>
      tf.sum(tf.square(autodiffLayer(a as tf.Tensor4D, k as tf.Tensor4D))),
    );
    const [dxA, dkA] = ours([x, kernel]);
    const [dxB, dkB] = ref([x, kernel]);
    const { maxRelativeError } = await import('../helpers/tensors.ts');
    expect(maxRelativeError(await dxA.data(), await dxB.data())).toBeLessThan(1e-4);
    expect(maxRelativeError(await dkA.data(), await dkB.data())).toBeLessThan(1e-4);
  });
});
