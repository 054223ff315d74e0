import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONV_FORMS_BY_BACKEND,
  type ConvForms,
  filterGradientByIm2col,
  filterGradientBySwap,
  portableConv2d,
} from '../../src/kernels/portableConv.ts';
import { createRng } from '../../src/sll/rng.ts';
import { maxRelativeError } from '../helpers/tensors.ts';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );
}

const EVERY_FORM: ConvForms[] = (['conv2d', 'conv2dTranspose'] as const).flatMap((conv) =>
  (['swap', 'im2col', 'native'] as const).map((filterGradient) => ({ conv, filterGradient })),
);

describe.each(EVERY_FORM)('portableConv2d with %o', (forms) => {
  const cpuForms = CONV_FORMS_BY_BACKEND.cpu;
  beforeAll(() => {
    CONV_FORMS_BY_BACKEND.cpu = forms;
  });
  afterAll(() => {
    CONV_FORMS_BY_BACKEND.cpu = cpuForms;
  });

  it.each([
    [0, [2, 6, 5, 3], [3, 3, 3, 4]],
    [1, [2, 5, 5, 3], [3, 3, 3, 2]],
    [2, [4, 3, 3, 5], [3, 3, 5, 4]],
  ])('padding %i: value and gradients equal tfjs autodiff of conv2d', async (pad, xShape, fShape) => {
    const x = randomTensor(xShape, 1) as tf.Tensor4D;
    const f = randomTensor(fShape, 2) as tf.Tensor4D;
    const weights = randomTensor(tf.conv2d(x, f, 1, pad).shape, 3);
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(portableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, pad), weights)),
    );
    const reference = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), weights)),
    );
    const [dxOurs, dfOurs] = ours([x, f]);
    const [dxRef, dfRef] = reference([x, f]);
    expect(
      maxRelativeError(await portableConv2d(x, f, pad).data(), await tf.conv2d(x, f, 1, pad).data()),
    ).toBeLessThan(1e-5);
    expect(dxOurs.shape).toEqual(x.shape);
    expect(dfOurs.shape).toEqual(f.shape);
    expect(maxRelativeError(await dxOurs.data(), await dxRef.data())).toBeLessThan(1e-5);
    expect(maxRelativeError(await dfOurs.data(), await dfRef.data())).toBeLessThan(1e-5);
  });
});

describe('filter gradient forms', () => {
  it.each([
    ['swapped conv', filterGradientBySwap],
    ['im2col + matMul', filterGradientByIm2col],
  ])('filter gradient as %s equals tfjs autodiff', async (_, form) => {
    for (const [pad, xShape, fShape] of [
      [1, [2, 5, 4, 3], [3, 3, 3, 2]],
      [2, [3, 3, 3, 5], [3, 3, 5, 4]],
    ] as const) {
      const x = randomTensor([...xShape], 4) as tf.Tensor4D;
      const f = randomTensor([...fShape], 5) as tf.Tensor4D;
      const dy = randomTensor(tf.conv2d(x, f, 1, pad).shape, 6) as tf.Tensor4D;
      const reference = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, b as tf.Tensor4D, 1, pad), dy)))(
        f,
      );
      const ours = form(x, dy, fShape[0], fShape[1], pad);
      expect(ours.shape).toEqual(f.shape);
      expect(maxRelativeError(await ours.data(), await reference.data())).toBeLessThan(1e-5);
    }
  });
});
