/** The mutations are a function of the seed: the same cases on every machine and every run. */
import { describe, expect, it } from 'vitest';
import { BYTE_MUTATORS, createRng, mutateBytes, mutateValue } from './mutate.ts';

describe('seeded mutations', () => {
  const bytes = Uint8Array.from({ length: 2000 }, (_, i) => (i * 7) % 256);

  it('give the same cases for the same seed, and other cases for another', () => {
    const cases = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => mutateBytes(bytes, rng));
    };
    expect(cases(5)).toEqual(cases(5));
    expect(cases(5).map((c) => c.kind)).not.toEqual(cases(6).map((c) => c.kind));
  });

  it('use every byte mutation, and leave the input alone', () => {
    const rng = createRng(1);
    const copy = bytes.slice();
    for (const [name, mutate] of Object.entries(BYTE_MUTATORS)) {
      const m = mutate(bytes, rng);
      expect(m.kind, name).not.toBe('');
      expect(Buffer.compare(m.value, bytes), name).not.toBe(0);
    }
    expect(Buffer.compare(bytes, copy)).toBe(0);
  });

  it('change structured values in a copy, typed arrays included', () => {
    const record = { a: 1, b: [1, 2, { c: 'x' }], d: new Float32Array([1, 2, 3]) };
    const rng = createRng(2);
    const kinds = new Set<string>();
    for (let i = 0; i < 200; i++) kinds.add(mutateValue(record, rng).kind.split(':')[0]);
    expect(kinds).toEqual(new Set(['a', 'b', 'b.0', 'b.1', 'b.2', 'b.2.c', 'd']));
    expect(record).toEqual({ a: 1, b: [1, 2, { c: 'x' }], d: new Float32Array([1, 2, 3]) });
  });
});
