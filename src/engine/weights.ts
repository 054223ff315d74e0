/** A run's weights as an `sll-lab/weights` file, and the checks before a file replaces them. */
import type { AdamState } from '../kernels/adam.ts';
import type { EvaluationSummary, MetricsPoint } from '../protocol.ts';
import type { Arch } from '../sll/arch.ts';
import { type ParamMap, type ParamSpec, toInternal, toPytorch } from '../sll/params.ts';
import { type TrainConfig, readTrainConfig } from '../sll/trainConfig.ts';
import { readWeights } from '../sll/weightsFile.ts';
import { type LoadedWeights, serializeWeights } from '../sll/weightsJson.ts';
import { TrainerError } from './errors.ts';
import { type Run, describeArch } from './run.ts';

/**
 * The current weights, with the run's config and latest metrics and evaluation; with
 * `withOptimizer`, Adam's state too, which makes the file a checkpoint that training can continue.
 */
export async function exportRunWeights(run: Run, exportedAt: string, withOptimizer = false): Promise<string> {
  const params = await run.model.exportParams();
  const extras = {
    config: run.config,
    step: run.step,
    metrics: run.metrics.at(-1) ?? null,
    evaluation: run.evaluations.at(-1) ?? null,
    exportedAt,
  };
  if (!withOptimizer) return serializeWeights(run.model.arch, params, extras);
  const { step, m, v } = await run.adam.exportState();
  const inPytorchLayout = (values: Float32Array[]): ParamMap =>
    new Map(run.model.specs.map((spec, i) => [spec.name, toPytorch(spec, values[i])]));
  return serializeWeights(run.model.arch, params, extras, {
    step,
    expAvg: inPytorchLayout(m),
    expAvgSq: inPytorchLayout(v),
  });
}

/**
 * Reads a weights file (the lab's JSON or a PyTorch checkpoint). When a file for another network
 * may not replace the current one, the error names both networks.
 */
export function readWeightsFor(
  file: string | Uint8Array,
  current: Arch | null,
  asNewModel: boolean,
): LoadedWeights {
  const loaded = readWeights(file);
  if (!asNewModel && !sameArch(loaded.arch, current)) {
    throw new TrainerError(
      'ArchitectureMismatch',
      `these weights are for a different network (${describeArch(loaded.arch)}) than the current one` +
        (current ? ` (${describeArch(current)})` : ''),
      'load them as a new model, or change the architecture to match',
    );
  }
  return loaded;
}

export function sameArch(a: Arch, b: Arch | null): boolean {
  return b !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** What a weights file says of the run it came from, beyond its weights. */
export interface FileRun {
  /** The file's own config when it carries a valid one for these weights, else `base` with the file's arch. */
  config: TrainConfig;
  /** The step it was saved at: the lab's `step`, or the authors' `global_step`. */
  step: number | null;
  /** Adam's moments in the model's internal layout, when the file has them. */
  adam: AdamState | null;
  metrics: MetricsPoint[];
  evaluations: EvaluationSummary[];
}

export function fileRun(loaded: LoadedWeights, base: TrainConfig, specs: ParamSpec[]): FileRun {
  const own = readTrainConfig(loaded.extras.config);
  const config =
    own && sameArch(own.arch, loaded.arch)
      ? { ...own, evalEvery: base.evalEvery, evalSubset: base.evalSubset }
      : { ...base, arch: loaded.arch, preset: 'custom' as const };
  const stepValue = loaded.extras.step ?? loaded.extras.global_step;
  const step = Number.isInteger(stepValue) && (stepValue as number) >= 0 ? (stepValue as number) : null;
  const o = loaded.optimizer;
  const adam = o
    ? {
        step: o.step,
        m: specs.map((spec) => toInternal(spec, o.expAvg.get(spec.name)!)),
        v: specs.map((spec) => toInternal(spec, o.expAvgSq.get(spec.name)!)),
      }
    : null;
  const metrics = isRecordOfNumbers(loaded.extras.metrics, METRICS_KEYS)
    ? [loaded.extras.metrics as unknown as MetricsPoint]
    : [];
  const evaluation = loaded.extras.evaluation as Partial<EvaluationSummary> | null | undefined;
  const evaluations =
    isRecordOfNumbers(evaluation, SUMMARY_KEYS) && Array.isArray(evaluation?.certified)
      ? [evaluation as EvaluationSummary]
      : [];
  return { config, step, adam, metrics, evaluations };
}

const METRICS_KEYS = ['step', 'epoch', 'loss', 'trainAccuracy', 'learningRate', 'imagesPerSecond'] as const;
const SUMMARY_KEYS = ['step', 'n', 'naturalAccuracy', 'imagesPerSecond'] as const;

function isRecordOfNumbers(x: unknown, keys: readonly string[]): boolean {
  if (typeof x !== 'object' || x === null) return false;
  return keys.every((k) => typeof (x as Record<string, unknown>)[k] === 'number');
}
