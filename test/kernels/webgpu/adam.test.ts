// Adam's WebGPU programs (src/kernels/webgpu/adamPrograms.ts) against the tfjs-ops update on the
// CPU backend: same parameters, moments and exported state after several steps, one parameter at a
// time or all at once in their flat layout.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam, type AdamState } from '../../../src/kernels/adam.ts';
import { FlatParams } from '../../../src/kernels/flatParams.ts';
import { ownedVariable } from '../../../src/kernels/variables.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

/** Shapes like a conv kernel, a bias, a dense weight; the last has no gradient (as conv q). */
const SHAPES = [[3, 3, 4, 5], [5], [70, 33], [7]];

const startingParams = () =>
  SHAPES.map((shape, i) =>
    ownedVariable(
      tf.tensor(
        signedUniform(
          shape.reduce((a, b) => a * b),
          i,
        ),
        shape,
      ),
    ),
  );

/** The seeded gradient of parameter `i` at step `s`; none for the last. */
const seededGradient = (p: tf.Variable, i: number, s: number) =>
  i === SHAPES.length - 1 ? undefined : tf.tensor(signedUniform(p.size, 100 * s + i), p.shape);

/** Runs `steps` Adam updates with seeded gradients; returns the parameters and the state. */
async function run(steps: number, start?: AdamState) {
  const params = startingParams();
  const adam = new Adam(params);
  if (start) adam.importState(start);
  for (let s = 0; s < steps; s++) {
    const grads = params.map((p, i) => seededGradient(p, i, s));
    adam.apply(grads, 0.01 * (s + 1));
    tf.dispose(grads.filter((g) => g !== undefined));
  }
  const result = {
    params: await Promise.all(params.map(async (p) => (await p.data()) as Float32Array)),
    state: await adam.exportState(),
  };
  adam.dispose();
  tf.dispose(params);
  return result;
}

describe.skipIf(skipped)('Adam on WebGPU', () => {
  it('equals the tfjs-ops update on the CPU backend, parameters and moments', async () => {
    const cpu = await onBackend('cpu', () => run(5));
    const tensorsBefore = tf.memory().numTensors;
    const gpu = await run(5);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(gpu.state.step).toBe(5);
    SHAPES.forEach((_, i) => {
      expect(maxRelativeError(gpu.params[i], cpu.params[i]), `param ${i}`).toBeLessThan(1e-6);
      expect(maxRelativeError(gpu.state.m[i], cpu.state.m[i]), `m ${i}`).toBeLessThan(1e-6);
      expect(maxRelativeError(gpu.state.v[i], cpu.state.v[i]), `v ${i}`).toBeLessThan(1e-6);
    });
    // The parameter without a gradient is untouched, its moments zero.
    expect(gpu.params[3]).toEqual(signedUniform(7, 3));
    expect(gpu.state.m[3]).toEqual(new Float32Array(7));
  });

  it('updates all parameters at once in their flat layout, as the CPU updates each', async () => {
    const cpu = await onBackend('cpu', () => run(5));
    const tensorsBefore = tf.memory().numTensors;
    const params = startingParams();
    const flat = new FlatParams(params);
    const adam = new Adam(params);
    for (let s = 0; s < 5; s++) {
      const gradient = tf.tidy(() =>
        tf.concat(params.map((p, i) => tf.reshape(seededGradient(p, i, s) ?? tf.zerosLike(p), [-1]))),
      ) as tf.Tensor1D;
      adam.applyFlat(flat.values, gradient, 0.01 * (s + 1));
      gradient.dispose();
    }
    flat.writeBack();
    const gpu = await Promise.all(params.map(async (p) => (await p.data()) as Float32Array));
    const state = await adam.exportState();
    flat.dispose();
    adam.dispose();
    tf.dispose(params);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(state.step).toBe(5);
    SHAPES.forEach((_, i) => {
      expect(maxRelativeError(gpu[i], cpu.params[i]), `param ${i}`).toBeLessThan(1e-6);
      expect(maxRelativeError(state.m[i], cpu.state.m[i]), `m ${i}`).toBeLessThan(1e-6);
      expect(maxRelativeError(state.v[i], cpu.state.v[i]), `v ${i}`).toBeLessThan(1e-6);
    });
    // A zero gradient leaves its parameter where it was, as no gradient does.
    expect(gpu[3]).toEqual(signedUniform(7, 3));
  });

  it('takes up a state exported on the CPU backend unchanged, and continues it as the CPU would', async () => {
    const cpuTwo = await onBackend('cpu', () => run(2));
    const gpuResumed = await run(0, cpuTwo.state);
    expect(gpuResumed.state).toEqual(cpuTwo.state);
    // Two more steps from that state on each backend give the same moments.
    const cpuMore = await onBackend('cpu', () => run(2, cpuTwo.state));
    const gpuMore = await run(2, cpuTwo.state);
    expect(gpuMore.state.step).toBe(4);
    SHAPES.forEach((_, i) => {
      expect(maxRelativeError(gpuMore.state.m[i], cpuMore.state.m[i]), `m ${i}`).toBeLessThan(1e-6);
      expect(maxRelativeError(gpuMore.state.v[i], cpuMore.state.v[i]), `v ${i}`).toBeLessThan(1e-6);
    });
  });

  it('refuses a state whose slots do not fit the parameters', async () => {
    const p = ownedVariable(tf.zeros([4]));
    const adam = new Adam([p]);
    expect(() => adam.importState({ step: 1, m: [new Float32Array(3)], v: [new Float32Array(3)] })).toThrow(
      /slot 0/,
    );
    adam.dispose();
    p.dispose();
  });
});
