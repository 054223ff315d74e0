/**
 * Checkpoints: everything needed to continue a run exactly (weights, optimiser state, step, config,
 * metric history). Stored as structured-clone data: IndexedDB in the browser (src/worker), memory in Node and tests.
 */
import type { AdamState } from '../kernels/adam.ts';
import type { EvaluationSummary, MetricsPoint } from '../protocol.ts';
import type { TrainConfig } from '../sll/trainConfig.ts';

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
  history: { metrics: MetricsPoint[]; evaluations: EvaluationSummary[] };
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
