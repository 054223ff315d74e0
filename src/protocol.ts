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
}

export type RunState = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'failed';

export type Command =
  | { type: 'configure'; config: TrainConfig }
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'evaluate'; subset: number | 'full' }
  | { type: 'exportWeights' }
  | { type: 'exportOnnx' }
  /** A weights file's bytes: the lab's JSON or a PyTorch `.pth` checkpoint. */
  | { type: 'importWeights'; file: Uint8Array; asNewModel: boolean }
  | { type: 'restoreCheckpoint' }
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
  | { type: 'onnx'; bytes: Uint8Array }
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
