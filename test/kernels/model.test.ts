import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type Arch } from '../../src/sll/arch.ts';
import { initialParams } from '../../src/sll/init.ts';
import { SllModel } from '../../src/kernels/model.ts';
import { oracleLogits } from '../oracle/oracle.ts';
import { maxRelativeError, nchwToNhwcTensor, randomImagesNchw, smallArch } from '../helpers/tensors.ts';

const cases: [string, Arch][] = [
  ['conv inner dim differs from width', smallArch()],
  ['conv inner dim -1 (= width), dense inner -1', smallArch({ convInnerDim: -1, denseInnerDim: -1 })],
  ['no dense layers', smallArch({ nDense: 0 })],
  ['no conv layers', smallArch({ nConv: 0, nDense: 2 })],
  ['100 classes', smallArch({ nClasses: 100, width: 3 })],
  [
    'non-square widths, 16x16 images, std != 1',
    smallArch({ width: 7, convInnerDim: 5, denseInnerDim: 9, imageSize: 16, std: [0.5, 1, 2] }),
  ],
  ['single channel input', smallArch({ inChannels: 1, mean: [0.5], std: [1] })],
];

describe('SllModel logits against the float64 oracle', () => {
  it.each(cases)('%s', async (_name, arch) => {
    const n = 3;
    const params = initialParams(arch, 7);
    const images = randomImagesNchw(arch, n, 11);
    const expected = oracleLogits(arch, params, images, n);
    const model = new SllModel(arch, params);
    const x = nchwToNhwcTensor(images, n, arch.inChannels, arch.imageSize, arch.imageSize);
    const logits = model.logits(x);
    const actual = await logits.data();
    expect(logits.shape).toEqual([n, arch.nClasses]);
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
    tf.dispose([x, logits]);
    model.dispose();
  });
});
