import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matMulDeviations } from '../helpers/tensors.ts';
import { startNodeBackend } from '../../src/cli/nodeBackend.ts';

// matMul2d takes another path on WASM (explicit transposes), so it is checked there too.
describe('kernels on the WASM backend', () => {
  beforeAll(async () => {
    await startNodeBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matMul2d and gramMatrix equal tfjs autodiff of matMul', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const deviations = await matMulDeviations();
    for (const [name, d] of Object.entries(deviations)) expect(d, name).toBeLessThan(1e-5);
  });
});
