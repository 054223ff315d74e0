/**
 * The SLL network (docs/math.md §2.3) as an ONNX model for inference. The t-vectors depend on the
 * weights only, so they are computed once by the lab's own code and folded into constants: layer i
 * multiplies its activation by the constant `model.{i}.two_t` (2 t) before the transposed convolution
 * (or the dense back-projection), which reuses the layer's own weight, so no weight is stored twice.
 * The graph is plain Sub, Mul, Pad, Conv, Relu, ConvTranspose, AveragePool, Flatten, Gemm and MatMul.
 * Weights are encoded with onnx-proto's generated protobufjs classes (see onnxGraph.ts).
 * The input is `images` float32 `[N, C, H, W]` (PyTorch layout) in [0, 1]; the output `logits` `[N, classes]`.
 */
import {
  type Arch,
  KERNEL_SIZE,
  POOL_SIZE,
  convInnerChannels,
  denseInnerFeatures,
  featureCount,
} from '../../sll/arch.ts';
import { type ParamMap, convLayerIndex, denseLayerIndex, lastLayerIndex } from '../../sll/params.ts';
import { type SllModel, disposeScalings } from '../model.ts';
import { OnnxGraph } from './onnxGraph.ts';

export const ONNX_INPUT = 'images';
export const ONNX_OUTPUT = 'logits';
/** The symbolic batch dimension of the input and the output. */
export const ONNX_BATCH_DIM = 'N';

const T_DOC =
  "2 * t: the layer's t-vector, computed by SLL Lab from the weights (docs/math.md 2.1, 2.2), times 2";

/** Every SLL layer's t-vector, read back from the device. */
export interface ScalingValues {
  conv: Float32Array[];
  dense: Float32Array[];
}

export interface SllOnnxSource {
  arch: Arch;
  /** Weights in PyTorch layout (`SllModel.exportParams`). */
  params: ParamMap;
  scalings: ScalingValues;
  /** The last layer's rows at unit norm, `[nClasses, features]` (`SllModel.normalizedLastWeight`). */
  normalizedLastWeight: Float32Array;
}

function param(params: ParamMap, name: string, size: number): Float32Array {
  const values = params.get(name);
  if (!values) throw new Error(`ONNX export: missing parameter ${name}`);
  if (values.length !== size)
    throw new Error(`ONNX export: ${name} has ${values.length} values, expected ${size}`);
  return values;
}

/** `2 t`, rounded to float32 (exactly: doubling only changes the exponent). */
function twoT(t: Float32Array, expected: number, name: string): Float32Array {
  if (t.length !== expected)
    throw new Error(`ONNX export: t of ${name} has ${t.length} values, expected ${expected}`);
  return Float32Array.from(t, (v) => 2 * v);
}

/** Builds the ONNX model from plain values (no tensors): what `exportOnnx` reads back from a model. */
export function buildSllOnnx(source: SllOnnxSource): Uint8Array {
  const { arch, params, scalings, normalizedLastWeight } = source;
  if (scalings.conv.length !== arch.nConv || scalings.dense.length !== arch.nDense) {
    throw new Error(
      `ONNX export: ${scalings.conv.length} conv and ${scalings.dense.length} dense t-vectors for an arch with ${arch.nConv} and ${arch.nDense}`,
    );
  }
  const { width, inChannels, imageSize, nClasses } = arch;
  const k = KERNEL_SIZE;
  const pad = (k - 1) / 2;
  const convInner = convInnerChannels(arch);
  const denseInner = denseInnerFeatures(arch);
  const features = featureCount(arch);
  const g = new OnnxGraph('sll');

  const images = g.input(
    ONNX_INPUT,
    [ONNX_BATCH_DIM, inChannels, imageSize, imageSize],
    'images in [0, 1], NCHW',
  );
  // 1. Normalisation, as the lab computes it: (x - mean) * (1 / std), both rounded to float32.
  const mean = g.floatConstant('input.mean', [1, inChannels, 1, 1], arch.mean);
  const invStd = g.floatConstant(
    'input.inv_std',
    [1, inChannels, 1, 1],
    arch.std.map((v) => 1 / v),
  );
  let x = g.node('Sub', 'input.centered', [images, mean], 'input.centered');
  x = g.node('Mul', 'input.normalized', [x, invStd], 'input.normalized');
  // 2. Zero channels up to the width.
  if (width > inChannels) {
    const pads = g.int64Constant('input.pads', [0, 0, 0, 0, 0, width - inChannels, 0, 0]);
    x = g.node('Pad', 'input.padded', [x, pads], 'input.padded');
  }
  // 3. SLL convolutions: x - conv_transpose(2 t * relu(conv(x, K) + b), K).
  for (let i = 0; i < arch.nConv; i++) {
    const p = `model.${convLayerIndex(i)}`;
    const size = convInner * width * k * k;
    const kernel = g.floatConstant(
      `${p}.kernel`,
      [convInner, width, k, k],
      param(params, `${p}.kernel`, size),
    );
    const bias = g.floatConstant(`${p}.bias`, [convInner], param(params, `${p}.bias`, convInner));
    const t = g.floatConstant(
      `${p}.two_t`,
      [1, convInner, 1, 1],
      twoT(scalings.conv[i], convInner, p),
      T_DOC,
    );
    const conv = { pads: [pad, pad, pad, pad], strides: [1, 1], kernel_shape: [k, k] };
    const z = g.node('Conv', `${p}.conv`, [x, kernel, bias], `${p}.conv`, conv);
    const a = g.node('Relu', `${p}.relu`, [z], `${p}.relu`);
    const scaled = g.node('Mul', `${p}.scaled`, [a, t], `${p}.scaled`);
    const y = g.node('ConvTranspose', `${p}.back`, [scaled, kernel], `${p}.back`, conv);
    x = g.node('Sub', `${p}.out`, [x, y], `${p}.out`);
  }
  // 4-5. Sum of 4x4 windows / 4 (= 4 * average), flattened in C, H, W order.
  const poolScale = g.floatConstant('pool.scale', [], [POOL_SIZE]);
  x = g.node('AveragePool', 'pool.average', [x], 'pool.average', {
    kernel_shape: [POOL_SIZE, POOL_SIZE],
    strides: [POOL_SIZE, POOL_SIZE],
  });
  x = g.node('Mul', 'pool.sum_over_4', [x, poolScale], 'pool.sum_over_4');
  x = g.node('Flatten', 'flatten', [x], 'flatten', { axis: 1 });
  // 6. SLL dense layers: h - (2 t * relu(h W^T + b)) W.
  for (let i = 0; i < arch.nDense; i++) {
    const p = `model.${denseLayerIndex(arch, i)}`;
    const size = denseInner * features;
    const weight = g.floatConstant(`${p}.weight`, [denseInner, features], param(params, `${p}.weight`, size));
    const bias = g.floatConstant(`${p}.bias`, [denseInner], param(params, `${p}.bias`, denseInner));
    const t = g.floatConstant(`${p}.two_t`, [denseInner], twoT(scalings.dense[i], denseInner, p), T_DOC);
    const z = g.node('Gemm', `${p}.linear`, [x, weight, bias], `${p}.linear`, { transB: 1 });
    const a = g.node('Relu', `${p}.relu`, [z], `${p}.relu`);
    const scaled = g.node('Mul', `${p}.scaled`, [a, t], `${p}.scaled`);
    const y = g.node('MatMul', `${p}.back`, [scaled, weight], `${p}.back`);
    x = g.node('Sub', `${p}.out`, [x, y], `${p}.out`);
  }
  // 7. LinearNormalized, its rows already at unit norm.
  const p = `model.${lastLayerIndex(arch)}`;
  if (normalizedLastWeight.length !== nClasses * features) {
    throw new Error(`ONNX export: the normalised last weight has ${normalizedLastWeight.length} values`);
  }
  const lastWeight = g.floatConstant(
    `${p}.weight_normalized`,
    [nClasses, features],
    normalizedLastWeight,
    'rows of the last weight at unit L2 norm',
  );
  const lastBias = g.floatConstant(`${p}.bias`, [nClasses], param(params, `${p}.bias`, nClasses));
  g.node('Gemm', `${p}.linear`, [x, lastWeight, lastBias], ONNX_OUTPUT, { transB: 1 });
  g.output(
    ONNX_OUTPUT,
    [ONNX_BATCH_DIM, nClasses],
    'logits; certified radius from their margins (docs/math.md §4)',
  );

  return g.encode({
    producerName: 'sll-lab',
    docString:
      "SLL network (Araujo et al., ICLR 2023) exported by SLL Lab for inference: each layer's t-vector " +
      'is the constant model.{i}.two_t (2 t), the last layer has its rows normalised.',
    metadata: { 'sll-lab.arch': JSON.stringify(arch) },
  });
}

/** Reads the model's weights and t-vectors (its current values) and builds the ONNX model. */
export async function exportOnnx(model: SllModel): Promise<Uint8Array> {
  const t = model.computeScalings();
  let scalings: ScalingValues;
  try {
    scalings = {
      conv: await Promise.all(t.conv.map(async (v) => (await v.data()) as Float32Array)),
      dense: await Promise.all(t.dense.map(async (v) => (await v.data()) as Float32Array)),
    };
  } finally {
    disposeScalings(t);
  }
  return buildSllOnnx({
    arch: model.arch,
    params: await model.exportParams(),
    scalings,
    normalizedLastWeight: await model.normalizedLastWeight(),
  });
}
