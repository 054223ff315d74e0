import type { BackendName } from '../sll/backendNames.ts';
import {
  estimateTrainingMemory,
  fitsBackend,
  formatBytes,
  secondsPerEpoch,
  steadyImagesPerSecond,
} from '../sll/memoryEstimate.ts';
import type { LabState } from '../store/labStore.ts';
import { toTrainConfig } from '../store/settings.ts';
import { useLab } from './lab.ts';

/** CIFAR-10's training split; an imported dataset says its own. */
const CIFAR10_TRAIN_IMAGES = 50_000;

/** The backend a run would use: the running one, else the one forced in the settings (null: not known yet). */
function backendOf(s: LabState): BackendName | null {
  return s.backend?.name ?? (s.settings.backend === 'auto' ? null : s.settings.backend);
}

function trainImagesOf(s: LabState): number {
  const { dataset, trainImages } = s.settings;
  const imported = s.importedDatasets.find((d) => d.id === dataset);
  const available = imported?.trainCount ?? CIFAR10_TRAIN_IMAGES;
  return trainImages > 0 ? Math.min(trainImages, available) : available;
}

/**
 * Images per second measured on the held model, when it is the network and batch the settings
 * describe (the speed of another network says nothing about this one); null before its first steps.
 */
function measuredRate(s: LabState): number | null {
  const held = s.modelConfig;
  const wanted = toTrainConfig(s.settings);
  if (!held || held.batchSize !== wanted.batchSize) return null;
  if (JSON.stringify(held.arch) !== JSON.stringify(wanted.arch)) return null;
  return steadyImagesPerSecond(s.metrics.map((m) => m.imagesPerSecond));
}

function roughDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * What the next run needs before it starts: its peak memory (weights and Adam, activations at the
 * batch size, the Gram matrices), whether that fits the backend (a refusal says the way out), and
 * the time per epoch once its speed is measured.
 */
export function RunEstimate() {
  const settings = useLab((s) => s.settings);
  const backend = useLab(backendOf);
  const trainImages = useLab(trainImagesOf);
  const rate = useLab(measuredRate);
  const { arch, batchSize } = toTrainConfig(settings);
  const e = estimateTrainingMemory(arch, batchSize, backend);
  const verdict = fitsBackend(arch, batchSize, backend);
  return (
    <section className="panel estimate" aria-label="Run estimate" data-testid="estimate">
      <h2>Estimate</h2>
      <p data-testid="estimate.memory">
        Memory ≈ {formatBytes(e.totalBytes)} (weights+Adam {formatBytes(e.weightsBytes + e.optimizerBytes)},
        activations {formatBytes(e.activationBytes)} at batch {batchSize}, Gram {formatBytes(e.gramBytes)})
        {verdict.level === 'ok' && verdict.text ? ` · ${verdict.text}` : ''}
      </p>
      {verdict.level !== 'ok' ? (
        <p className="pending-note" data-testid="estimate.verdict" data-level={verdict.level}>
          {verdict.text}
          {verdict.hint ? <span className="note"> ({verdict.hint})</span> : null}
        </p>
      ) : null}
      <p data-testid="estimate.time">
        {rate === null
          ? 'Time per epoch: measured after the first steps'
          : `≈ ${roughDuration(secondsPerEpoch(trainImages, batchSize, rate))} per epoch${backend ? ` on ${backend}` : ''} (measured)`}
      </p>
    </section>
  );
}
