/**
 * When a run evaluates, and on how many test images: one pure rule for the engine's loop and the
 * page's countdown to the next accuracy.
 *
 * The steady cadence is the config's: every `evalEvery` steps (or at the end of each epoch when it
 * is 0) on the first `evalSubset` test images, and always after the last step. A periodic cadence
 * of 10 steps or more (the page's default is 50) is led in by quick evaluations on a few hundred
 * images at the first steps, so the first accuracy shows within seconds; epoch-end evaluation (the
 * CLI's) has no lead-in.
 */
import type { TrainConfig } from './trainConfig.ts';

/** Steps of the quick lead-in evaluations, those before the first periodic one. */
export const QUICK_EVAL_STEPS: readonly number[] = [3, 10, 20, 35];
/** A lead-in only when the first periodic evaluation is at least this many steps away. */
export const QUICK_EVAL_MIN_PERIOD = 10;
/** Test images in a quick evaluation (fewer when `evalSubset` is smaller). */
export const QUICK_EVAL_IMAGES = 200;

export interface EvalPlan extends Pick<TrainConfig, 'evalEvery' | 'evalSubset'> {
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Test images to evaluate on after `step` (1-based: the step just done), or 0 for none. */
export function evaluationAt(step: number, plan: EvalPlan): number {
  if (step < 1 || step > plan.totalSteps) return 0;
  const { evalEvery, evalSubset, stepsPerEpoch } = plan;
  if (step === plan.totalSteps) return evalSubset;
  if (evalEvery > 0) {
    if (step % evalEvery === 0) return evalSubset;
    const quick = evalEvery >= QUICK_EVAL_MIN_PERIOD && step < evalEvery && QUICK_EVAL_STEPS.includes(step);
    return quick ? Math.min(QUICK_EVAL_IMAGES, evalSubset) : 0;
  }
  return stepsPerEpoch > 0 && step % stepsPerEpoch === 0 ? evalSubset : 0;
}

/** The first evaluation after `step`: its step and size, or null when none is left. */
export function nextEvaluation(step: number, plan: EvalPlan): { step: number; images: number } | null {
  const candidates = [...QUICK_EVAL_STEPS, plan.totalSteps];
  const period = plan.evalEvery > 0 ? plan.evalEvery : plan.stepsPerEpoch;
  if (period > 0) candidates.push((Math.floor(step / period) + 1) * period);
  const next = candidates
    .filter((s) => s > step && s <= plan.totalSteps && evaluationAt(s, plan) > 0)
    .sort((a, b) => a - b)[0];
  return next === undefined ? null : { step: next, images: evaluationAt(next, plan) };
}

/** Test images the evaluations after `step` still cover, to the end of the run (for the ETA). */
export function imagesLeftToEvaluate(step: number, plan: EvalPlan): number {
  const { evalEvery, evalSubset, totalSteps } = plan;
  if (step >= totalSteps) return 0;
  const period = evalEvery > 0 ? evalEvery : plan.stepsPerEpoch;
  // Periodic ones in (step, totalSteps), then the last step's own.
  const periodic = period > 0 ? Math.floor((totalSteps - 1) / period) - Math.floor(step / period) : 0;
  const quick = QUICK_EVAL_STEPS.filter(
    (s) => s > step && s < totalSteps && evaluationAt(s, plan) > 0 && s % period !== 0,
  ).length;
  return (Math.max(0, periodic) + 1) * evalSubset + quick * Math.min(QUICK_EVAL_IMAGES, evalSubset);
}
