/**
 * The certificate audit's arithmetic (docs/audit.md): soundness of certified radii against the
 * radii at which PGD found adversarial images, and the paper's table with PGD accuracy beside the
 * certified one. Plain float64, no tensors.
 */
import { LIPSCHITZ_TOLERANCE } from './auditDefaults.ts';
import { PAPER_EPSILONS, certifiedAccuracy, naturalAccuracy } from './certify.ts';

/**
 * How far below a certified radius an adversarial image may lie before it counts as a violation:
 * `RELATIVE * certified + ABSOLUTE`. The certificate is exact in real arithmetic, but the network
 * runs in float32: each layer's measured gain comes out up to 1 + 1e-4 (the Lipschitz check's own
 * tolerance), and a logit of size ~10 carries a rounding error of ~1e-6 that enters the radius
 * divided by a class-pair distance: the absolute part covers distances down to 0.1, where trained
 * heads keep their rows far wider apart. Anything beyond that is no rounding.
 */
export const SOUNDNESS_TOLERANCE = { RELATIVE: LIPSCHITZ_TOLERANCE, ABSOLUTE: 1e-5 } as const;

/** Whether an adversarial image at L2 distance `radius` lies strictly inside the certified ball. */
export function insideCertificate(radius: number, certified: number): boolean {
  const { RELATIVE, ABSOLUTE } = SOUNDNESS_TOLERANCE;
  return radius < certified * (1 - RELATIVE) - ABSOLUTE;
}

/** Every test image of an audit: its label, its clean prediction, and its two radii. */
export interface AuditedImages {
  labels: ArrayLike<number>;
  predictions: ArrayLike<number>;
  /** Certified radius of the prediction (docs/math.md §4). */
  certified: ArrayLike<number>;
  /** Smallest radius at which PGD changed the prediction: 0 when wrong already, Infinity when never. */
  empirical: ArrayLike<number>;
}

/** PGD run directly at one radius: each image's prediction on its adversarial image. */
export interface DirectAttack {
  eps: number;
  adversarialPredictions: ArrayLike<number>;
}

/** A correct prediction changed by PGD inside its certified radius: the certificate would be wrong. */
export function isViolation(
  label: number,
  prediction: number,
  certified: number,
  attackRadius: number,
  adversarialPrediction: number,
): boolean {
  return (
    prediction === label && adversarialPrediction !== label && insideCertificate(attackRadius, certified)
  );
}

/**
 * Indices of the images whose certificate PGD contradicted: a correct image with an empirical
 * radius inside its certified one, or a direct attack that succeeded at an eps inside it.
 */
export function soundnessViolations(images: AuditedImages, attacks: DirectAttack[] = []): number[] {
  const { labels, predictions, certified, empirical } = images;
  const found: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const flippedAt = (radius: number, adversarial: number) =>
      isViolation(labels[i], predictions[i], certified[i], radius, adversarial);
    // A finite empirical radius is a radius where PGD did change the prediction.
    const byBisection = Number.isFinite(empirical[i]) && flippedAt(empirical[i], -1);
    if (byBisection || attacks.some((a) => flippedAt(a.eps, a.adversarialPredictions[i]))) found.push(i);
  }
  return found;
}

/** Fraction of the images the attack left correctly classified. */
export function attackedAccuracy(
  labels: ArrayLike<number>,
  adversarialPredictions: ArrayLike<number>,
): number {
  return naturalAccuracy(adversarialPredictions, labels);
}

/**
 * PGD accuracy at eps read off the empirical radii: correct and no adversarial image found within
 * eps, the same count as certified accuracy with the empirical radii in place of the certified.
 */
export function pgdAccuracyFromRadii(images: AuditedImages, eps: number): number {
  const predictions = Int32Array.from(images.predictions);
  return certifiedAccuracy({ predictions, radii: Float64Array.from(images.empirical) }, images.labels, eps);
}

/** Mean of certified / empirical over the correct images where both are finite and positive; null if none. */
export function meanRadiusRatio(images: AuditedImages): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < images.labels.length; i++) {
    const c = images.certified[i];
    const e = images.empirical[i];
    if (images.predictions[i] !== images.labels[i]) continue;
    if (!(Number.isFinite(c) && Number.isFinite(e) && c > 0 && e > 0)) continue;
    sum += c / e;
    count++;
  }
  return count === 0 ? null : sum / count;
}

export interface AccuracyAt {
  eps: number;
  accuracy: number;
}

export interface AuditSummary {
  n: number;
  naturalAccuracy: number;
  /** At the paper's radii. */
  certified: AccuracyAt[];
  /** At the paper's radii, from the direct attacks when given, else from the empirical radii. */
  pgd: AccuracyAt[];
  violations: number[];
  meanRatio: number | null;
}

/** The paper's table for the audited images, with PGD accuracy and the soundness verdict. */
export function auditSummary(images: AuditedImages, attacks: DirectAttack[] = []): AuditSummary {
  const { labels } = images;
  const certificates = {
    predictions: Int32Array.from(images.predictions),
    radii: Float64Array.from(images.certified),
  };
  const pgdAt = (eps: number) => {
    const direct = attacks.find((a) => a.eps === eps);
    return direct
      ? attackedAccuracy(labels, direct.adversarialPredictions)
      : pgdAccuracyFromRadii(images, eps);
  };
  return {
    n: labels.length,
    naturalAccuracy: naturalAccuracy(images.predictions, labels),
    certified: PAPER_EPSILONS.map((eps) => ({ eps, accuracy: certifiedAccuracy(certificates, labels, eps) })),
    pgd: PAPER_EPSILONS.map((eps) => ({ eps, accuracy: pgdAt(eps) })),
    violations: soundnessViolations(images, attacks),
    meanRatio: meanRadiusRatio(images),
  };
}
