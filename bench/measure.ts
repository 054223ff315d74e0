/**
 * One benchmark row: training step, evaluation and where the time goes, for one preset on the
 * active tfjs backend. Runs unchanged in Node and in a Chromium worker.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentOnBackend } from '../src/engine/augmentation.ts';
import { OFFICIAL_AUGMENT } from '../src/sll/augmentParams.ts';
import { Adam } from '../src/kernels/adam.ts';
import { type PresetName, presetArch } from '../src/sll/arch.ts';
import { Evaluator } from '../src/kernels/evaluator.ts';
import { flopCount, trainingFlops } from '../src/sll/flops.ts';
import { SllModel } from '../src/kernels/model.ts';
import { createRng } from '../src/sll/rng.ts';
import { trainStep } from '../src/kernels/training.ts';
import { measureBreakdown, type TimeBreakdown } from './breakdown.ts';
import { countDispatches } from './dispatches.ts';
import { type TimingPlan, median, timeInterleaved, timeRuns } from './timing.ts';

export interface MeasureOptions {
  preset: PresetName;
  batch: number;
  /** Images per evaluation batch (the training worker uses 250). */
  evalBatch: number;
  /** Timed runs per measurement, and the time budget of each measurement. */
  plan: TimingPlan;
}

/** The test set size the evaluation speed is quoted for: t is computed once per evaluation. */
export const EVALUATION_IMAGES = 10_000;

export interface Measurement {
  preset: PresetName;
  backend: string;
  batch: number;
  /** Median training step: upload of the batch, forward, backward, Adam, loss read back. */
  stepMs: number;
  stepSamplesMs: number[];
  /** Median of the step's synchronous part: the JavaScript that enqueues its work on a GPU backend
   * (on CPU and WASM the whole computation; on a software GPU it includes the driver's work). */
  jsMsPerStep: number;
  trainImagesPerSec: number;
  /** The official augmentation of one batch (crop, flip, colour jitter), done before each step. */
  augmentMs: number;
  evalBatch: number;
  /** Every t-vector and the class-pair distances, once per evaluation. */
  scalingsMs: number;
  /** Certifying one batch with t given: upload, forward, logits read back, radii in float64. */
  evalBatchMs: number;
  /** Images/s of a whole test-set evaluation: scalings once, then every batch. */
  evalImagesPerSec: number;
  /** One batch when t is recomputed for every batch, as the authors' evaluation does. */
  recomputeBatchMs: number;
  evalRecomputeImagesPerSec: number;
  flopsPerStep: number;
  flopsPerImage: number;
  gflopsPerSec: number;
  /** tfjs kernels run by one step, and the backend calls they make: GPU programs on WebGPU and
   * WebGL (one kernel may run several), the kernels themselves on CPU and WASM. */
  kernelsPerStep: number;
  dispatchesPerStep: number;
  /** Peak bytes of tensors alive during one step, as tfjs counts them. */
  peakBytes: number;
  breakdown: TimeBreakdown;
}

export function randomBatch(n: number, imageSize: number, channels: number, seed: number) {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: n * imageSize * imageSize * channels }, () => rng.uniform());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return { images, labels, shape: [n, imageSize, imageSize, channels] as [number, number, number, number] };
}

type Batch = ReturnType<typeof randomBatch>;

/**
 * One training step as the worker runs it: the batch is uploaded for every step, and only the loss
 * is read back. `jsMs` collects each step's synchronous part (the JavaScript that enqueues it),
 * `losses` each step's loss.
 */
export function trainingStepRunner(model: SllModel, adam: Adam, batch: Batch) {
  const jsMs: number[] = [];
  const losses: number[] = [];
  const step = async () => {
    const start = performance.now();
    const x = tf.tensor4d(batch.images, batch.shape);
    const y = tf.tensor1d(batch.labels, 'int32');
    const { loss, correct } = trainStep(model, adam, x, y, 'xent', 0.01);
    jsMs.push(performance.now() - start);
    losses.push((await loss.data())[0]);
    tf.dispose([x, y, loss, correct]);
  };
  return { step, jsMs, losses };
}

export async function measure(options: MeasureOptions): Promise<Measurement> {
  const { preset, batch, evalBatch, plan } = options;
  const arch = presetArch(preset);
  const model = SllModel.initialize(arch, 0);
  const adam = new Adam(model.variables);
  const train = randomBatch(batch, arch.imageSize, arch.inChannels, 1);
  const test = randomBatch(evalBatch, arch.imageSize, arch.inChannels, 2);
  try {
    const { step, jsMs } = trainingStepRunner(model, adam, train);
    // The first step compiles every shader: count dispatches and peak memory on it, untimed.
    const profile = await countDispatches(step);
    const stepTiming = await timeRuns(step, plan);
    const jsMsPerStep = median(jsMs.slice(-stepTiming.samplesMs.length));

    const augmentRandom = createRng(3).uniform;
    const augment = await timeRuns(
      async () => {
        const x = tf.tensor4d(train.images, train.shape);
        const out = augmentOnBackend(x, OFFICIAL_AUGMENT, augmentRandom);
        await out.data();
        tf.dispose([x, out]);
      },
      { ...plan, warmup: 1 },
    );

    const certifyOnce = async (evaluator: Evaluator) => {
      const x = tf.tensor4d(test.images, test.shape);
      await evaluator.certifyBatch(x);
      x.dispose();
    };
    const evaluator = await Evaluator.create(model);
    const [scalings, evalBatchTiming, recompute] = await timeInterleaved(
      [
        async () => (await Evaluator.create(model)).dispose(),
        () => certifyOnce(evaluator),
        async () => {
          const fresh = await Evaluator.create(model);
          await certifyOnce(fresh).finally(() => fresh.dispose());
        },
      ],
      { ...plan, warmup: 1 },
    ).finally(() => evaluator.dispose());

    const breakdown = await measureBreakdown(model, train, { ...plan, warmup: 1 }, stepTiming.medianMs);
    const flops = trainingFlops(arch, batch);
    const batches = Math.ceil(EVALUATION_IMAGES / evalBatch);
    return {
      preset,
      backend: tf.getBackend(),
      batch,
      stepMs: stepTiming.medianMs,
      stepSamplesMs: stepTiming.samplesMs,
      jsMsPerStep,
      trainImagesPerSec: (batch / stepTiming.medianMs) * 1000,
      augmentMs: augment.medianMs,
      evalBatch,
      scalingsMs: scalings.medianMs,
      evalBatchMs: evalBatchTiming.medianMs,
      evalImagesPerSec: (EVALUATION_IMAGES / (scalings.medianMs + batches * evalBatchTiming.medianMs)) * 1000,
      recomputeBatchMs: recompute.medianMs,
      evalRecomputeImagesPerSec: (evalBatch / recompute.medianMs) * 1000,
      flopsPerStep: flops.total,
      flopsPerImage: flopCount(arch).forwardPerImage,
      gflopsPerSec: flops.total / stepTiming.medianMs / 1e6,
      kernelsPerStep: profile.kernels,
      dispatchesPerStep: profile.dispatches ?? profile.kernels,
      peakBytes: profile.peakBytes,
      breakdown,
    };
  } finally {
    adam.dispose();
    model.dispose();
  }
}
