/**
 * An SLL layer on WebGPU against the same layer on the CPU backend: its value and its gradients for
 * every input, those of `sum(layer(...) * weights)` with fixed random weights so that every output
 * counts differently.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { onBackend } from './dawn.ts';
import { maxRelativeError, signedUniform } from './tensors.ts';

export type LayerInputs = readonly (readonly [Float32Array, readonly number[]])[];

type Layer = (...inputs: tf.Tensor[]) => tf.Tensor;

/** `[x, weight, b, t]` of an SLL layer: the bias is wide enough that some pre-activations are negative. */
export function sllLayerInputs(xShape: number[], weightShape: number[], inner: number): LayerInputs {
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return [
    [signedUniform(size(xShape), 1), xShape],
    [signedUniform(size(weightShape), 2, 0.5), weightShape],
    [signedUniform(inner, 3, 0.5), [inner]],
    [signedUniform(inner, 4).map(Math.abs), [inner]],
  ];
}

async function layerAndGradients(layer: Layer, data: LayerInputs) {
  const inputs = data.map(([values, shape]) => tf.tensor(values, [...shape]));
  const out = layer(...inputs);
  const weights = tf.tensor(signedUniform(out.size, 5), out.shape);
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(tf.mul(layer(...xs), weights)))(
    inputs,
  );
  const result = { out: await out.data(), grads: await Promise.all(grads.map((g) => g.data())) };
  tf.dispose([...inputs, weights, value, ...grads, out]);
  return result;
}

/** The value within 1e-5 and each named input's gradient within 1e-4 of the CPU's; no tensor left behind. */
export async function expectLayerAsOnCpu(layer: Layer, data: LayerInputs, names: string[]): Promise<void> {
  const cpu = await onBackend('cpu', () => layerAndGradients(layer, data));
  const before = tf.memory().numTensors;
  const gpu = await layerAndGradients(layer, data);
  expect(tf.memory().numTensors).toBe(before);
  expect(maxRelativeError(gpu.out, cpu.out)).toBeLessThan(1e-5);
  names.forEach((name, i) =>
    expect(maxRelativeError(gpu.grads[i], cpu.grads[i]), `d${name}`).toBeLessThan(1e-4),
  );
}
