import { describe, expect, it } from 'vitest';
import { matMulDeviations } from '../helpers/tensors.ts';

describe('matMul2d and gramMatrix', () => {
  it('have the value and gradients of tfjs autodiff of matMul (CPU backend)', async () => {
    const deviations = await matMulDeviations();
    expect(Object.keys(deviations)).toHaveLength(4 * 3 + 2);
    for (const [name, d] of Object.entries(deviations)) expect(d, name).toBeLessThan(1e-5);
  });
});
