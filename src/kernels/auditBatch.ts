/**
 * One batch of a certificate audit (docs/audit.md): clean logits and certified radii, the empirical
 * radius of each image by bisection, and PGD run directly at each of the paper's radii.
 */
import * as tf from '@tensorflow/tfjs';
import { PAPER_EPSILONS } from '../sll/certify.ts';
import type { Rng } from '../sll/rng.ts';
import { empiricalRadii, maxProbes } from './empiricalRadius.ts';
import type { Evaluator } from './evaluator.ts';
import { pgdAttack } from './pgd.ts';

export interface AuditBudget {
  /** PGD steps at each paper radius (official: 100). */
  steps: number;
  /** PGD steps of each bisection probe. */
  bisectionSteps: number;
  /** Bisection rounds after the first success. */
  rounds: number;
  rng: Rng;
  shouldStop?: () => boolean;
  /** Hears the batch's PGD steps done so far. */
  onStep?: (done: number) => void;
}

export interface BatchAudit {
  predictions: Int32Array;
  certified: Float64Array;
  empirical: Float64Array;
  /** Each image's prediction on PGD's adversarial image at each paper radius. */
  attacks: { eps: number; adversarialPredictions: Int32Array }[];
}

/** The most PGD steps one batch can take (bisections that need every doubling included). */
export function auditBatchSteps(budget: Pick<AuditBudget, 'steps' | 'bisectionSteps' | 'rounds'>): number {
  return PAPER_EPSILONS.length * budget.steps + maxProbes(budget.rounds) * budget.bisectionSteps;
}

/** Audits `images [N, H, W, C]` in [0, 1] with their `labels` under the evaluator's fixed weights. */
export async function auditBatch(
  evaluator: Evaluator,
  images: tf.Tensor4D,
  labels: Int32Array,
  budget: AuditBudget,
): Promise<BatchAudit> {
  const { predictions, radii: certified } = await evaluator.certifyBatch(images);
  // PGD steps of the attacks finished before the current one.
  let offset = 0;
  const onStep = (done: number) => budget.onStep?.(offset + done);
  const attacks: BatchAudit['attacks'] = [];
  // Only correct images are attacked; a wrong one counts as not robust. The official evaluation
  // attacks it too and could find it right again only by accident, so leaving it out can only
  // lower PGD accuracy: the check PGD >= certified is no weaker for it.
  const correct = Int32Array.from(labels.keys()).filter((i) => predictions[i] === labels[i]);
  const x = tf.tidy(() => tf.gather(images, correct) as tf.Tensor4D);
  const y = tf.tensor1d(
    Int32Array.from(correct, (i) => labels[i]),
    'int32',
  );
  try {
    for (const eps of PAPER_EPSILONS) {
      const adversarialPredictions = predictions.slice();
      if (correct.length > 0) {
        const adversarial = await pgdAttack((z) => evaluator.logits(z), x, y, {
          eps,
          steps: budget.steps,
          rng: budget.rng,
          shouldStop: budget.shouldStop,
          onStep,
        });
        try {
          const attacked = (await evaluator.certifyBatch(adversarial)).predictions;
          correct.forEach((i, k) => (adversarialPredictions[i] = attacked[k]));
        } finally {
          adversarial.dispose();
        }
      }
      attacks.push({ eps, adversarialPredictions });
      offset += budget.steps;
    }
  } finally {
    tf.dispose([x, y]);
  }
  const empirical = await empiricalRadii(evaluator, images, labels, predictions, certified, {
    steps: budget.bisectionSteps,
    rounds: budget.rounds,
    rng: budget.rng,
    shouldStop: budget.shouldStop,
    onStep,
  });
  return { predictions, certified, empirical, attacks };
}
