/**
 * The engine behind the protocol: commands in, events out, one at a time. The browser worker and
 * tests drive it the same way; it knows nothing of postMessage.
 */
import { importCifar } from '../data/cifarArchive.ts';
import type { LoadedDataset } from '../data/dataset.ts';
import type { DatasetStore } from '../data/datasetStore.ts';
import type { Command, ProgressTask, WorkerEvent } from '../protocol.ts';
import type { BackendChoice, BackendName } from '../sll/backendNames.ts';
import { Auditor } from './auditor.ts';
import type { BackendReady } from './backends.ts';
import type { CheckpointStore } from './checkpoints.ts';
import { DeviceLostError, errorEvent } from './errors.ts';
import { ProgressReporter, withProgress } from './progress.ts';
import { Trainer } from './trainer.ts';

export interface HostDeps {
  post(event: WorkerEvent): void;
  /** Starts the chosen backend (or the next that works), excluding any in `avoid`. */
  selectBackend(choice: BackendChoice, avoid: BackendName[]): Promise<BackendReady>;
  loadData(dataset: string, post: (event: WorkerEvent) => void): Promise<LoadedDataset>;
  store: CheckpointStore;
  /** Imported datasets (IndexedDB in the browser). */
  datasets: DatasetStore;
  now(): number;
  yieldToEvents(): Promise<void>;
}

/** Commands that wait their turn in the queue; audits have their own lane. */
type QueuedCommand = Exclude<Command, { type: 'audit' | 'cancelAudit' }>;

export class EngineHost {
  private readonly trainer: Trainer;
  private readonly auditor: Auditor;
  /** Bumped on every backend change, so a loss reported by a replaced backend is ignored. */
  private backendGeneration = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: HostDeps) {
    this.trainer = new Trainer({
      emit: deps.post,
      loadData: (id) => deps.loadData(id, deps.post),
      store: deps.store,
      now: deps.now,
      yieldToEvents: deps.yieldToEvents,
    });
    this.auditor = new Auditor({
      post: deps.post,
      now: deps.now,
      held: () => {
        const { model, data } = this.trainer;
        return model && data ? { model, step: this.trainer.currentStep, test: data.test } : null;
      },
    });
  }

  /** Picks a backend, reports it, and offers a stored checkpoint. */
  async init(choice: BackendChoice = 'auto'): Promise<void> {
    await this.useBackend(choice, []);
    await this.postDatasets(null);
    await this.trainer.announceCheckpoint();
  }

  /**
   * Commands run one after another, in arrival order (a resume must wait for the restore before
   * it); `start` only waits for the run to be loaded, so a later pause can reach the loop. An
   * audit waits for the commands before it, then runs in the auditor's lane; a cancel acts at once.
   */
  handle(command: Command): Promise<void> {
    if (command.type === 'audit') return this.auditor.run(command.id, command.job, this.queue);
    if (command.type === 'cancelAudit') {
      this.auditor.cancel(command.id);
      return Promise.resolve();
    }
    return this.enqueue(() => this.handleNow(command));
  }

  dispose(): void {
    void this.auditor.cancelAll();
    this.trainer.dispose();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => task().catch((e) => this.deps.post(errorEvent(e))));
    this.queue = next;
    return next;
  }

  private async handleNow(command: QueuedCommand): Promise<void> {
    switch (command.type) {
      case 'configure':
        return this.trainer.configure(command.config);
      case 'start':
      case 'resume': {
        // The loop is not awaited: it runs while later commands (pause, evaluate) arrive.
        void this.trainer.start().catch((e) => this.deps.post(errorEvent(e)));
        return this.trainer.whenStarted();
      }
      case 'pause':
        return this.trainer.pause();
      case 'reset':
        await this.auditor.cancelAll();
        return this.trainer.reset();
      case 'evaluate':
        return this.trainer.requestEvaluation(command.subset);
      case 'exportWeights':
        this.deps.post({ type: 'weights', text: await this.trainer.exportWeights(command.withOptimizer) });
        return;
      case 'exportOnnx':
        this.deps.post({ type: 'onnx', bytes: await this.trainer.exportOnnx() });
        return;
      case 'importWeights':
        // Parsing and loading the file; the evaluation that follows reports its own progress.
        await this.withProgress('weights', 'files', () =>
          this.trainer.importWeights(command.file, command.asNewModel),
        );
        return this.trainer.requestEvaluation('full');
      case 'restartSchedule':
        return this.trainer.restartSchedule();
      case 'restoreCheckpoint':
        await this.withProgress('restore', 'checkpoints', () => this.trainer.restoreCheckpoint());
        return;
      case 'importDataset':
        return this.importDataset(command.files);
      case 'watchLayerGains':
        return this.trainer.watchLayerGains(command.steps);
      case 'chooseBackend':
        await this.trainer.pause();
        await this.auditor.cancelAll();
        await this.useBackend(command.backend, []);
        await this.trainer.restoreCheckpoint();
        return;
      default: {
        const unknown: never = command;
        throw new Error(`unknown command ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Runs one long operation of the page's between a start and an end `progress` event. */
  private withProgress<T>(task: ProgressTask, unit: string, work: () => Promise<T>): Promise<T> {
    return withProgress(new ProgressReporter(this.deps.post, this.deps.now, task, 1, unit), work);
  }

  /** Parses an archive here, in the worker; a bad one leaves the stored datasets as they were. */
  private async importDataset(files: { name: string; bytes: Uint8Array }[]): Promise<void> {
    const imported = importCifar(files);
    const id = `${imported.kind}-${Date.now().toString(36)}`;
    await this.deps.datasets.put({
      id,
      info: imported.info,
      source: files.map((f) => f.name).join(', '),
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
    const { backend, adapter, fallbacks, lost } = await this.deps.selectBackend(choice, avoid);
    const generation = ++this.backendGeneration;
    this.deps.post({ type: 'ready', backend, adapter, fallbacks });
    void lost?.then((reason) => {
      if (generation === this.backendGeneration) void this.recoverFromLostDevice(backend, reason);
    });
  }

  /**
   * A lost GPU: the run stops where it is (its weights on that device are gone), the next backend
   * starts, and training continues from the last checkpoint once the user resumes.
   */
  private async recoverFromLostDevice(lost: BackendName, reason: string): Promise<void> {
    this.deps.post(errorEvent(new DeviceLostError(lost, reason)));
    await this.trainer.stop();
    await this.enqueue(async () => {
      await this.auditor.cancelAll();
      await this.useBackend('auto', [lost]);
      await this.trainer.restoreCheckpoint();
    });
  }
}
