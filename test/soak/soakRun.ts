/**
 * The soak in Node: `tiny` on the first images of CIFAR-10 (from public/datasets) on the current
 * tfjs backend, the heap sampled after a forced full collection. The soak test runs it for 2,000
 * steps, `npm run soak` for as long as asked.
 */
import { OFFICIAL_LEARNING_RATE } from '../../src/kernels/adam.ts';
import { presetArch } from '../../src/sll/arch.ts';
import { loadCifar10Node } from '../../src/cli/nodeDataset.ts';
import { collector } from '../helpers/gc.ts';
import { type SoakResult, type SoakSample, runSoakLoop } from './soakLoop.ts';

export interface NodeSoakOptions {
  /** Stop after this many steps ... */
  steps?: number;
  /** ... or after this much training time, whichever comes first. */
  minutes?: number;
  /** Steps between checkpoints, and so between samples. */
  sampleEvery: number;
  evalEvery: number;
  evalImages: number;
  trainImages: number;
  batchSize: number;
  onSample?(sample: SoakSample): void;
}

/** The run is configured longer than any soak (the soak pauses it), so its schedule never ends it. */
const EPOCHS = 1000;

export async function runSoak(options: NodeSoakOptions): Promise<SoakResult & { forcedGc: boolean }> {
  if (options.steps === undefined && options.minutes === undefined) {
    throw new Error('runSoak needs steps or minutes');
  }
  const gc = collector();
  const result = await runSoakLoop({
    config: {
      preset: 'tiny',
      arch: presetArch('tiny'),
      dataset: 'cifar10',
      loss: 'xent',
      learningRate: OFFICIAL_LEARNING_RATE,
      batchSize: options.batchSize,
      epochs: EPOCHS,
      augment: true,
      seed: 17,
      trainLimit: options.trainImages,
      evalEvery: options.evalEvery,
      evalSubset: options.evalImages,
      checkpointEvery: options.sampleEvery,
      checkpointSeconds: 0,
    },
    data: await loadCifar10Node({ train: options.trainImages, test: options.evalImages }),
    stopAtStep: options.steps ?? Infinity,
    stopAtMs: options.minutes === undefined ? Infinity : options.minutes * 60_000,
    yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
    // As `sll-lab train` away from a terminal: the history, which the heap rightly grows by, gains a
    // point a second rather than ten.
    metricsIntervalMs: 1000,
    heap: () => {
      gc?.();
      const usage = process.memoryUsage();
      return { heapBytes: usage.heapUsed, arrayBufferBytes: usage.arrayBuffers };
    },
    onSample: options.onSample,
  });
  return { ...result, forcedGc: gc !== null };
}
