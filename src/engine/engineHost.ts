/**
 * Everything the training worker does, as a plain class: commands in, events out. The worker file
 * only wires it to postMessage; tests drive it directly.
 */
import type { BackendReady } from './backends.ts';
import { importCifar } from '../data/cifarArchive.ts';
import type { DatasetStore } from '../data/datasetStore.ts';
import type { CheckpointStore } from './checkpoints.ts';
import type { Command, WorkerEvent } from '../protocol.ts';
import type { BackendChoice, BackendName } from '../sll/backendNames.ts';
import { Trainer, type TrainingData } from './trainer.ts';

export interface HostDeps {
  post(event: WorkerEvent): void;
  /** Starts the chosen backend (or the next that works), excluding any in `avoid`. */
  selectBackend(choice: BackendChoice, avoid: BackendName[]): Promise<BackendReady>;
  loadData(dataset: string, post: (event: WorkerEvent) => void): Promise<TrainingData>;
  store: CheckpointStore;
  /** Imported datasets (IndexedDB in the browser). */
  datasets: DatasetStore;
  now(): number;
  yieldToEvents(): Promise<void>;
}

export class WorkerHost {
  private readonly trainer: Trainer;
  private backend: BackendName | null = null;
  private recovering = false;

  constructor(private readonly deps: HostDeps) {
    this.trainer = new Trainer({
      emit: (e) => this.onTrainerEvent(e),
      loadData: (id) => deps.loadData(id, deps.post),
      store: deps.store,
      now: deps.now,
      yieldToEvents: deps.yieldToEvents,
    });
  }

  get trainerForTests(): Trainer {
    return this.trainer;
  }

  /** Picks a backend, reports it, and offers a stored checkpoint. */
  async init(choice: BackendChoice = 'auto'): Promise<void> {
    await this.useBackend(choice, []);
    await this.postDatasets(null);
    await this.trainer.announceCheckpoint();
  }

  private queue: Promise<void> = Promise.resolve();

  /**
   * Commands run one after another, in arrival order (a resume must wait for the restore before
   * it); `start` only waits for the run to be loaded, so a later pause can reach the loop.
   */
  handle(command: Command): Promise<void> {
    const next = this.queue.then(() => this.handleNow(command));
    this.queue = next;
    return next;
  }

  private async handleNow(command: Command): Promise<void> {
    try {
      switch (command.type) {
        case 'configure':
          this.trainer.configure(command.config);
          return;
        case 'start':
        case 'resume': {
          // The loop is not awaited: it runs while later commands (pause, stop, evaluate) arrive.
          const loop = this.trainer.start().catch((e) => this.report(e));
          await this.trainer.whenStarted();
          void loop;
          return;
        }
        case 'pause':
          return await this.trainer.pause();
        case 'reset':
          return await this.trainer.reset();
        case 'evaluate':
          return await this.trainer.requestEvaluation(command.subset);
        case 'exportWeights':
          this.deps.post({ type: 'weights', text: await this.trainer.exportWeights() });
          return;
        case 'importWeights':
          await this.trainer.importWeights(command.text, command.asNewModel);
          await this.trainer.requestEvaluation('full');
          return;
        case 'restoreCheckpoint':
          await this.trainer.restoreCheckpoint();
          return;
        case 'importDataset':
          return await this.importDataset(command.files);
        case 'chooseBackend':
          await this.trainer.pause();
          await this.useBackend(command.backend, []);
          await this.trainer.restoreCheckpoint();
          return;
        default: {
          const unknown: never = command;
          throw new Error(`unknown command ${JSON.stringify(unknown)}`);
        }
      }
    } catch (e) {
      this.report(e);
    }
  }

  /** Parses an archive here, in the worker; a bad one leaves the stored datasets as they were. */
  private async importDataset(files: { name: string; bytes: Uint8Array }[]): Promise<void> {
    const imported = importCifar(files);
    const source = files.map((f) => f.name).join(', ');
    const id = `${imported.kind}-${Date.now().toString(36)}`;
    await this.deps.datasets.put({
      id,
      info: imported.info,
      source,
      importedAt: new Date(this.deps.now()).toISOString(),
      train: imported.train,
      test: imported.test,
    });
    await this.postDatasets(id);
  }

  private async postDatasets(added: string | null): Promise<void> {
    const list = await this.deps.datasets.list();
    this.deps.post({
      type: 'datasets',
      added,
      imported: list.map((d) => ({
        id: d.id,
        name: d.info.name,
        source: d.source,
        classes: d.info.classNames.length,
        trainCount: d.trainCount,
        testCount: d.testCount,
      })),
    });
  }

  private async useBackend(choice: BackendChoice, avoid: BackendName[]): Promise<void> {
    const ready = await this.deps.selectBackend(choice, avoid);
    this.backend = ready.backend;
    this.deps.post({ type: 'ready', ...ready });
  }

  /** A lost GPU: move to the next backend and continue from the last checkpoint. */
  private onTrainerEvent(event: WorkerEvent): void {
    this.deps.post(event);
    if (event.type === 'error' && event.name === 'DeviceLost' && !this.recovering && this.backend) {
      this.recovering = true;
      const lost = this.backend;
      void this.useBackend('auto', [lost])
        .then(() => this.trainer.restoreCheckpoint())
        .catch((e) => this.report(e))
        .finally(() => {
          this.recovering = false;
        });
    }
  }

  private report(e: unknown): void {
    const err = e as Error & { hint?: string | null };
    this.deps.post({
      type: 'error',
      name: err.name ?? 'Error',
      message: err.message ?? String(e),
      hint: err.hint ?? null,
    });
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
