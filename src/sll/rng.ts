/**
 * A small seeded random generator (sfc32 seeded through splitmix32), so that the same seed gives
 * the same weights, augmentations and attacks on every backend and in Node.
 */
/** A uniform generator on [0, 1), seeded by the caller (spec habit: never a global random). */
export type Uniform = () => number;

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** A 32-bit integer, for seeding tfjs ops or child generators. */
  int32(): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const mix = splitmix32(seed);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  let spare: number | null = null;
  const uniform = () => next() / 4294967296;
  return {
    uniform,
    int32: () => next() | 0,
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // Box-Muller; 1 - u keeps the logarithm finite.
      const u = 1 - uniform();
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * An independent seed for a sub-stream (an epoch's shuffle, a step's augmentation), so that any
 * step can be replayed without replaying the ones before it.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed | 0;
  for (const p of parts) {
    const mix = splitmix32((h ^ Math.imul(p | 0, 0x27d4eb2d)) >>> 0);
    h = mix() | 0;
  }
  return h;
}
