/** Attack images for display: float pixels in [0, 1] as bytes, and the perturbation made visible. */

/** Pixels in [0, 1] as bytes (rounded, clamped). */
export function toBytes(values: Float32Array): Uint8Array {
  return Uint8Array.from(values, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}

/**
 * The perturbation `adversarial - original` drawn around mid-grey, scaled so that its largest
 * pixel change reaches black or white: `amplification` is that scale (null for no perturbation,
 * drawn flat grey).
 */
export function amplifiedPerturbation(
  original: Uint8Array,
  adversarial: Float32Array,
): { pixels: Uint8Array; amplification: number | null } {
  let largest = 0;
  for (let i = 0; i < adversarial.length; i++)
    largest = Math.max(largest, Math.abs(adversarial[i] - original[i] / 255));
  const amplification = largest > 0 ? 0.5 / largest : null;
  const pixels = Uint8Array.from(adversarial, (v, i) =>
    Math.round(255 * Math.min(1, Math.max(0, 0.5 + (amplification ?? 0) * (v - original[i] / 255)))),
  );
  return { pixels, amplification };
}
