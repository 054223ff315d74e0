// The dense scaling programs (src/kernels/webgpu/denseScalingPrograms.ts) against the tfjs ops on
// the CPU backend: t, and the gradients of a weighted sum of t for W and q.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { sllDenseScaling } from '../../../src/kernels/sllDense.ts';
import { onBackend, startDawnWebgpu } from '../../helpers/dawn.ts';
import { maxRelativeError, signedUniform } from '../../helpers/tensors.ts';

const skipped = await startDawnWebgpu();

async function scalingAndGradients(w: Float32Array, q: Float32Array, inner: number, cin: number) {
  const weight = tf.tensor2d(w, [inner, cin]);
  const qs = tf.tensor1d(q);
  const r = tf.tensor1d(signedUniform(inner, 7));
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(sllDenseScaling(a as tf.Tensor2D, b as tf.Tensor1D), r));
  const { value, grads } = tf.valueAndGrads(f)([weight, qs]);
  const t = sllDenseScaling(weight, qs);
  const result = { t: await t.data(), dW: await grads[0].data(), dq: await grads[1].data() };
  tf.dispose([weight, qs, r, value, grads, t]);
  return result;
}

describe.skipIf(skipped)('dense scaling on WebGPU', () => {
  it.each([
    { inner: 5, cin: 3, qScale: 1, zeroRow: false },
    { inner: 33, cin: 20, qScale: 0.1, zeroRow: false },
    // q far past exp's float32 range, which the row shift keeps finite.
    { inner: 8, cin: 6, qScale: 200, zeroRow: false },
    // An all-zero row: t = 0 there, and no gradient through it.
    { inner: 6, cin: 4, qScale: 1, zeroRow: true },
  ])(
    '$inner x $cin, q scaled by $qScale, zero row $zeroRow: as the ops on the CPU',
    async ({ inner, cin, qScale, zeroRow }) => {
      const w = signedUniform(inner * cin, inner + cin).map((v, i) =>
        zeroRow && Math.floor(i / cin) === 2 ? 0 : v,
      );
      const q = signedUniform(inner, 3, qScale);
      const cpu = await onBackend('cpu', () => scalingAndGradients(w, q, inner, cin));
      const before = tf.memory().numTensors;
      const gpu = await scalingAndGradients(w, q, inner, cin);
      expect(tf.memory().numTensors).toBe(before);
      for (const x of [...gpu.t, ...gpu.dW, ...gpu.dq]) expect(Number.isFinite(x)).toBe(true);
      expect(maxRelativeError(gpu.t, cpu.t, 1e-3)).toBeLessThan(1e-5);
      expect(maxRelativeError(gpu.dW, cpu.dW, 1e-3)).toBeLessThan(1e-4);
      expect(maxRelativeError(gpu.dq, cpu.dq, 1e-3)).toBeLessThan(1e-4);
      if (zeroRow) expect(gpu.t[2]).toBe(0);
    },
  );
});
