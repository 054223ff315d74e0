import type { MetricsPoint } from '../protocol.ts';
import { type EvalPlan, nextEvaluation } from '../sll/evalSchedule.ts';
import type { TrainConfig } from '../sll/trainConfig.ts';
import { useLab } from './lab.ts';

/** Metrics points the step rate is averaged over. */
const RATE_POINTS = 5;

/** The schedule of the model the worker holds; before its first step the total may be unknown (0). */
function planOf(config: TrainConfig, totalSteps: number): EvalPlan {
  const known = totalSteps > 0;
  return {
    evalEvery: config.evalEvery,
    evalSubset: config.evalSubset,
    stepsPerEpoch: known ? totalSteps / config.epochs : 0,
    totalSteps: known ? totalSteps : Number.MAX_SAFE_INTEGER,
  };
}

/**
 * Images per second of the latest steps: the median of the last few points, leaving out the run's
 * first step (it compiles shaders or warms caches, and can take many steps' time) once there are others.
 */
function recentSpeed(metrics: MetricsPoint[]): number | null {
  const timed = metrics.length > 1 ? metrics.filter((m) => m.step > 1) : metrics;
  const recent = timed
    .slice(-RATE_POINTS)
    .map((m) => m.imagesPerSecond)
    .sort((a, b) => a - b);
  return recent.length === 0 ? null : recent[Math.floor(recent.length / 2)];
}

/**
 * What the accuracy caption says before the first evaluation: while a run starts or trains, a
 * countdown to it ("first accuracy in ~2 s (step 3, 200 test images)") from the schedule, the step and the measured
 * step rate; otherwise "no evaluation yet".
 */
export function EvalCountdown() {
  const runState = useLab((s) => s.runState);
  const config = useLab((s) => s.modelConfig);
  const step = useLab((s) => s.step);
  const totalSteps = useLab((s) => s.totalSteps);
  const imagesPerSecond = useLab((s) => recentSpeed(s.metrics));
  const evaluating = useLab((s) => (s.activity?.task === 'evaluation' ? s.activity.total : null));
  const gpu = useLab((s) => s.backend?.name === 'webgpu' || s.backend?.name === 'webgl');
  if ((runState !== 'running' && runState !== 'loading') || !config) return <>no evaluation yet</>;
  const count = (n: number) => `${n.toLocaleString('en-US')} test images`;
  const next = nextEvaluation(step, planOf(config, totalSteps));
  let text: string;
  if (evaluating !== null) text = `first accuracy: evaluating ${count(evaluating)}…`;
  else if (!next) return <>no evaluation yet</>;
  else if (runState === 'loading' || imagesPerSecond === null || !(imagesPerSecond > 0)) {
    text = `first accuracy at step ${next.step}, on ${count(next.images)} (${runState === 'loading' ? 'setting up' : gpu ? 'compiling shaders' : 'warming up'}…)`;
  } else {
    const seconds = ((next.step - step) * config.batchSize) / imagesPerSecond;
    text = `first accuracy in ~${Math.max(1, Math.round(seconds))} s (step ${next.step}, ${count(next.images)})`;
  }
  return <span data-testid="eval-countdown">{text}</span>;
}
