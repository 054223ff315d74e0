/** A run's weights as an `sll-lab/weights` file, and the checks before a file replaces them. */
import type { Arch } from '../sll/arch.ts';
import { type ParamMap, toPytorch } from '../sll/params.ts';
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
