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

/**
 * The worker glue's sign of life, every second, so that the page notices a worker that was killed
 * or hangs (src/ui/workerWatchdog.ts). Not an engine event: the engine knows nothing of it.
 */
export interface WorkerHeartbeat {
  type: 'heartbeat';
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
  | { type: 'chooseBackend'; backend: BackendChoice }
  /**
   * A question about the held model's certificates: answered by an `inspection`, `attack` or
   * `pgdCurve` event, or by `auditEnded`.
   */
  | { type: 'audit'; id: number; job: AuditJob }
  /** Stops the audit job `id` at its next yield; handled at once, not after queued commands. */
  | { type: 'cancelAudit'; id: number }
  /** Per-layer Lipschitz gains every `steps` training steps (0: never), and once now. */
  | { type: 'watchLayerGains'; steps: number };

/**
 * Audit jobs, all on a snapshot of the weights at the step they start (training may go on):
 * `inspect` one test image's logits and certificate; `attack` one test image with L2 PGD at `eps`
 * (random start, `steps` steps) and find its empirical radius by bisection with the same steps;
 * `pgdCurve` the empirical radius of each of the first `n` test images (bisection probes of 20
 * steps, docs/audit.md) and PGD accuracy at the paper's radii (`steps` steps, official: 100).
 */
export type AuditJob =
  | { kind: 'inspect'; index: number }
  | { kind: 'attack'; index: number; eps: number; steps: number }
  | { kind: 'pgdCurve'; n: number; steps: number };

/** One test image under the held model: what the explorer panel shows. */
export interface ImageInspection {
  index: number;
  /** The step of the weights inspected. */
  step: number;
  label: number;
  /** The image's bytes, `imageSize x imageSize x channels`. */
  image: Uint8Array;
  imageSize: number;
  channels: number;
  logits: Float32Array;
  prediction: number;
  runnerUp: number;
  /** Logit of the prediction minus the runner-up's. */
  margin: number;
  certifiedRadius: number;
}

/** One image attacked at `eps`, and its empirical radius. */
export interface AttackResult {
  index: number;
  step: number;
  eps: number;
  steps: number;
  label: number;
  prediction: number;
  certifiedRadius: number;
  /** The prediction on the adversarial image found at `eps`. */
  adversarialPrediction: number;
  /** The adversarial image at `eps`, values in [0, 1], `imageSize x imageSize x channels`. */
  adversarial: Float32Array;
  /** L2 norm of the adversarial image minus the original (in [0, 1] pixel units). */
  perturbationNorm: number;
  /** Smallest radius at which PGD changed the prediction (bisection); Infinity if none did; 0 if wrong already. */
  empiricalRadius: number;
  /** PGD changed a correct prediction inside its certified radius: the certificate would be unsound. */
  soundnessViolation: boolean;
}

/** Empirical against certified robustness over the first `n` test images. */
export interface PgdCurve {
  step: number;
  n: number;
  steps: number;
  labels: Int32Array;
  predictions: Int32Array;
  certifiedRadii: Float64Array;
  empiricalRadii: Float64Array;
  /** PGD accuracy at the paper's radii, each attacked directly (not read off the bisection). */
  pgdAtPaperRadii: { eps: number; accuracy: number }[];
  /** Test indices where PGD succeeded inside the certified radius (should stay empty). */
  violations: number[];
  seconds: number;
}

/** Each SLL layer's largest gain; all must stay at or below 1. */
export interface LayerGains {
  step: number;
  layers: {
    name: string;
    kind: 'conv' | 'dense';
    /** The official check: power iteration on f(c + v) - f(c) at c = 0. */
    atZero: number;
    /** The largest local Jacobian norm found at data points (the batch's activations at that layer). */
    atData: number;
  }[];
  /** The head's rows after normalisation: their norms and the largest ||w_i - w_j|| / sqrt(2). */
  head: { rowNormMin: number; rowNormMax: number; largestPairGain: number };
}

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
 * `restore` (a checkpoint), `audit` (PGD steps done of an audit job).
 */
export type ProgressTask = 'setup' | 'compile' | 'evaluation' | 'weights' | 'restore' | 'audit';

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
  | { type: 'inspection'; id: number; inspection: ImageInspection }
  | { type: 'attack'; id: number; result: AttackResult }
  | { type: 'pgdCurve'; id: number; curve: PgdCurve }
  /** An audit job that ended without a result: cancelled, or failed (an `error` event says why). */
  | { type: 'auditEnded'; id: number; reason: 'cancelled' | 'failed' }
  | { type: 'layerGains'; gains: LayerGains }
  | { type: 'error'; name: string; message: string; hint: string | null };
