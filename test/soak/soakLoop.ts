/**
 * A long training run through the engine's Trainer, with periodic evaluations and checkpoints, that
 * samples tfjs's tensors and bytes (and the platform's heap, where it can) as it goes. Node
 * (soakRun.ts: the soak test and `npm run soak`) and the browser (test/harness/soak.html) drive it.
 *
 * Samples are taken at the loop's yield right after a checkpoint (evaluations yield too, between
 * their batches), where every step's tensors have been read back and the evaluation, if one was
 * due, is over: a healthy run holds exactly the same tensors at each.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedDataset } from '../../src/data/dataset.ts';
import type { TrainConfig } from '../../src/sll/trainConfig.ts';
import { memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import { Trainer } from '../../src/engine/trainer.ts';
import type { WorkerEvent } from '../../src/protocol.ts';

export interface HeapFigures {
  /** JS heap in use, after a full collection where one can be forced. */
  heapBytes: number;
  /** Array buffers outside the heap. */
  arrayBufferBytes: number;
}

export interface SoakSample extends Partial<HeapFigures> {
  step: number;
  /** Since the first metrics (the first step read back). */
  seconds: number;
  tensors: number;
  /** Bytes of tensor data the backend holds (tf.memory().numBytes). */
  bytes: number;
  /** WebGPU: bytes of GPU buffers in use by tensors (tf.memory().numBytesInGPU). */
  gpuBytes?: number;
  /** WebGPU: bytes of GPU buffers allocated, pooled ones included. */
  gpuAllocatedBytes?: number;
  /** WASM: the backend's linear memory, which grows and never shrinks. */
  wasmMemoryBytes?: number;
}

export interface SoakLoopOptions {
  /** A config whose run is longer than the soak: the soak pauses it. */
  config: TrainConfig;
  data: LoadedDataset;
  /** Stop after this many steps, or after this much training time, whichever comes first. */
  stopAtStep: number;
  stopAtMs: number;
  /** Lets events in between steps (the worker's message hop; setImmediate in Node). */
  yieldToEvents(): Promise<void>;
  /** Least time between metrics points, each of which the run's history keeps (Trainer's default if unset). */
  metricsIntervalMs?: number;
  /** The platform's heap after a full collection, where it can tell. */
  heap?(): HeapFigures;
  onSample?(sample: SoakSample): void;
}

export interface SoakResult {
  samples: SoakSample[];
  evaluations: number;
  checkpoints: number;
  errors: string[];
}

/** What the backend reports besides tensors and bytes (GPU buffers, WASM memory). */
function backendFigures(): Pick<SoakSample, 'gpuBytes' | 'gpuAllocatedBytes' | 'wasmMemoryBytes'> {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  if (memory.numBytesInGPU !== undefined) {
    return { gpuBytes: memory.numBytesInGPU, gpuAllocatedBytes: memory.numBytesAllocatedInGPU };
  }
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8 ? { wasmMemoryBytes: wasm.HEAPU8.byteLength } : {};
}

/** Trains `config` on the current tfjs backend until the stop, sampling memory after each checkpoint. */
export async function runSoakLoop(options: SoakLoopOptions): Promise<SoakResult> {
  const sampleEvery = options.config.checkpointEvery;
  const result: SoakResult = { samples: [], evaluations: 0, checkpoints: 0, errors: [] };
  let began = 0;
  let checkpointed = false;
  const emit = (e: WorkerEvent) => {
    if (e.type === 'evaluation') result.evaluations++;
    else if (e.type === 'checkpoint') {
      result.checkpoints++;
      checkpointed = true;
    } else if (e.type === 'error') result.errors.push(e.message);
    else if (e.type === 'metrics' && began === 0) began = performance.now();
  };
  const trainer: Trainer = new Trainer({
    emit,
    loadData: async () => options.data,
    store: memoryCheckpointStore(),
    now: () => Date.now(),
    metricsIntervalMs: options.metricsIntervalMs,
    yieldToEvents: async () => {
      await options.yieldToEvents();
      if (!checkpointed) return;
      checkpointed = false;
      const step = trainer.currentStep;
      if (step % sampleEvery !== 0) return;
      const heap = options.heap?.();
      const { numTensors, numBytes } = tf.memory();
      const sample: SoakSample = {
        step,
        seconds: (performance.now() - began) / 1000,
        tensors: numTensors,
        bytes: numBytes,
        ...backendFigures(),
        ...heap,
      };
      result.samples.push(sample);
      options.onSample?.(sample);
      if (step >= options.stopAtStep || sample.seconds * 1000 >= options.stopAtMs) void trainer.pause();
    },
  });
  try {
    trainer.configure(options.config);
    await trainer.start();
  } finally {
    trainer.dispose();
  }
  return result;
}

const CSV_COLUMNS: [string, keyof SoakSample][] = [
  ['step', 'step'],
  ['seconds', 'seconds'],
  ['tensors', 'tensors'],
  ['bytes', 'bytes'],
  ['gpu_bytes', 'gpuBytes'],
  ['gpu_allocated_bytes', 'gpuAllocatedBytes'],
  ['wasm_memory_bytes', 'wasmMemoryBytes'],
  ['heap_bytes', 'heapBytes'],
  ['array_buffer_bytes', 'arrayBufferBytes'],
];

/** A soak's samples as CSV, a header line first; a figure the platform lacks is left empty. */
export function samplesCsv(samples: SoakSample[]): string {
  const rows = samples.map((s) =>
    CSV_COLUMNS.map(([, key]) => (key === 'seconds' ? s.seconds.toFixed(1) : String(s[key] ?? ''))).join(','),
  );
  return [CSV_COLUMNS.map(([name]) => name).join(','), ...rows].join('\n') + '\n';
}

/** How far the heap may stray from its size after warm-up, as a fraction of it. */
export const HEAP_TOLERANCE = 0.05;

export interface SoakSummary {
  /** The first sample at or after warm-up, and the last. */
  start: SoakSample;
  end: SoakSample;
  /** The distinct values seen from `start` on, of the figures that must stay constant. */
  tensorCounts: number[];
  byteCounts: number[];
  gpuByteCounts: number[];
  /** The largest |heap / start's heap - 1| from `start` on (0 where the heap is not sampled). */
  heapDeviation: number;
  /** Tensors, bytes and GPU bytes constant, the heap within HEAP_TOLERANCE, and no error. */
  flat: boolean;
  lines: string[];
}

const mib = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const distinct = (values: (number | undefined)[]) =>
  [...new Set(values)].filter((v): v is number => v !== undefined);

/** Compares every sample from the step `warmUpSteps` on with the first of them. */
export function soakSummary(result: SoakResult, warmUpSteps: number): SoakSummary {
  const after = result.samples.filter((s) => s.step >= warmUpSteps);
  if (after.length < 2) throw new Error(`the soak took fewer than two samples after step ${warmUpSteps}`);
  const start = after[0];
  const end = after[after.length - 1];
  const tensorCounts = distinct(after.map((s) => s.tensors));
  const byteCounts = distinct(after.map((s) => s.bytes));
  const gpuByteCounts = distinct(after.map((s) => s.gpuBytes));
  const heapDeviation = Math.max(
    ...after.map((s) =>
      s.heapBytes === undefined || start.heapBytes === undefined
        ? 0
        : Math.abs(s.heapBytes / start.heapBytes - 1),
    ),
  );
  const flat =
    tensorCounts.length === 1 &&
    byteCounts.length === 1 &&
    gpuByteCounts.length <= 1 &&
    heapDeviation <= HEAP_TOLERANCE &&
    result.errors.length === 0;
  const pair = (key: keyof SoakSample, format = (v: number | undefined) => String(v ?? 'n/a')) =>
    `${format(start[key] as number | undefined)} -> ${format(end[key] as number | undefined)}`;
  const lines = [
    `steps ${start.step} -> ${end.step} (${(end.seconds - start.seconds).toFixed(0)} s), ${result.evaluations} evaluations, ${result.checkpoints} checkpoints, ${result.samples.length} samples`,
    `tensors        ${pair('tensors')}  (seen: ${tensorCounts.join(', ')})`,
    `tensor bytes   ${pair('bytes')}  (seen: ${byteCounts.join(', ')})`,
    `GPU bytes      ${pair('gpuBytes')}  (allocated ${pair('gpuAllocatedBytes', mib)})`,
    `WASM memory    ${pair('wasmMemoryBytes', mib)}`,
    `heap           ${pair('heapBytes', mib)}  (largest deviation ${(heapDeviation * 100).toFixed(2)}%, limit ${HEAP_TOLERANCE * 100}%)`,
    `array buffers  ${pair('arrayBufferBytes', mib)}`,
    ...result.errors.map((e) => `error: ${e}`),
    flat ? 'flat: yes' : 'flat: NO',
  ];
  return { start, end, tensorCounts, byteCounts, gpuByteCounts, heapDeviation, flat, lines };
}
