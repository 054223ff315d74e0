/**
 * Which settings describe a different network or recipe than the model the worker holds: they are
 * "pending" (they apply to the next new run) and the page marks them, so what it shows never
 * pretends to describe the running model.
 */
import { type TrainConfig, sameRun } from '../sll/trainConfig.ts';
import { type Settings, toTrainConfig } from './settings.ts';

/** Settings whose value defines the run, with how each reads from a TrainConfig. */
const RUN_SETTINGS = {
  dataset: (c) => c.dataset,
  nConv: (c) => c.arch.nConv,
  nDense: (c) => c.arch.nDense,
  width: (c) => c.arch.width,
  loss: (c) => c.loss,
  learningRate: (c) => c.learningRate,
  batchSize: (c) => c.batchSize,
  epochs: (c) => c.epochs,
  augment: (c) => c.augment,
  seed: (c) => c.seed,
  trainImages: (c) => c.trainLimit,
} satisfies Partial<Record<keyof Settings, (c: TrainConfig) => unknown>>;

/** 'preset' stands for the rest of the architecture (a loaded file's inner widths, say). */
export type RunSetting = keyof typeof RUN_SETTINGS | 'preset';

/** The settings that differ from the held model's configuration (none when there is no model). */
export function pendingSettings(settings: Settings, model: TrainConfig | null): RunSetting[] {
  if (model === null) return [];
  const wanted = toTrainConfig(settings);
  const differing: RunSetting[] = (Object.keys(RUN_SETTINGS) as (keyof typeof RUN_SETTINGS)[]).filter(
    (key) => RUN_SETTINGS[key](wanted) !== RUN_SETTINGS[key](model),
  );
  if (differing.length === 0 && !sameRun(model, wanted)) differing.push('preset');
  return differing;
}
