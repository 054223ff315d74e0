// What the browser worker must agree with: the same Trainer and Evaluator run here in Node, on
// tfjs's WASM backend, over the same CIFAR-10 files read from disk.
import * as tf from '@tensorflow/tfjs';
import { evalBatchIndices, makeBatch } from '../src/data/batches.ts';
import { loadCifar10Node } from '../src/cli/nodeDataset.ts';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { Evaluator } from '../src/kernels/evaluator.ts';
import { SllModel } from '../src/kernels/model.ts';
import { parseWeights } from '../src/sll/weightsJson.ts';
import type { WorkerEvent } from '../src/protocol.ts';
import type { TrainConfig } from '../src/sll/trainConfig.ts';
import type { Trainer } from '../src/engine/trainer.ts';
import { nodeTrainer } from '../src/cli/nodeTrainer.ts';
import type { LoadedDataset } from '../src/data/dataset.ts';

let backend: Promise<unknown> | null = null;
const started = () => (backend ??= startNodeBackend('wasm'));

function loadCifar(trainLimit: number, testLimit: number): Promise<LoadedDataset> {
  return loadCifar10Node({ train: trainLimit, test: testLimit });
}

/** The loss of every step from 1 to `steps` (each step its own metrics event). */
export async function referenceLosses(config: TrainConfig, steps: number): Promise<number[]> {
  await started();
  const losses: number[] = [];
  const data = await loadCifar(config.trainLimit, 1);
  const trainer: Trainer = nodeTrainer({
    emit: (e: WorkerEvent) => {
      if (e.type === 'error') throw new Error(`${e.name}: ${e.message}`);
      if (e.type !== 'metrics') return;
      losses[e.step - 1] = e.loss;
      if (e.step >= steps) void trainer.pause();
    },
    loadData: async () => data,
    metricsIntervalMs: 0,
  });
  trainer.configure(config);
  await trainer.start();
  trainer.dispose();
  return losses.slice(0, steps);
}

/** Predictions and certified radii of the first `n` test images under a weights file. */
export async function referenceEvaluation(
  weightsText: string,
  n: number,
): Promise<{ predictions: number[]; radii: number[] }> {
  await started();
  const { arch, params } = parseWeights(weightsText);
  const { test } = await loadCifar(1, n);
  const model = SllModel.initialize(arch, 0);
  model.assignParams(params);
  const evaluator = await Evaluator.create(model);
  const predictions: number[] = [];
  const radii: number[] = [];
  try {
    for (const indices of evalBatchIndices(n, 250)) {
      const batch = makeBatch(test, indices);
      const result = await evaluator.certifyBatch(batch.images);
      tf.dispose([batch.images, batch.labels]);
      predictions.push(...result.predictions);
      radii.push(...result.radii);
    }
  } finally {
    evaluator.dispose();
    model.dispose();
  }
  return { predictions, radii };
}
