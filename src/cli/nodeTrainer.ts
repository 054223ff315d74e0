/**
 * The engine's Trainer as Node runs it: checkpoints in memory, and setImmediate between steps in
 * place of the worker's MessageChannel hop, so a pause can arrive between two steps.
 */
import type { LoadedDataset } from '../data/dataset.ts';
import { memoryCheckpointStore } from '../engine/checkpoints.ts';
import { Trainer } from '../engine/trainer.ts';
import type { WorkerEvent } from '../protocol.ts';

export function nodeTrainer(options: {
  emit(event: WorkerEvent): void;
  loadData(dataset: string): Promise<LoadedDataset>;
  metricsIntervalMs: number;
}): Trainer {
  return new Trainer({
    ...options,
    store: memoryCheckpointStore(),
    now: () => Date.now(),
    yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
  });
}
