/**
 * The one message protocol between the page and the training worker: commands in, events out.
 * Types only. Plain, structured-clone-safe data; the worker transfers large arrays instead of
 * copying them. The page's epsilon is not here: it is applied to the radii in the page.
 */
import type { BackendChoice, BackendName } from './sll/backendNames.ts';
import type { TrainConfig } from './sll/trainConfig.ts';

/**
 * The page's first message: which backend to try first, and where the datasets are served (an
 * absolute URL, since a relative one would resolve against the worker script's folder).
 */
export interface WorkerInit {
  type: 'init';
  backend: BackendChoice;
  datasetsUrl: string;
  /** A dataset id to load at once, so that Train need not wait for it. */
  preload?: string;
}

export type RunState = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'failed';

export type Command =
  | { type: 'configure'; config: TrainConfig }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'evaluate'; subset: number | 'full' }
  /** With `withOptimizer`, Adam's state too: a file that training continues exactly from. */
  | { type: 'exportWeights'; withOptimizer: boolean }
  | { type: 'exportOnnx' }
  /** A weights file's bytes: the lab's JSON or a PyTorch `.pth` checkpoint. */
  | { type: 'importWeights'; file: Uint8Array; asNewModel: boolean }
  | { type: 'restoreCheckpoint' }
  /** Starts the held model's schedule over from step 0 with a fresh optimiser (a finished model). */
  | { type: 'restartSchedule' }
  | { type: 'importDataset'; files: { name: string; bytes: Uint8Array }[] }
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
  /** Certified accuracy at the paper's radii, 36/72/108/255 (/255). */
  certified: { eps: number; accuracy: number }[];
  imagesPerSecond: number;
}

/** Per-image results of one evaluation: the page applies its epsilon to the radii. */
export interface EvaluationCertificates {
  /** The evaluation (step and image count) these belong to. */
  step: number;
  n: number;
  radii: Float64Array;
  predictions: Int32Array;
  labels: Int32Array;
}

/** Where the model the worker now holds came from, and whether its optimiser state came with it. */
export type ModelSource =
  | { kind: 'new' }
  | { kind: 'checkpoint' }
  | { kind: 'file'; fileStep: number | null; optimizer: 'restored' | 'fresh'; finished: boolean };

/**
 * Long operations the page shows progress for: `setup` (0 loading the dataset, 1 building the
 * network, 2 writing the first checkpoint, of 3 stages), `compile` (shader compilation and warm-up
 * of the first step), `evaluation` (test images done), `weights` (parsing and loading a file),
 * `restore` (a checkpoint).
 */
export type ProgressTask = 'setup' | 'compile' | 'evaluation' | 'weights' | 'restore';

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
  /** `etaSeconds`: the time left, smoothed; null while it is still being measured (not yet stable). */
  | ({ type: 'metrics'; etaSeconds: number | null; totalSteps: number } & MetricsPoint)
  /** A long operation's progress; it is over when `done === total` (also after a failure). */
  | { type: 'progress'; task: ProgressTask; done: number; total: number; unit: string }
  | ({ type: 'evaluation' } & EvaluationSummary & Omit<EvaluationCertificates, 'step' | 'n'>)
  | { type: 'checkpoint'; step: number; savedAt: number }
  | { type: 'resumable'; step: number; totalSteps: number; config: TrainConfig; savedAt: number }
  | { type: 'weights'; text: string }
  | { type: 'onnx'; bytes: Uint8Array }
  | { type: 'model'; config: TrainConfig; step: number; source: ModelSource }
  | { type: 'datasets'; imported: ImportedDatasetSummary[]; added: string | null }
  | {
      type: 'samples';
      images: Uint8Array;
      labels: Int32Array;
      imageSize: number;
      channels: number;
      classNames: string[];
    }
  | {
      type: 'history';
      metrics: MetricsPoint[];
      evaluations: EvaluationSummary[];
      /** The latest evaluation's radii, when the checkpoint or file kept them. */
      certificates: EvaluationCertificates | null;
    }
  | { type: 'error'; name: string; message: string; hint: string | null };
