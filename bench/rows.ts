/** The rows of bench/results/latest.json, and how a row is judged too slow to run. */
import { type PresetName, presetArch } from '../src/sll/arch.ts';
import { trainingFlops } from '../src/sll/flops.ts';
import type { BackendName } from '../src/sll/backendNames.ts';
import type { Measurement } from './measure.ts';

export type Runtime = 'node' | 'chromium';

export interface Target {
  runtime: Runtime;
  backend: BackendName;
}

export interface PytorchResult {
  stepMs: number;
  trainImagesPerSec: number;
  evalImagesPerSec: number;
  evalBatchMs: number;
  threads: number;
  torch: string;
}

interface RowBase {
  runtime: Runtime;
  /** What ran it: the GPU adapter or the WASM features, as the lab's backend badge says. */
  adapter: string | null;
  pytorch: Pick<PytorchResult, 'stepMs' | 'trainImagesPerSec' | 'evalImagesPerSec'> | null;
}

export interface MeasuredRow extends Measurement, RowBase {
  /** Ours / PyTorch images/s: above 1 means faster than PyTorch on this machine. */
  ratioToPytorch: { train: number; eval: number } | null;
}

/** A row that was not measured; the numbers stay null so every row has the same keys. */
export interface UnmeasuredRow extends RowBase {
  preset: PresetName;
  backend: BackendName;
  batch: number;
  flopsPerStep: number;
  stepMs: null;
  trainImagesPerSec: null;
  evalImagesPerSec: null;
  dispatchesPerStep: null;
  peakBytes: null;
  /** Why: skipped as too slow (with the estimate), or the error it failed with. */
  skipped?: string;
  error?: string;
}

export type BenchRow = MeasuredRow | UnmeasuredRow;

/** The row of a preset that was not measured on `target`: `why` says it was skipped or failed. */
export function unmeasuredRow(
  target: Target,
  preset: PresetName,
  batch: number,
  adapter: string | null,
  why: { skipped: string } | { error: string },
): UnmeasuredRow {
  return {
    preset,
    backend: target.backend,
    runtime: target.runtime,
    adapter,
    batch,
    flopsPerStep: trainingFlops(presetArch(preset), batch).total,
    stepMs: null,
    trainImagesPerSec: null,
    evalImagesPerSec: null,
    dispatchesPerStep: null,
    peakBytes: null,
    pytorch: null,
    ...why,
  };
}

export function isMeasured(row: BenchRow): row is MeasuredRow {
  return row.stepMs !== null;
}

export function withPytorch(
  measurement: Measurement,
  runtime: Runtime,
  adapter: string | null,
  pytorch: PytorchResult | null,
): MeasuredRow {
  return {
    ...measurement,
    runtime,
    adapter,
    pytorch: pytorch && {
      stepMs: pytorch.stepMs,
      trainImagesPerSec: pytorch.trainImagesPerSec,
      evalImagesPerSec: pytorch.evalImagesPerSec,
    },
    ratioToPytorch: pytorch && {
      train: measurement.trainImagesPerSec / pytorch.trainImagesPerSec,
      eval: measurement.evalImagesPerSec / pytorch.evalImagesPerSec,
    },
  };
}

/**
 * Rows run smallest preset first; a larger preset is skipped when the speed a smaller one reached
 * on the same backend (GFLOP/s) predicts a step longer than `maxStepMs`. SwiftShader's WebGPU, for
 * one, would need hours for `small`.
 */
export function predictedStepMs(
  flopsPerStep: number,
  measured: readonly BenchRow[],
  target: Target,
): number | null {
  const same = measured.filter(
    (r): r is MeasuredRow => isMeasured(r) && r.runtime === target.runtime && r.backend === target.backend,
  );
  const fastest = same.reduce((best, r) => Math.max(best, r.gflopsPerSec), 0);
  return fastest > 0 ? flopsPerStep / fastest / 1e6 : null;
}
