/**
 * The certificate audit's jobs (docs/audit.md) on a frozen model: inspect one test image, attack
 * one, or measure PGD against certified robustness over the first n. Each job's result is the
 * payload of its protocol event.
 */
import * as tf from '@tensorflow/tfjs';
import { evalBatchIndices, makeBatch } from '../data/batches.ts';
import type { DatasetSplit } from '../data/dataset.ts';
import { auditBatch, auditBatchSteps } from '../kernels/auditBatch.ts';
import { CURVE_BISECTION, RADIUS_SEARCH, empiricalRadii, maxProbes } from '../kernels/empiricalRadius.ts';
import type { Evaluator } from '../kernels/evaluator.ts';
import { pgdAttack } from '../kernels/pgd.ts';
import type { AttackResult, AuditJob, ImageInspection, PgdCurve } from '../protocol.ts';
import { auditSummary, soundnessViolations } from '../sll/audit.ts';
import { createRng } from '../sll/rng.ts';
import { TrainerError } from './errors.ts';

/** Bisection rounds for one attacked image: cheap for one image, and the bracket shrinks 1024-fold. */
export const ATTACK_ROUNDS = 10;

/** Images per PGD batch of a curve. */
export const CURVE_BATCH = 100;

/** The most PGD steps one job asks for; beyond it a typo, not a stronger attack. */
const MAX_STEPS = 10_000;

/** Every job starts from the same seed: the same weights give the same audit. */
const AUDIT_SEED = 0;

/** A frozen model and the test split it is audited on. */
export interface AuditTarget {
  evaluator: Evaluator;
  step: number;
  test: DatasetSplit;
}

export interface JobControl {
  shouldStop(): boolean;
  /** PGD steps done so far, of `jobSteps`. */
  onStep(done: number): void;
}

/** Refuses a job that cannot run on `test`, with a message naming the bad value. */
export function checkJob(job: AuditJob, test: DatasetSplit): void {
  const fail = (message: string) => {
    throw new TrainerError('AuditError', message);
  };
  if (job.kind !== 'pgdCurve' && !(Number.isInteger(job.index) && job.index >= 0 && job.index < test.n))
    fail(`test image ${job.index} does not exist: the test set has images 0 to ${test.n - 1}`);
  if (job.kind === 'inspect') return;
  if (!(Number.isInteger(job.steps) && job.steps >= 1 && job.steps <= MAX_STEPS))
    fail(`PGD steps must be an integer from 1 to ${MAX_STEPS}, got ${job.steps}`);
  if (job.kind === 'attack' && !(job.eps > 0 && job.eps <= RADIUS_SEARCH.RADIUS_CAP))
    fail(`the attack radius must be above 0 and at most ${RADIUS_SEARCH.RADIUS_CAP}, got ${job.eps}`);
  if (job.kind === 'pgdCurve' && !(Number.isInteger(job.n) && job.n >= 1))
    fail(`the number of test images must be a positive integer, got ${job.n}`);
}

/** The most PGD steps a job takes (0: none), for its progress bar. */
export function jobSteps(job: AuditJob, test: DatasetSplit): number {
  if (job.kind === 'inspect') return 0;
  if (job.kind === 'attack') return job.steps * (1 + maxProbes(ATTACK_ROUNDS));
  const batches = Math.ceil(Math.min(job.n, test.n) / CURVE_BATCH);
  return batches * auditBatchSteps({ steps: job.steps, ...CURVE_BISECTION });
}

export async function inspectImage(target: AuditTarget, index: number): Promise<ImageInspection> {
  const { test } = target;
  const batch = makeBatch(test, [index]);
  try {
    const { logits, predictions, radii } = await target.evaluator.certifyBatch(batch.images);
    const prediction = predictions[0];
    let runnerUp = prediction === 0 ? 1 : 0;
    for (let j = 0; j < logits.length; j++)
      if (j !== prediction && logits[j] > logits[runnerUp]) runnerUp = j;
    const size = test.imageSize * test.imageSize * test.channels;
    return {
      index,
      step: target.step,
      label: test.labels[index],
      image: test.images.slice(index * size, (index + 1) * size),
      imageSize: test.imageSize,
      channels: test.channels,
      logits,
      prediction,
      runnerUp,
      margin: logits[prediction] - logits[runnerUp],
      certifiedRadius: radii[0],
    };
  } finally {
    tf.dispose([batch.images, batch.labels]);
  }
}

export async function attackImage(
  target: AuditTarget,
  job: Extract<AuditJob, { kind: 'attack' }>,
  control: JobControl,
): Promise<AttackResult> {
  const { evaluator, test } = target;
  const { index, eps, steps } = job;
  const label = test.labels[index];
  const rng = createRng(AUDIT_SEED);
  const batch = makeBatch(test, [index]);
  try {
    const clean = await evaluator.certifyBatch(batch.images);
    const adversarial = await pgdAttack((z) => evaluator.logits(z), batch.images, batch.labels, {
      eps,
      steps,
      rng,
      shouldStop: control.shouldStop,
      onStep: control.onStep,
    });
    let attacked: { prediction: number; pixels: Float32Array; norm: number };
    try {
      const pixels = (await adversarial.data()) as Float32Array;
      const original = await batch.images.data();
      let squares = 0;
      for (let p = 0; p < pixels.length; p++) squares += (pixels[p] - original[p]) ** 2;
      const prediction = (await evaluator.certifyBatch(adversarial)).predictions[0];
      attacked = { prediction, pixels, norm: Math.sqrt(squares) };
    } finally {
      adversarial.dispose();
    }
    const labels = Int32Array.of(label);
    const [empiricalRadius] = await empiricalRadii(
      evaluator,
      batch.images,
      labels,
      clean.predictions,
      clean.radii,
      {
        steps,
        rounds: ATTACK_ROUNDS,
        rng,
        shouldStop: control.shouldStop,
        onStep: (done) => control.onStep(steps + done),
      },
    );
    const audited = {
      labels,
      predictions: clean.predictions,
      certified: clean.radii,
      empirical: [empiricalRadius],
    };
    const violations = soundnessViolations(audited, [{ eps, adversarialPredictions: [attacked.prediction] }]);
    return {
      index,
      step: target.step,
      eps,
      steps,
      label,
      prediction: clean.predictions[0],
      certifiedRadius: clean.radii[0],
      adversarialPrediction: attacked.prediction,
      adversarial: attacked.pixels,
      perturbationNorm: attacked.norm,
      empiricalRadius,
      soundnessViolation: violations.length > 0,
    };
  } finally {
    tf.dispose([batch.images, batch.labels]);
  }
}

export async function pgdCurve(
  target: AuditTarget,
  job: Extract<AuditJob, { kind: 'pgdCurve' }>,
  control: JobControl,
  now: () => number,
): Promise<PgdCurve> {
  const started = now();
  const { evaluator, test } = target;
  const n = Math.min(job.n, test.n);
  const budget = {
    steps: job.steps,
    ...CURVE_BISECTION,
    rng: createRng(AUDIT_SEED),
    shouldStop: control.shouldStop,
  };
  const batchSteps = auditBatchSteps(budget);
  const predictions = new Int32Array(n);
  const certifiedRadii = new Float64Array(n);
  const empiricalRadii = new Float64Array(n);
  const attacked = new Map<number, Int32Array>();
  let batchIndex = 0;
  for (const indices of evalBatchIndices(n, CURVE_BATCH)) {
    const batch = makeBatch(test, indices);
    const before = batchIndex++ * batchSteps;
    try {
      const labels = Int32Array.from(indices, (i) => test.labels[i]);
      const audit = await auditBatch(evaluator, batch.images, labels, {
        ...budget,
        onStep: (done) => control.onStep(before + done),
      });
      predictions.set(audit.predictions, indices[0]);
      certifiedRadii.set(audit.certified, indices[0]);
      empiricalRadii.set(audit.empirical, indices[0]);
      for (const a of audit.attacks) {
        const all = attacked.get(a.eps) ?? new Int32Array(n);
        all.set(a.adversarialPredictions, indices[0]);
        attacked.set(a.eps, all);
      }
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  }
  const labels = Int32Array.from(test.labels.subarray(0, n));
  const attacks = [...attacked].map(([eps, adversarialPredictions]) => ({ eps, adversarialPredictions }));
  const summary = auditSummary(
    { labels, predictions, certified: certifiedRadii, empirical: empiricalRadii },
    attacks,
  );
  return {
    step: target.step,
    n,
    steps: job.steps,
    labels,
    predictions,
    certifiedRadii,
    empiricalRadii,
    pgdAtPaperRadii: summary.pgd,
    violations: summary.violations,
    seconds: (now() - started) / 1000,
  };
}
