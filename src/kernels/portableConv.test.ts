import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { portableConv2d } from './portableConv.ts';
import { createRng } from './rng.ts';
import { maxRelativeError } from './testUtils.ts';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );
}

describe('portableConv2d', () => {
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
    ).toBe(0);
    expect(dxOurs.shape).toEqual(x.shape);
    expect(dfOurs.shape).toEqual(f.shape);
    expect(maxRelativeError(await dxOurs.data(), await dxRef.data())).toBeLessThan(1e-5);
    expect(maxRelativeError(await dfOurs.data(), await dfRef.data())).toBeLessThan(1e-5);
  });
});
