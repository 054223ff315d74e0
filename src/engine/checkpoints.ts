/**
 * Checkpoints: everything needed to continue a run exactly (weights, optimiser state, step, config,
 * metric history). Stored as structured-clone data: IndexedDB in the browser (src/worker), memory in Node and tests.
 */
import type { AdamState } from '../kernels/adam.ts';
import type { EvaluationCertificates, EvaluationSummary, MetricsPoint } from '../protocol.ts';
import type { TrainConfig } from '../sll/trainConfig.ts';
import { TrainerError } from './errors.ts';
import type { Run } from './run.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  savedAt: number;
  config: TrainConfig;
  step: number;
  totalSteps: number;
  /** Parameters in PyTorch layout, in `state_dict` order. */
  params: [string, Float32Array][];
  adam: AdamState;
  history: {
    metrics: MetricsPoint[];
    evaluations: EvaluationSummary[];
    /** The latest evaluation's radii; absent in checkpoints written before they were kept. */
    certificates?: EvaluationCertificates | null;
  };
}

/** The run as it is now; refuses weights that are not finite, so a bad state is never saved. */
export async function checkpointOf(run: Run, savedAt: number): Promise<Checkpoint> {
  const params = await run.model.exportParams();
  for (const [name, values] of params) {
    if (!values.every(Number.isFinite)) {
      throw new TrainerError(
        'NonFiniteWeights',
        `weights of ${name} are not finite; the checkpoint was not saved`,
      );
    }
  }
  return {
    version: CHECKPOINT_VERSION,
    savedAt,
    config: run.config,
    step: run.step,
    totalSteps: run.totalSteps,
    params: [...params],
    adam: await run.adam.exportState(),
    history: {
      metrics: run.metrics.slice(),
      evaluations: run.evaluations.slice(),
      certificates: run.certificates,
    },
  };
}

/** Puts the run back where the checkpoint was taken: weights, optimiser, step, history and radii. */
export function applyCheckpoint(run: Run, c: Checkpoint): void {
  run.model.assignParams(new Map(c.params));
  run.adam.importState(c.adam);
  run.step = c.step;
  run.metrics = c.history.metrics.slice();
  run.evaluations = c.history.evaluations.slice();
  run.certificates = c.history.certificates ?? null;
}

export interface CheckpointStore {
  save(checkpoint: Checkpoint): Promise<void>;
  load(): Promise<Checkpoint | null>;
  clear(): Promise<void>;
}

/** Keeps copies, so that later changes to the run cannot alter a saved checkpoint. */
export function memoryCheckpointStore(): CheckpointStore {
  let saved: Checkpoint | null = null;
  return {
    async save(c) {
      saved = structuredClone(c);
    },
    async load() {
      return saved === null ? null : structuredClone(saved);
    },
    async clear() {
      saved = null;
    },
  };
}
