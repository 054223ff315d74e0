/**
 * The one message protocol between the page and the training worker: commands in, events out.
 * Plain, structured-clone-safe data only; large arrays are transferred (see `transferablesOf`).
 */
import type { Arch, PresetName } from './sll/arch.ts';
import type { LossName } from './sll/lossNames.ts';

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = 'auto' | BackendName;

export interface TrainConfig {
  /** Which preset the arch came from, or 'custom' after the depth/width sliders moved. */
  preset: PresetName | 'custom';
  arch: Arch;
  /** 'cifar10', or the id of an imported dataset. */
  dataset: string;
  loss: LossName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  augment: boolean;
  seed: number;
  /** Train on the first N training images only (0: all of them). */
  trainLimit: number;
  /** Steps between periodic evaluations (0: only at the end of each epoch). */
  evalEvery: number;
  /** Test images used by periodic evaluations (the full test set on demand). */
  evalSubset: number;
  /** Steps between checkpoints (0: off); they are also written at the start and on pause. */
  checkpointEvery: number;
  /** Seconds between checkpoints (0: off), whichever of the two comes first. */
  checkpointSeconds: number;
  /** The page's epsilon; evaluations also report the certified accuracy there. */
  eps: number;
}

/**
 * The page's first message: which backend to try first, and where the datasets are served (an
 * absolute URL, since a relative one would resolve against the worker script's folder).
 */
export interface WorkerInit {
  type: 'init';
  backend: BackendChoice;
  datasetsUrl: string;
}

export type RunState = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'failed';

export type Command =
  | { type: 'configure'; config: TrainConfig }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'reset' }
  | { type: 'evaluate'; subset: number | 'full' }
  | { type: 'exportWeights' }
  | { type: 'importWeights'; text: string; asNewModel: boolean }
  | { type: 'restoreCheckpoint' }
  | { type: 'selectDataset'; dataset: string }
  | { type: 'importDataset'; files: { name: string; bytes: Uint8Array }[] }
  | { type: 'listDatasets' }
  | { type: 'chooseBackend'; backend: BackendChoice };

/** An archive the user imported, kept in IndexedDB. */
export interface ImportedDatasetSummary {
  id: string;
  name: string;
  source: string;
  classes: number;
  trainCount: number;
  testCount: number;
}

export interface BackendFallback {
  backend: BackendName;
  reason: string;
}

export interface MetricsPoint {
  step: number;
  epoch: number;
  loss: number;
  trainAccuracy: number;
  learningRate: number;
  imagesPerSecond: number;
}

export interface EvaluationSummary {
  step: number;
  n: number;
  naturalAccuracy: number;
  /** Certified accuracy at the paper's 36/72/108/255 (/255) and at the page's eps. */
  certified: { eps: number; accuracy: number }[];
  imagesPerSecond: number;
}

export type WorkerEvent =
  | { type: 'ready'; backend: BackendName; adapter: string | null; fallbacks: BackendFallback[] }
  | { type: 'state'; state: RunState; step: number; totalSteps: number }
  | {
      type: 'dataset';
      phase: 'loading' | 'ready';
      split: 'train' | 'test';
      loadedImages: number;
      totalImages: number;
      loadedBytes: number;
      totalBytes: number;
    }
  | ({ type: 'metrics'; etaSeconds: number; totalSteps: number } & MetricsPoint)
  | ({
      type: 'evaluation';
      radii: Float64Array;
      predictions: Int32Array;
      labels: Int32Array;
    } & EvaluationSummary)
  | { type: 'checkpoint'; step: number; savedAt: number }
  | { type: 'resumable'; step: number; totalSteps: number; config: TrainConfig; savedAt: number }
  | { type: 'weights'; text: string }
  | { type: 'model'; config: TrainConfig; step: number }
  | { type: 'datasets'; imported: ImportedDatasetSummary[]; added: string | null }
  | {
      type: 'samples';
      images: Uint8Array;
      labels: Int32Array;
      imageSize: number;
      channels: number;
      classNames: string[];
    }
  | { type: 'history'; metrics: MetricsPoint[]; evaluations: EvaluationSummary[] }
  | { type: 'error'; name: string; message: string; hint: string | null };

/** The buffers of an event that should move to the receiver instead of being copied. */
export function transferablesOf(event: WorkerEvent): Transferable[] {
  if (event.type === 'evaluation') return [event.radii.buffer, event.predictions.buffer, event.labels.buffer];
  if (event.type === 'samples') return [event.images.buffer, event.labels.buffer];
  return [];
}
