// npm run bench: training and certification speed per preset and backend, in Node and in headless
// Chromium, beside the same network in PyTorch; prints a table and writes bench/results/latest.json.
//
// Options (environment):
//   BENCH_PRESETS=tiny,lab,small
//   BENCH_TARGETS=node-cpu,node-wasm,chromium-wasm,chromium-webgl,chromium-webgpu (chromium-cpu and
//   node-webgpu, WebGPU through Dawn, too)
//   BENCH_BATCH=64  BENCH_EVAL_BATCH=250  BENCH_STEPS=5 (timed runs)  BENCH_BUDGET_S=15 (per measurement)
//   BENCH_MAX_STEP_S=60 (skip a row whose predicted step is longer)  BENCH_PYTORCH=off
//   BENCH_OUT=bench/results/latest.json
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type PresetName, isPresetName, presetArch } from '../src/sll/arch.ts';
import { trainingFlops } from '../src/sll/flops.ts';
import { BACKEND_NAMES, type BackendName } from '../src/sll/backendNames.ts';
import { ChromiumBench } from './chromium.ts';
import { labLayerShape } from './convShape.ts';
import type { FormulationTiming } from './formulations.ts';
import type { Measurement, MeasureOptions } from './measure.ts';
import { inChildProcess } from './nodeProcess.ts';
import { NODE_BACKENDS, NODE_BACKEND_USAGE, type NodeBackendName } from '../src/cli/nodeBackend.ts';
import { measurePytorch, torchVersion } from './pytorch.ts';
import {
  type BenchRow,
  type PytorchResult,
  type Target,
  predictedStepMs,
  unmeasuredRow,
  withPytorch,
} from './rows.ts';
import { formatFormulations, formatTable } from './table.ts';

const env = process.env;
const list = (value: string | undefined, fallback: string) => (value ?? fallback).split(',').filter(Boolean);
const number = (value: string | undefined, fallback: number) => (value ? Number(value) : fallback);

const presets = list(env.BENCH_PRESETS, 'tiny,lab,small').map((p) => {
  if (!isPresetName(p)) throw new Error(`BENCH_PRESETS: unknown preset ${p}`);
  return p;
});
const targets: Target[] = list(
  env.BENCH_TARGETS,
  'node-cpu,node-wasm,chromium-wasm,chromium-webgl,chromium-webgpu',
).map((t) => {
  const [runtime, backend] = t.split('-');
  if ((runtime !== 'node' && runtime !== 'chromium') || !BACKEND_NAMES.includes(backend as BackendName))
    throw new Error(`BENCH_TARGETS: ${t} is not node-{cpu,wasm,webgpu} or chromium-{webgpu,webgl,wasm,cpu}`);
  return { runtime, backend: backend as BackendName };
});
const batch = number(env.BENCH_BATCH, 64);
const evalBatch = number(env.BENCH_EVAL_BATCH, 250);
const steps = number(env.BENCH_STEPS, 5);
const budgetMs = number(env.BENCH_BUDGET_S, 15) * 1000;
const maxStepMs = number(env.BENCH_MAX_STEP_S, 60) * 1000;
const out = env.BENCH_OUT ?? 'bench/results/latest.json';
const options = (preset: PresetName): MeasureOptions => ({
  preset,
  batch,
  evalBatch,
  plan: { warmup: 2, runs: steps, budgetMs },
});

const rows: BenchRow[] = [];
const formulations: (FormulationTiming & { runtime: Target['runtime'] })[] = [];
// The lab preset's convolution at the benchmark's batch.
const convShape = labLayerShape(batch);
const formulationPlan = { warmup: 1, runs: steps, budgetMs };
const versions: Record<string, string | null> = {
  node: process.version,
  tfjs: tf.version.tfjs,
  chromium: null,
  torch: null,
};
const notes: string[] = [];

async function save(): Promise<void> {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    os: release(),
  };
  const settings = { batch, evalBatch, steps, budgetMs, maxStepMs };
  await mkdir(dirname(out), { recursive: true });
  // PyTorch per preset, also for a preset none of our targets could measure.
  const pytorchByPreset = Object.fromEntries(pytorch);
  const doc = {
    date: new Date().toISOString(),
    machine,
    versions,
    settings,
    notes,
    rows,
    pytorch: pytorchByPreset,
    formulations,
  };
  await writeFile(out, `${JSON.stringify(doc, null, 2)}\n`);
}

const pytorch = new Map<PresetName, PytorchResult>();
const torch =
  env.BENCH_PYTORCH === 'off' ? { version: null, reason: 'BENCH_PYTORCH=off' } : await torchVersion();
versions.torch = torch.version;
if (torch.version === null) notes.push(`PyTorch skipped: ${torch.reason}`);
for (const preset of torch.version === null ? [] : presets) {
  console.log(`PyTorch ${preset}...`);
  try {
    pytorch.set(preset, await measurePytorch(presetArch(preset), { batch, evalBatch, steps, budgetMs }));
  } catch (e) {
    notes.push(`PyTorch ${preset} failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Measures every preset on one target, skipping what the smaller presets predict is too slow. */
async function runTarget(
  target: Target,
  adapter: () => string | null,
  run: (preset: PresetName) => Promise<Measurement>,
): Promise<void> {
  for (const preset of presets) {
    const flopsPerStep = trainingFlops(presetArch(preset), batch).total;
    const predicted = predictedStepMs(flopsPerStep, rows, target);
    const label = `${target.runtime}-${target.backend} ${preset}`;
    if (predicted !== null && predicted > maxStepMs) {
      const skipped = `predicted ${(predicted / 1000).toFixed(0)} s per step from the smaller presets' GFLOP/s (BENCH_MAX_STEP_S=${maxStepMs / 1000})`;
      console.log(`${label}: skipped, ${skipped}`);
      rows.push(unmeasuredRow(target, preset, batch, adapter(), { skipped }));
    } else {
      console.log(`${label}...`);
      try {
        const measurement = await run(preset);
        rows.push(withPytorch(measurement, target.runtime, adapter(), pytorch.get(preset) ?? null));
      } catch (e) {
        console.log(`${label}: ${(e as Error).message}`);
        rows.push(unmeasuredRow(target, preset, batch, adapter(), { error: (e as Error).message }));
      }
    }
    await save();
  }
}

// Each Node measurement runs in its own process: see bench/nodeChild.ts.
const nodeTimeoutMs = 30 * budgetMs + 20 * maxStepMs;
for (const target of targets.filter((t) => t.runtime === 'node')) {
  if (!(NODE_BACKENDS as readonly string[]).includes(target.backend))
    throw new Error(`Node runs ${NODE_BACKEND_USAGE} only`);
  const backend = target.backend as NodeBackendName;
  console.log(`node-${backend} convolution formulations...`);
  let adapter: string | null = null;
  try {
    const r = await inChildProcess(
      { type: 'formulations', backend, shape: convShape, plan: formulationPlan },
      nodeTimeoutMs,
    );
    adapter = r.adapter;
    formulations.push(...r.timings.map((t) => ({ ...t, runtime: target.runtime })));
  } catch (e) {
    notes.push(`node-${backend} formulations failed: ${(e as Error).message}`);
  }
  await runTarget(
    target,
    () => adapter,
    async (preset) => {
      const r = await inChildProcess({ type: 'measure', backend, options: options(preset) }, nodeTimeoutMs);
      adapter = r.adapter;
      return r.measurement;
    },
  );
}

const chromiumTargets = targets.filter((t) => t.runtime === 'chromium');
if (chromiumTargets.length > 0) {
  const browser = await ChromiumBench.launch(chromiumTargets.map((t) => t.backend));
  versions.chromium = browser.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? browser.userAgent;
  try {
    for (const target of chromiumTargets) {
      let session;
      try {
        session = await browser.start(target.backend);
      } catch (e) {
        notes.push(`chromium-${target.backend} did not start: ${(e as Error).message}`);
        continue;
      }
      try {
        // A generous ceiling, so a hung GPU process cannot stall the whole run.
        const timeoutMs = 30 * budgetMs + 20 * maxStepMs;
        console.log(`chromium-${target.backend} convolution formulations...`);
        try {
          const timings = await session.formulations(convShape, formulationPlan, timeoutMs);
          formulations.push(...timings.map((t) => ({ ...t, runtime: target.runtime })));
        } catch (e) {
          notes.push(`chromium-${target.backend} formulations failed: ${(e as Error).message}`);
        }
        await runTarget(
          target,
          () => session.ready.adapter,
          (preset) => session.measure(options(preset), timeoutMs),
        );
      } finally {
        await session.close();
      }
    }
  } finally {
    await browser.close();
  }
}

await save();
console.log(`\n${formatTable(rows)}\n\n${formatFormulations(formulations)}\n`);
for (const note of notes) console.log(`note: ${note}`);
console.log(`written to ${out}`);
