/**
 * Training metrics without stalling the device: each step's loss and hit count stay on the device
 * until a flush reads them all back at once, at a bounded rate. A flush also measures throughput
 * and estimates the time left, smoothed, and only once that estimate has settled.
 */
import * as tf from '@tensorflow/tfjs';
import type { MetricsPoint } from '../protocol.ts';
import { learningRateAt } from '../sll/schedule.ts';
import type { Run } from './run.ts';

/** One step's results, not yet read back. */
export interface PendingStep {
  loss: tf.Scalar;
  correct: tf.Scalar;
  batch: number;
}

export type Flush =
  | { kind: 'empty' }
  | { kind: 'nonFinite' }
  /** `etaSeconds` is null until the estimate is stable. */
  | { kind: 'point'; point: MetricsPoint; etaSeconds: number | null };

/** Steps after a start or resume that are not timed: shader compilation, first-use allocations. */
const WARMUP_STEPS = 3;
/** The ETA shows after this many timed steps and seconds... */
const MIN_STEPS = 15;
const MIN_SECONDS = 8;
/** ...once the last few projected finishing times agree within this fraction of the time left. */
const AGREEING_ESTIMATES = 3;
const AGREEMENT = 0.15;
/** Time constant of the exponential average: the longer of 50 steps and 30 s (fast GPUs). */
const TAU_STEPS = 50;
const TAU_SECONDS = 30;

export class MetricsMeter {
  private pending: PendingStep[] = [];
  private lastAt = 0;
  private lastStep = 0;
  private restartStep = 0;
  /** Time since the last flush that was not spent training (evaluations), in ms. */
  private excludedMs = 0;
  /** Exponentially weighted sums of timed seconds and steps: their ratio is the seconds per step. */
  private weightedSeconds = 0;
  private weightedSteps = 0;
  private timedSteps = 0;
  private timedSeconds = 0;
  private evalSecondsPerImage: number | null = null;
  private finishes: number[] = [];
  private stable = false;

  constructor(private readonly now: () => number) {}

  /** Throughput is measured from here (the loop's start or resume), after a new warm-up. */
  restart(step: number): void {
    this.lastAt = this.now();
    this.lastStep = step;
    this.restartStep = step;
    this.excludedMs = 0;
    this.weightedSeconds = 0;
    this.weightedSteps = 0;
    this.timedSteps = 0;
    this.timedSeconds = 0;
    this.finishes = [];
    this.stable = false;
  }

  /**
   * Time spent between steps on something else (an evaluation): not training, so left out of the
   * throughput. With `images`, it was an evaluation of that many test images, which times the
   * evaluations still to come for the ETA.
   */
  exclude(ms: number, images = 0): void {
    this.excludedMs += Math.max(0, ms);
    if (images > 0) {
      const perImage = ms / 1000 / images;
      this.evalSecondsPerImage =
        this.evalSecondsPerImage === null ? perImage : 0.5 * this.evalSecondsPerImage + 0.5 * perImage;
    }
  }

  add(step: PendingStep): void {
    this.pending.push(step);
  }

  /** Steps enqueued whose results are not read back yet. */
  get unreadSteps(): number {
    return this.pending.length;
  }

  msSinceFlush(): number {
    return this.now() - this.lastAt;
  }

  /**
   * Reads the pending results back. Values are checked here, never left to propagate (WGSL may
   * assume there are no NaNs): any NaN or infinite loss makes the flush `nonFinite`.
   * `imagesLeftToEvaluate` is what the run's remaining evaluations will certify (for the ETA).
   */
  async flush(run: Run, imagesLeftToEvaluate = 0): Promise<Flush> {
    if (this.pending.length === 0) return { kind: 'empty' };
    const pending = this.pending;
    this.pending = [];
    let lossSum = 0;
    let correct = 0;
    let images = 0;
    let finite = true;
    for (const p of pending) {
      const [loss, hits] = await Promise.all([p.loss.data(), p.correct.data()]);
      tf.dispose([p.loss, p.correct]);
      if (!Number.isFinite(loss[0])) finite = false;
      lossSum += loss[0] * p.batch;
      correct += hits[0];
      images += p.batch;
    }
    if (!finite) return { kind: 'nonFinite' };
    const now = this.now();
    const seconds = Math.max(1e-3, (now - this.lastAt - this.excludedMs) / 1000);
    const steps = run.step - this.lastStep;
    const imagesPerSecond = (steps * run.config.batchSize) / seconds;
    const warm = this.lastStep - this.restartStep >= WARMUP_STEPS;
    this.lastAt = now;
    this.lastStep = run.step;
    this.excludedMs = 0;
    const point: MetricsPoint = {
      step: run.step,
      epoch: run.step / run.stepsPerEpoch,
      loss: lossSum / images,
      trainAccuracy: correct / images,
      learningRate: learningRateAt(run.step - 1, run.totalSteps, run.config.learningRate),
      imagesPerSecond,
    };
    if (warm && steps > 0) this.time(steps, seconds);
    const etaSeconds = this.eta(now, run.totalSteps - run.step, imagesLeftToEvaluate);
    return { kind: 'point', point, etaSeconds };
  }

  private time(steps: number, seconds: number): void {
    const decay = Math.exp(-Math.min(steps / TAU_STEPS, seconds / TAU_SECONDS));
    this.weightedSeconds = decay * this.weightedSeconds + seconds;
    this.weightedSteps = decay * this.weightedSteps + steps;
    this.timedSteps += steps;
    this.timedSeconds += seconds;
  }

  /** Seconds left, or null until enough steps are timed and the estimates agree. */
  private eta(now: number, stepsLeft: number, imagesLeftToEvaluate: number): number | null {
    if (this.weightedSteps === 0) return null;
    const left =
      stepsLeft * (this.weightedSeconds / this.weightedSteps) +
      imagesLeftToEvaluate * (this.evalSecondsPerImage ?? 0);
    this.finishes = [...this.finishes, now / 1000 + left].slice(-AGREEING_ESTIMATES);
    if (!this.stable && this.timedSteps >= MIN_STEPS && this.timedSeconds >= MIN_SECONDS) {
      const spread = Math.max(...this.finishes) - Math.min(...this.finishes);
      this.stable = this.finishes.length === AGREEING_ESTIMATES && spread <= AGREEMENT * left;
    }
    return this.stable ? left : null;
  }

  /** Drops what was not read back (after a failure, or when the run is discarded). */
  discard(): void {
    for (const p of this.pending) tf.dispose([p.loss, p.correct]);
    this.pending = [];
  }
}
