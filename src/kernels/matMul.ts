/**
 * 2-D matrix products whose forward and gradients take the fastest form on the running backend.
 *
 * tfjs-backend-wasm 4.22 runs `matMul` with a transposed operand an order of magnitude slower than
 * a plain one, and transposing the operand first costs far less (docs/performance.md has the
 * measurements). The CPU backend is as fast either way and the GPU backends read transposed
 * operands in the shader, so they keep the flags.
 */
import * as tf from '@tensorflow/tfjs';
import { customGradient } from './customGradient.ts';

const TRANSPOSE_FIRST_BACKENDS = new Set(['wasm']);

/** `op(a) op(b)`, transposing explicitly where the backend's transposed matMul is slow. */
function product(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (!TRANSPOSE_FIRST_BACKENDS.has(tf.getBackend())) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}

type MatMulFn = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** The gradients of `C = op(A) op(B)` are products too; each keeps the fast form. */
function gradients(dc: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, ta: boolean, tb: boolean) {
  if (!ta && !tb) return [product(dc, b, false, true), product(a, dc, true, false)];
  if (!ta && tb) return [product(dc, b, false, false), product(dc, a, true, false)];
  if (ta && !tb) return [product(b, dc, false, true), product(a, dc, false, false)];
  return [product(b, dc, true, true), product(dc, a, true, true)];
}

function makeMatMul(transposeA: boolean, transposeB: boolean): MatMulFn {
  const forward = (a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: product(a, b, transposeA, transposeB),
      gradFunc: (dy: tf.Tensor, [as, bs]: tf.Tensor[]) =>
        gradients(dy as tf.Tensor2D, as as tf.Tensor2D, bs as tf.Tensor2D, transposeA, transposeB),
    };
  };
  return customGradient<MatMulFn>(forward);
}

const variants = new Map<string, MatMulFn>();

/** `matMul(a, b, transposeA, transposeB)` for 2-D tensors, with the same value and gradients. */
export function matMul2d(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
): tf.Tensor2D {
  const key = `${transposeA}${transposeB}`;
  let fn = variants.get(key);
  if (!fn) {
    fn = makeMatMul(transposeA, transposeB);
    variants.set(key, fn);
  }
  return fn(a, b);
}

/**
 * `W W^T` with a one-product gradient, `(dG + dG^T) W`. tfjs's matMul gradient treats the two
 * operands as different tensors and spends two products; for the `small` preset's 2048 x 2880
 * weights each one is 24 GFLOP per dense layer per step.
 */
export const gramMatrix = customGradient<(weight: tf.Tensor2D) => tf.Tensor2D>(
  (weight: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([weight]);
    return {
      value: product(weight, weight, false, true),
      gradFunc: (dy: tf.Tensor, [w]: tf.Tensor[]) =>
        product(tf.add(dy, tf.transpose(dy)) as tf.Tensor2D, w as tf.Tensor2D, false, false),
    };
  },
);
