/**
 * Evaluating a run: every test image's prediction and certified radius, and the accuracies the
 * paper reports. The radii go to the page, which applies its own epsilon to them.
 */
import * as tf from '@tensorflow/tfjs';
import { evalBatchIndices, makeBatch } from '../data/batches.ts';
import type { LoadedDataset } from '../data/dataset.ts';
import { Evaluator } from '../kernels/evaluator.ts';
import type { EvaluationSummary, WorkerEvent } from '../protocol.ts';
import { EVALUATION_BATCH } from '../sll/memoryEstimate.ts';
import { PAPER_EPSILONS, certifiedAccuracy, naturalAccuracy } from '../sll/certify.ts';
import type { LabelledCertificates } from '../sll/radii.ts';
import type { Run } from './run.ts';

/** Test images the page shows with their predictions and radii. */
export const SAMPLE_COUNT = 24;

export interface Evaluation extends LabelledCertificates {
  summary: EvaluationSummary;
}

/** How many test images an evaluation of `subset` covers, of a test split of `testImages`. */
export function evaluationSize(testImages: number, subset: number | 'full'): number {
  return subset === 'full' ? testImages : Math.min(Math.max(1, subset), testImages);
}

/**
 * Natural and certified accuracy on the first `subset` test images (or all), with every radius.
 * `onProgress` hears the images done after each batch; `yieldToEvents` runs after each batch, so
 * that a full evaluation (minutes on the CPU backend) lets the worker's heartbeat through.
 */
export async function evaluateRun(
  run: Run,
  subset: number | 'full',
  now: () => number,
  onProgress: (done: number) => void = () => {},
  yieldToEvents: () => Promise<void> = async () => {},
): Promise<Evaluation> {
  const test = run.data.test;
  const n = evaluationSize(test.n, subset);
  const start = now();
  const evaluator = await Evaluator.create(run.model);
  const predictions = new Int32Array(n);
  const radii = new Float64Array(n);
  try {
    for (const indices of evalBatchIndices(n, EVALUATION_BATCH)) {
      const batch = makeBatch(test, indices);
      try {
        const result = await evaluator.certifyBatch(batch.images);
        predictions.set(result.predictions, indices[0]);
        radii.set(result.radii, indices[0]);
        onProgress(indices[0] + indices.length);
      } finally {
        tf.dispose([batch.images, batch.labels]);
      }
      await yieldToEvents();
    }
  } finally {
    evaluator.dispose();
  }
  const labels = Int32Array.from(test.labels.subarray(0, n));
  const certificates = { predictions, radii };
  const summary: EvaluationSummary = {
    step: run.step,
    n,
    naturalAccuracy: naturalAccuracy(predictions, labels),
    certified: PAPER_EPSILONS.map((eps) => ({ eps, accuracy: certifiedAccuracy(certificates, labels, eps) })),
    imagesPerSecond: n / Math.max(1e-3, (now() - start) / 1000),
  };
  return { summary, predictions, radii, labels };
}

/** The first test images, for the page to show beside their predictions. */
export function samplesEvent(data: LoadedDataset): Extract<WorkerEvent, { type: 'samples' }> {
  const { test, info } = data;
  const n = Math.min(SAMPLE_COUNT, test.n);
  const size = test.imageSize * test.imageSize * test.channels;
  return {
    type: 'samples',
    images: test.images.slice(0, n * size),
    labels: Int32Array.from(test.labels.subarray(0, n)),
    imageSize: test.imageSize,
    channels: test.channels,
    classNames: info.classNames,
  };
}
