/**
 * Training metrics without stalling the device: each step's loss and hit count stay on the device
 * until a flush reads them all back at once, at a bounded rate. A flush also measures throughput.
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
  { kind: 'empty' } | { kind: 'nonFinite' } | { kind: 'point'; point: MetricsPoint; etaSeconds: number };

export class MetricsMeter {
  private pending: PendingStep[] = [];
  private lastAt = 0;
  private lastStep = 0;

  constructor(private readonly now: () => number) {}

  /** Throughput is measured from here (the loop's start or resume). */
  restart(step: number): void {
    this.lastAt = this.now();
    this.lastStep = step;
  }

  add(step: PendingStep): void {
    this.pending.push(step);
  }

  msSinceFlush(): number {
    return this.now() - this.lastAt;
  }

  /**
   * Reads the pending results back. Values are checked here, never left to propagate (WGSL may
   * assume there are no NaNs): any NaN or infinite loss makes the flush `nonFinite`.
   */
  async flush(run: Run): Promise<Flush> {
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
    const seconds = Math.max(1e-3, (now - this.lastAt) / 1000);
    const imagesPerSecond = ((run.step - this.lastStep) * run.config.batchSize) / seconds;
    this.lastAt = now;
    this.lastStep = run.step;
    const point: MetricsPoint = {
      step: run.step,
      epoch: run.step / run.stepsPerEpoch,
      loss: lossSum / images,
      trainAccuracy: correct / images,
      learningRate: learningRateAt(run.step - 1, run.totalSteps, run.config.learningRate),
      imagesPerSecond,
    };
    const etaSeconds = ((run.totalSteps - run.step) * run.config.batchSize) / Math.max(imagesPerSecond, 1e-9);
    return { kind: 'point', point, etaSeconds };
  }

  /** Drops what was not read back (after a failure, or when the run is discarded). */
  discard(): void {
    for (const p of this.pending) tf.dispose([p.loss, p.correct]);
    this.pending = [];
  }
}
