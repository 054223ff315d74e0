/**
 * Evaluating a run: every test image's prediction and certified radius, and the accuracies the
 * paper reports. The radii go to the page, which applies its own epsilon to them.
 */
import * as tf from '@tensorflow/tfjs';
import { evalBatchIndices, makeBatch } from '../data/batches.ts';
import type { LoadedDataset } from '../data/dataset.ts';
import { Evaluator } from '../kernels/evaluator.ts';
import type { EvaluationSummary, WorkerEvent } from '../protocol.ts';
import { PAPER_EPSILONS, certifiedAccuracy, naturalAccuracy } from '../sll/certify.ts';
import type { LabelledCertificates } from '../sll/radii.ts';
import type { Run } from './run.ts';

const EVAL_BATCH = 250;
/** Test images the page shows with their predictions and radii. */
export const SAMPLE_COUNT = 24;

export interface Evaluation extends LabelledCertificates {
  summary: EvaluationSummary;
}

/** Natural and certified accuracy on the first `subset` test images (or all), with every radius. */
export async function evaluateRun(run: Run, subset: number | 'full', now: () => number): Promise<Evaluation> {
  const test = run.data.test;
  const n = subset === 'full' ? test.n : Math.min(Math.max(1, subset), test.n);
  const start = now();
  const evaluator = await Evaluator.create(run.model);
  const predictions = new Int32Array(n);
  const radii = new Float64Array(n);
  try {
    for (const indices of evalBatchIndices(n, EVAL_BATCH)) {
      const batch = makeBatch(test, indices);
      try {
        const result = await evaluator.certifyBatch(batch.images);
        predictions.set(result.predictions, indices[0]);
        radii.set(result.radii, indices[0]);
      } finally {
        tf.dispose([batch.images, batch.labels]);
      }
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
