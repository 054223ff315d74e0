import { describe, expect, it } from 'vitest';
import {
  type EvalPlan,
  QUICK_EVAL_IMAGES,
  evaluationAt,
  imagesLeftToEvaluate,
  nextEvaluation,
} from '../../src/sll/evalSchedule.ts';

/** The page's default run: lab on CIFAR-10, batch 64, 5 epochs, 500 images every 50 steps. */
const PAGE: EvalPlan = { evalEvery: 50, evalSubset: 500, stepsPerEpoch: 781, totalSteps: 3905 };
/** The CLI's: the end of each epoch only. */
const CLI: EvalPlan = { evalEvery: 0, evalSubset: 100, stepsPerEpoch: 6, totalSteps: 12 };

function scheduleOf(plan: EvalPlan): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s <= plan.totalSteps + 2; s++)
    if (evaluationAt(s, plan) > 0) out.push([s, evaluationAt(s, plan)]);
  return out;
}

describe('evaluation schedule', () => {
  it('leads a periodic cadence in with quick evaluations on a few hundred images', () => {
    expect(scheduleOf(PAGE).slice(0, 7)).toEqual([
      [3, QUICK_EVAL_IMAGES],
      [10, QUICK_EVAL_IMAGES],
      [20, QUICK_EVAL_IMAGES],
      [35, QUICK_EVAL_IMAGES],
      [50, 500],
      [100, 500],
      [150, 500],
    ]);
    expect(scheduleOf(PAGE).at(-1)).toEqual([3905, 500]);
    // Never more images than the steady evaluations use.
    expect(evaluationAt(3, { ...PAGE, evalSubset: 64 })).toBe(64);
  });

  it('keeps quick evaluations before the first periodic one, when it is 10 steps away or more', () => {
    expect(scheduleOf({ ...PAGE, evalEvery: 4, totalSteps: 12 })).toEqual([
      [4, 500],
      [8, 500],
      [12, 500],
    ]);
    expect(scheduleOf({ ...PAGE, evalEvery: 9, totalSteps: 20 }).map(([s]) => s)).toEqual([9, 18, 20]);
    expect(scheduleOf({ ...PAGE, evalEvery: 15, totalSteps: 40 }).map(([s]) => s)).toEqual([
      3, 10, 15, 30, 40,
    ]);
  });

  it('evaluates at the end of each epoch, without lead-in, when evalEvery is 0 (the CLI)', () => {
    expect(scheduleOf(CLI)).toEqual([
      [6, 100],
      [12, 100],
    ]);
  });

  it('names the next evaluation and counts the images left, as a step-by-step walk does', () => {
    const plans: EvalPlan[] = [
      PAGE,
      CLI,
      { ...PAGE, totalSteps: 7 },
      { ...PAGE, evalEvery: 7, totalSteps: 63 },
      { ...PAGE, evalEvery: 1, totalSteps: 9 },
      { evalEvery: 0, evalSubset: 9, stepsPerEpoch: 5, totalSteps: 23 },
    ];
    for (const plan of plans) {
      const walk = scheduleOf(plan);
      for (let step = 0; step <= plan.totalSteps; step++) {
        const after = walk.filter(([s]) => s > step);
        const next = after[0];
        expect(nextEvaluation(step, plan)).toEqual(next ? { step: next[0], images: next[1] } : null);
        expect(imagesLeftToEvaluate(step, plan)).toBe(after.reduce((sum, [, n]) => sum + n, 0));
      }
    }
  });
});
