import * as tf from '@tensorflow/tfjs';

/** Row rows[i] of x as row i of the result; the data augmentation moves pixels and images with it. */
export function gatherRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  return tf.tidy(() => {
    // Both kernels copy the same rows. On wasm, GatherV2 checks each index in JavaScript and is ten
    // times slower than GatherNd; on cpu, GatherNd locates each element through a generic buffer.
    if (tf.getBackend() === 'cpu') return tf.gather(x, rows);
    return tf.gatherND(x, tf.tensor2d(rows, [rows.length, 1], 'int32')) as tf.Tensor2D;
  });
}
