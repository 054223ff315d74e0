// Peak memory of a training run, measured, beside the estimate the page shows before a run starts
// (src/sll/memoryEstimate.ts): one training step split in its two phases (forward and backward,
// then Adam's update) and one evaluation batch, in tensor bytes as tfjs counts them, and the size
// the WASM memory grew to. Each row runs in its own process: the WASM memory never shrinks, and
// running out of it can end the process.
//
//   npx tsx bench/memory.ts [--backend wasm|cpu|webgpu] ROW ...
//   ROW = PRESET:BATCH[:FIELD=VALUE...], e.g. tiny:64 lab:64 small:64:nDense=0 (arch fields override)
//
// On WebGPU a step trains on flat parameters (src/kernels/model.ts, trainFlat), its update inside it:
// the step is measured whole, after a first step has made the flat copy, and counts as both phases.
//
// Prints one JSON line per row (megabytes, 1e6 bytes). docs/engine.md#memory has the results.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { Adam } from '../src/kernels/adam.ts';
import { Evaluator } from '../src/kernels/evaluator.ts';
import { trainingLoss } from '../src/kernels/losses.ts';
import { SllModel } from '../src/kernels/model.ts';
import { trainStep } from '../src/kernels/training.ts';
import { onWebGpu } from '../src/kernels/webgpu/program.ts';
import { type NodeBackendName, backendOption } from '../src/cli/nodeBackend.ts';
import { type Arch, isPresetName, presetArch, validateArch } from '../src/sll/arch.ts';
import { EVALUATION_BATCH, estimateTrainingMemory } from '../src/sll/memoryEstimate.ts';
import { countParameters } from '../src/sll/params.ts';

export interface MemoryMeasurement {
  row: string;
  backend: string;
  batch: number;
  parameters: number;
  /** Tensor bytes once the model and Adam exist. */
  residentBytes: number;
  /** Peak tensor bytes of the forward and backward pass (every live tensor counts, as in tf.profile). */
  gradientsPeakBytes: number;
  /** Peak tensor bytes of Adam's update. */
  updatePeakBytes: number;
  /** Peak tensor bytes of an evaluation batch (t-vectors computed, then the batch certified). */
  evaluationPeakBytes: number;
  /** The largest of the three. */
  peakBytes: number;
  /** What the WASM memory grew to (it never shrinks): what counts against WASM's 4 GiB. */
  wasmMemoryBytes: number | null;
  stepSeconds: number;
}

export function parseRow(row: string): { arch: Arch; batch: number } {
  const [preset, batch, ...overrides] = row.split(':');
  if (!isPresetName(preset)) throw new Error(`${row}: unknown preset ${preset}`);
  const arch: Record<string, unknown> = { ...presetArch(preset) };
  for (const o of overrides) {
    const [field, value] = o.split('=');
    arch[field] = Number(value);
  }
  return { arch: validateArch(arch), batch: Number(batch) };
}

function wasmMemoryBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm ? backend.wasm.HEAPU8.buffer.byteLength : null;
}

/** `tf.profile` returns one object that the next profile overwrites: read the peak at once. */
async function peakOf(fn: () => Promise<void> | void): Promise<number> {
  return (await tf.profile(fn)).peakBytes;
}

export async function measureMemory(row: string): Promise<MemoryMeasurement> {
  const { arch, batch } = parseRow(row);
  const model = SllModel.initialize(arch, 0);
  const adam = new Adam(model.variables);
  const shape = (n: number): [number, number, number, number] => [
    n,
    arch.imageSize,
    arch.imageSize,
    arch.inChannels,
  ];
  try {
    const x = tf.randomUniform(shape(batch)) as tf.Tensor4D;
    const y = tf.tensor1d(
      Int32Array.from({ length: batch }, (_, i) => i % arch.nClasses),
      'int32',
    );
    const step = () => {
      const { loss, correct } = trainStep(model, adam, x, y, 'xent', 0.01);
      tf.dispose([loss, correct]);
    };
    if (onWebGpu()) step();
    const residentBytes = tf.memory().numBytes - x.size * 4 - y.size * 4;
    const started = Date.now();
    let gradientsPeakBytes: number;
    let updatePeakBytes: number;
    if (onWebGpu()) {
      gradientsPeakBytes = await peakOf(step);
      updatePeakBytes = gradientsPeakBytes;
    } else {
      let grads: tf.NamedTensorMap = {};
      gradientsPeakBytes = await peakOf(() => {
        const result = tf.variableGrads(() => trainingLoss('xent', model.logits(x), y), model.variables);
        grads = result.grads;
        result.value.dispose();
      });
      updatePeakBytes = await peakOf(() =>
        adam.apply(
          model.variables.map((v) => grads[v.name]),
          0.01,
        ),
      );
      tf.dispose(Object.values(grads));
    }
    tf.dispose([x, y]);
    const stepSeconds = (Date.now() - started) / 1000;
    const evaluationPeakBytes = await peakOf(async () => {
      const evaluator = await Evaluator.create(model);
      const images = tf.randomUniform(shape(EVALUATION_BATCH)) as tf.Tensor4D;
      await evaluator.certifyBatch(images);
      tf.dispose(images);
      evaluator.dispose();
    });
    return {
      row,
      backend: tf.getBackend(),
      batch,
      parameters: countParameters(arch),
      residentBytes,
      gradientsPeakBytes,
      updatePeakBytes,
      evaluationPeakBytes,
      peakBytes: Math.max(gradientsPeakBytes, updatePeakBytes, evaluationPeakBytes),
      wasmMemoryBytes: wasmMemoryBytes(),
      stepSeconds,
    };
  } finally {
    adam.dispose();
    model.dispose();
  }
}

const mb = (bytes: number | null) => (bytes === null ? null : Math.round(bytes / 1e5) / 10);

/** The measurement beside the estimate, in MB. */
export function report(m: MemoryMeasurement): Record<string, unknown> {
  const { arch, batch } = parseRow(m.row);
  const e = estimateTrainingMemory(arch, batch, backendOption(m.backend));
  return {
    row: m.row,
    backend: m.backend,
    parameters: m.parameters,
    measuredMB: {
      resident: mb(m.residentBytes),
      step: mb(m.gradientsPeakBytes),
      update: mb(m.updatePeakBytes),
      evaluation: mb(m.evaluationPeakBytes),
      peak: mb(m.peakBytes),
      wasmMemory: mb(m.wasmMemoryBytes),
    },
    estimateMB: {
      step: mb(e.stepPeakBytes),
      update: mb(e.updatePeakBytes),
      evaluation: mb(e.evaluationPeakBytes),
      peak: mb(e.totalBytes),
    },
    estimateOverPeak: Math.round((e.totalBytes / m.peakBytes) * 100) / 100,
    wasmMemoryOverPeak:
      m.wasmMemoryBytes === null ? null : Math.round((m.wasmMemoryBytes / m.peakBytes) * 100) / 100,
    stepSeconds: m.stepSeconds,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--backend');
  const backend: NodeBackendName = at >= 0 ? backendOption(args.splice(at, 2)[1]) : 'wasm';
  const one = args.indexOf('--one');
  if (one >= 0) {
    await startNodeBackend(backend);
    tf.enableProdMode();
    console.log(JSON.stringify(report(await measureMemory(args[one + 1]))));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  for (const row of args) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--backend', backend, '--one', row], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const lines = `${child.stdout}\n${child.stderr}`.split('\n').map((l) => l.trim());
    const result = lines.find((l) => l.startsWith('{"row"'));
    if (result) console.log(result);
    else {
      const why = lines
        .filter((l) => l && !l.startsWith('at '))
        .slice(-3)
        .join(' | ');
      console.log(JSON.stringify({ row, backend, failed: `exit ${child.status ?? child.signal}: ${why}` }));
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
