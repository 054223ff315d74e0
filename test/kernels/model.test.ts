import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type Arch } from '../../src/sll/arch.ts';
import { initialParams } from '../../src/sll/init.ts';
import { SllModel, disposeScalings } from '../../src/kernels/model.ts';
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

describe('logits without gradients (certification)', () => {
  // tf.profile returns one object that the next profile overwrites: read it at once.
  const profiled = async (fn: () => tf.Tensor) => {
    const { result, peakBytes } = await tf.profile(fn);
    return { logits: result as tf.Tensor, peakBytes };
  };

  /** Both logits of `n` images with the same scalings, each with its peak bytes; all disposed after. */
  async function bothLogits(arch: Arch, n: number) {
    const model = new SllModel(arch, initialParams(arch, 7));
    const x = nchwToNhwcTensor(
      randomImagesNchw(arch, n, 11),
      n,
      arch.inChannels,
      arch.imageSize,
      arch.imageSize,
    );
    const scalings = model.computeScalings();
    const before = tf.memory().numTensors;
    const released = await profiled(() => model.logitsWithoutGradients(x, scalings));
    const kept = await profiled(() => model.logits(x, scalings));
    const values = { released: await released.logits.data(), kept: await kept.logits.data() };
    tf.dispose([released.logits, kept.logits]);
    const leaked = tf.memory().numTensors - before;
    disposeScalings(scalings);
    tf.dispose(x);
    model.dispose();
    return { released, kept, values, leaked };
  }

  it.each(cases)('%s: the same logits, no more bytes held', async (_name, arch) => {
    const { released, kept, values, leaked } = await bothLogits(arch, 3);
    expect(values.released).toEqual(values.kept);
    expect(released.peakBytes).toBeLessThanOrEqual(kept.peakBytes);
    expect(leaked).toBe(0);
  });

  it('holds two layers of activations where logits holds every one', async () => {
    const n = 4;
    const arch = smallArch({ nConv: 8, width: 8, imageSize: 16 });
    const { released, kept } = await bothLogits(arch, n);
    const layerOutputBytes = n * arch.imageSize ** 2 * arch.width * 4;
    expect(kept.peakBytes - released.peakBytes).toBeGreaterThanOrEqual((arch.nConv - 2) * layerOutputBytes);
  });
});
