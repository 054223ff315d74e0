/**
 * The `watchLayerGains` command's state (docs/audit.md): every N training steps a refresh of each
 * SLL layer's gain with a small budget, between two steps; when asked while no run trains, a full
 * estimate on a snapshot of the weights, beside the command queue.
 */
import type { LoadedDataset } from '../data/dataset.ts';
import { makeBatch } from '../data/batches.ts';
import { LayerGainTracker } from '../kernels/layerGains.ts';
import type { SllModel } from '../kernels/model.ts';
import { snapshotModel } from '../kernels/modelSnapshot.ts';
import type { WorkerEvent } from '../protocol.ts';
import { TrainerError } from './errors.ts';

/**
 * Power-iteration steps per layer and probe: a few per refresh between training steps (warm
 * starts carry the estimate on), and enough for a converged estimate when nothing trains.
 */
export const GAIN_ITERATIONS = { live: 5, full: 100 } as const;

/** Training images whose activations are the data points of the local estimate. */
export const GAIN_DATA_POINTS = 4;

export class LayerGainWatch {
  private every = 0;
  /** A refresh is owed: the command arrived while a run was training, or before any model existed. */
  private requested = false;
  private busy = false;
  private tracker: { data: LoadedDataset; tracker: LayerGainTracker } | null = null;

  constructor(private readonly emit: (event: WorkerEvent) => void) {}

  /** Refreshes every `steps` training steps from now on (0: never), and one as soon as it can. */
  watch(steps: number): void {
    if (!(Number.isInteger(steps) && steps >= 0))
      throw new TrainerError(
        'ConfigError',
        `layer gains are refreshed every N steps, N a whole number; got ${steps}`,
      );
    this.every = steps;
    this.requested = true;
  }

  /** Between two training steps: a refresh when one is due and none is in flight, so training never waits on one. */
  async afterStep(model: SllModel, step: number, data: LoadedDataset): Promise<void> {
    const due = this.requested || (this.every > 0 && step % this.every === 0);
    if (!due || this.busy) return;
    this.requested = false;
    await this.exclusively(() => this.refresh(model, step, data, GAIN_ITERATIONS.live));
  }

  /** A full estimate on a snapshot of `model` (no run is training, so nothing else refreshes). */
  async estimateNow(model: SllModel, step: number, data: LoadedDataset): Promise<void> {
    if (this.busy) return; // the one in flight answers, and `requested` stays for the next step
    this.requested = false;
    await this.exclusively(async () => {
      const frozen = await snapshotModel(model);
      try {
        await this.refresh(frozen, step, data, GAIN_ITERATIONS.full);
      } finally {
        frozen.dispose();
      }
    });
  }

  dispose(): void {
    this.tracker?.tracker.dispose();
    this.tracker = null;
  }

  /** One refresh at a time: they share the tracker's probes. */
  private async exclusively(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await work();
    } finally {
      this.busy = false;
    }
  }

  private async refresh(
    model: SllModel,
    step: number,
    data: LoadedDataset,
    iterations: number,
  ): Promise<void> {
    const gains = await this.trackerFor(data).refresh(model, iterations);
    this.emit({ type: 'layerGains', gains: { step, ...gains } });
  }

  /** One tracker per dataset: its first training images are the data points. */
  private trackerFor(data: LoadedDataset): LayerGainTracker {
    if (this.tracker?.data !== data) {
      this.dispose();
      const n = Math.min(GAIN_DATA_POINTS, data.train.n);
      const { images, labels } = makeBatch(
        data.train,
        Int32Array.from({ length: n }, (_, i) => i),
      );
      labels.dispose();
      this.tracker = { data, tracker: new LayerGainTracker(images) };
    }
    return this.tracker.tracker;
  }
}
