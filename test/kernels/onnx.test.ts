/**
 * The ONNX export against the lab: the exported bytes run in onnxruntime-web (WASM, in Node) and
 * give the lab's logits (tfjs CPU backend) and the same certificates.
 */
import * as tf from '@tensorflow/tfjs';
import type { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam } from '../../src/kernels/adam.ts';
import { SllModel } from '../../src/kernels/model.ts';
import {
  ONNX_BATCH_DIM,
  ONNX_INPUT,
  ONNX_OUTPUT,
  buildSllOnnx,
  exportOnnx,
} from '../../src/kernels/onnx/exportOnnx.ts';
import { ONNX_IR_VERSION, ONNX_OPSET } from '../../src/kernels/onnx/onnxGraph.ts';
import { decodeOnnxModel } from '../helpers/onnx.ts';
import { trainStep } from '../../src/kernels/training.ts';
import { type Arch, type PresetName, presetArch } from '../../src/sll/arch.ts';
import { certify, classPairDistances } from '../../src/sll/certify.ts';
import { initialParams } from '../../src/sll/init.ts';
import { countParameters } from '../../src/sll/params.ts';
import { createRng } from '../../src/sll/rng.ts';
import { maxRelativeError, nchwToNhwcTensor, randomImagesNchw, smallArch } from '../helpers/tensors.ts';

const LOGIT_TOLERANCE = 1e-5;
const ALLOWED_OPS = new Set([
  'Sub',
  'Mul',
  'Pad',
  'Conv',
  'Relu',
  'ConvTranspose',
  'AveragePool',
  'Flatten',
  'Gemm',
  'MatMul',
]);

/** Measured differences, printed once at the end (docs/cli.md quotes them). */
const measured: Record<string, { maxRelative: number; maxAbsolute: number; bytes: number }> = {};

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

afterAll(() => {
  console.log(`ONNX export vs lab logits:\n${JSON.stringify(measured, null, 1)}`);
});

async function ortLogits(bytes: Uint8Array, images: Float32Array, arch: Arch, n: number) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = new ort.Tensor('float32', images, [n, arch.inChannels, arch.imageSize, arch.imageSize]);
    const result = await session.run({ [ONNX_INPUT]: input });
    const logits = result[ONNX_OUTPUT];
    expect(logits.dims).toEqual([n, arch.nClasses]);
    return logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

async function labLogits(model: SllModel, images: Float64Array, n: number): Promise<Float32Array> {
  const { arch } = model;
  const x = nchwToNhwcTensor(images, n, arch.inChannels, arch.imageSize, arch.imageSize);
  const logits = model.logits(x);
  try {
    return (await logits.data()) as Float32Array;
  } finally {
    tf.dispose([x, logits]);
  }
}

/** A few Adam steps on random data, then larger biases and q, so nothing is at its initial value. */
async function trainedAndPerturbed(arch: Arch, seed: number): Promise<SllModel> {
  const model = SllModel.initialize(arch, seed);
  const adam = new Adam(model.variables);
  const n = 2;
  const x = nchwToNhwcTensor(
    randomImagesNchw(arch, n, seed + 1),
    n,
    arch.inChannels,
    arch.imageSize,
    arch.imageSize,
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: n }, (_, i) => i % arch.nClasses),
    'int32',
  );
  for (let step = 0; step < 2; step++) {
    const { loss, correct } = trainStep(model, adam, x, y, 'xent', 0.01);
    tf.dispose([loss, correct]);
  }
  tf.dispose([x, y]);
  adam.dispose();
  const rng = createRng(seed + 2);
  const params = await model.exportParams();
  for (const [name, values] of params) {
    if (name.endsWith('.bias')) for (let i = 0; i < values.length; i++) values[i] += 0.3 * rng.normal();
    if (name.endsWith('.q')) for (let i = 0; i < values.length; i++) values[i] *= 4;
  }
  model.assignParams(params);
  return model;
}

/** Runs both, compares logits and certificates, returns the measured differences. */
async function compare(model: SllModel, n: number, seed: number, label: string) {
  const { arch } = model;
  const before = tf.memory().numTensors;
  const bytes = await exportOnnx(model);
  expect(tf.memory().numTensors).toBe(before);
  const images = randomImagesNchw(arch, n, seed);
  const expected = await labLogits(model, images, n);
  const actual = await ortLogits(bytes, Float32Array.from(images), arch, n);
  let maxAbsolute = 0;
  for (let i = 0; i < expected.length; i++)
    maxAbsolute = Math.max(maxAbsolute, Math.abs(actual[i] - expected[i]));
  const maxRelative = maxRelativeError(actual, expected);
  measured[label] = { maxRelative, maxAbsolute, bytes: bytes.length };
  expect(maxRelative, label).toBeLessThan(LOGIT_TOLERANCE);

  // Certificates as the Evaluator computes them, from either set of logits.
  const distances = classPairDistances(await model.normalizedLastWeight(), arch.nClasses);
  const inputScale = Math.min(...arch.std);
  const ours = certify(expected, arch.nClasses, distances, inputScale);
  const theirs = certify(actual, arch.nClasses, distances, inputScale);
  expect(Array.from(theirs.predictions)).toEqual(Array.from(ours.predictions));
  let minDistance = Infinity;
  for (let i = 0; i < arch.nClasses; i++)
    for (let j = 0; j < arch.nClasses; j++)
      if (i !== j) minDistance = Math.min(minDistance, distances[i * arch.nClasses + j]);
  for (let b = 0; b < n; b++) {
    // A radius is a margin over a distance: it moves by at most twice the logit error over that distance.
    expect(Math.abs(theirs.radii[b] - ours.radii[b])).toBeLessThanOrEqual(
      (2 * maxAbsolute * inputScale) / minDistance + 1e-12,
    );
  }
  return { bytes, images, expected, actual };
}

describe('ONNX export of the presets runs in onnxruntime-web with the lab logits', () => {
  const presets: PresetName[] = ['tiny', 'lab'];
  it.each(presets)('%s, initial weights', async (preset) => {
    const model = SllModel.initialize(presetArch(preset), 3);
    await compare(model, 4, 21, `${preset} initial`);
    model.dispose();
  });

  it.each(presets)('%s, trained a few steps and perturbed', async (preset) => {
    const model = await trainedAndPerturbed(presetArch(preset), 5);
    const { bytes, images, actual } = await compare(model, 4, 22, `${preset} trained+perturbed`);
    // The batch is dynamic: one image alone gives its row of the batch of four.
    const arch = model.arch;
    const one = images.subarray(0, arch.inChannels * arch.imageSize ** 2);
    const single = await ortLogits(bytes, Float32Array.from(one), arch, 1);
    expect(maxRelativeError(single, actual.subarray(0, arch.nClasses))).toBeLessThan(LOGIT_TOLERANCE);
    model.dispose();
  });
});

describe('ONNX export of other architectures', () => {
  const cases: [string, Arch][] = [
    ['conv inner dim differs from width, std != 1', smallArch({ std: [0.5, 1, 2] })],
    ['no dense layers', smallArch({ nDense: 0 })],
    ['no conv layers', smallArch({ nConv: 0, nDense: 2 })],
    [
      'width = input channels (no padding), inner -1',
      smallArch({ width: 3, convInnerDim: -1, denseInnerDim: -1 }),
    ],
    ['single channel, 16x16', smallArch({ inChannels: 1, mean: [0.5], std: [0.25], imageSize: 16 })],
  ];
  it.each(cases)('%s', async (name, arch) => {
    const model = new SllModel(arch, initialParams(arch, 9));
    await compare(model, 3, 4, name);
    model.dispose();
  });
});

describe('the exported graph', () => {
  it('is plain inference ops with the t-vectors folded into named constants', async () => {
    const arch = presetArch('tiny');
    const model = SllModel.initialize(arch, 1);
    const decoded = decodeOnnxModel(await exportOnnx(model));
    expect(Number(decoded.irVersion)).toBe(ONNX_IR_VERSION);
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(JSON.parse(String(decoded.metadataProps.find((p) => p.key === 'sll-lab.arch')?.value))).toEqual(
      arch,
    );
    const graph = decoded.graph as onnx.GraphProto;
    const shape = (v: onnx.IValueInfoProto) =>
      v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(graph.input.map((v) => [v.name, shape(v)])).toEqual([[ONNX_INPUT, [ONNX_BATCH_DIM, 3, 32, 32]]]);
    expect(graph.output.map((v) => [v.name, shape(v)])).toEqual([[ONNX_OUTPUT, [ONNX_BATCH_DIM, 10]]]);
    for (const node of graph.node) expect(ALLOWED_OPS, node.opType!).toContain(node.opType);

    const initializers = new Map(graph.initializer.map((t) => [String(t.name), t]));
    expect([...initializers.keys()].filter((n) => n.endsWith('.q'))).toEqual([]);
    const floats = (name: string) => {
      const raw = initializers.get(name)!.rawData!;
      return new Float32Array(new Uint8Array(raw).buffer);
    };
    // Each layer's t (as the lab computes it) times 2, once; the weights once each, in PyTorch layout.
    const t = model.computeScalings();
    const t1 = (await t.conv[0].data()) as Float32Array;
    const t5 = (await t.dense[0].data()) as Float32Array;
    tf.dispose([...t.conv, ...t.dense]);
    expect(floats('model.1.two_t')).toEqual(Float32Array.from(t1, (v) => 2 * v));
    expect(initializers.get('model.1.two_t')!.dims!.map(Number)).toEqual([1, 8, 1, 1]);
    expect(floats('model.5.two_t')).toEqual(Float32Array.from(t5, (v) => 2 * v));
    const params = await model.exportParams();
    for (const name of ['model.1.kernel', 'model.1.bias', 'model.2.kernel', 'model.5.weight', 'model.6.bias'])
      expect(floats(name), name).toEqual(params.get(name));
    const size = graph.initializer.reduce((sum, t) => sum + (t.rawData?.length ?? 0), 0);
    const q = [...params].filter(([n]) => n.endsWith('.q')).reduce((sum, [, v]) => sum + v.length, 0);
    const extra = 3 + 3 + 1 + 8 + 8 + 64; // mean, 1/std, pool scale, three t-vectors
    expect(size).toBe(4 * (countParameters(arch) - q + extra) + 8 * 8); // + the int64 pads
    // The transposed convolution and the back-projection reuse the layer's weight.
    const back = graph.node.filter((node) => String(node.name).endsWith('.back'));
    expect(back.map((node) => [node.opType, node.input![1]])).toEqual([
      ['ConvTranspose', 'model.1.kernel'],
      ['ConvTranspose', 'model.2.kernel'],
      ['MatMul', 'model.5.weight'],
    ]);
    expect(floats('model.6.weight_normalized')).toEqual(await model.normalizedLastWeight());
    model.dispose();
  });

  it('refuses t-vectors that do not match the arch', () => {
    const arch = presetArch('tiny');
    expect(() =>
      buildSllOnnx({
        arch,
        params: initialParams(arch, 1),
        scalings: { conv: [], dense: [] },
        normalizedLastWeight: new Float32Array(10 * 512),
      }),
    ).toThrow(/0 conv and 0 dense t-vectors for an arch with 2 and 1/);
  });
});
