/**
 * The training engine behind the worker: a plain class that Node tests drive directly. It owns the
 * model, the optimiser and the run's position; the data source, the checkpoint store and the event
 * sink are passed in.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch, NO_AUGMENT, OFFICIAL_AUGMENT } from '../data/augment.ts';
import { evalBatchIndices, makeBatch, trainBatchIndices } from '../data/batches.ts';
import type { LoadedDataset } from '../data/dataset.ts';
import { Adam, OFFICIAL_ADAM } from '../kernels/adam.ts';
import { validateArch } from '../sll/arch.ts';
import { PAPER_EPSILONS, certifiedAccuracy, naturalAccuracy } from '../sll/certify.ts';
import { Evaluator } from '../kernels/evaluator.ts';
import { SllModel } from '../kernels/model.ts';
import { createRng, deriveSeed } from '../sll/rng.ts';
import { learningRateAt, totalSteps } from '../sll/schedule.ts';
import { trainStep } from '../kernels/training.ts';
import { parseWeights, serializeWeights } from '../sll/weightsJson.ts';
import { type Checkpoint, CHECKPOINT_VERSION, type CheckpointStore } from './checkpoints.ts';
import type { EvaluationSummary, MetricsPoint, RunState, WorkerEvent } from '../protocol.ts';
import type { TrainConfig } from '../sll/trainConfig.ts';

export type TrainingData = LoadedDataset;

export interface TrainerDeps {
  emit(event: WorkerEvent): void;
  /** Loads a dataset by id (reporting its own progress through `emit`). */
  loadData(dataset: string): Promise<TrainingData>;
  store: CheckpointStore;
  now(): number;
  /** Lets queued commands (pause, stop) in between steps without reading anything back. */
  yieldToEvents(): Promise<void>;
  /** Least time between metrics events (default 100 ms: at most ~10 messages a second). */
  metricsIntervalMs?: number;
}

/** A user-facing failure: what happened, and what to do about it. */
export class TrainerError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

const EVAL_BATCH = 250;
/** Test images the page shows with their predictions and radii. */
export const SAMPLE_COUNT = 24;
/** Fields whose change makes a different run; the others (eps, evaluation, checkpoints) do not. */
const RUN_FIELDS = [
  'preset',
  'arch',
  'dataset',
  'loss',
  'learningRate',
  'batchSize',
  'epochs',
  'augment',
  'seed',
] as const;

interface Run {
  config: TrainConfig;
  data: TrainingData;
  model: SllModel;
  adam: Adam;
  step: number;
  totalSteps: number;
  stepsPerEpoch: number;
  metrics: MetricsPoint[];
  evaluations: EvaluationSummary[];
}

/** Losses and hit counts not yet read back from the device. */
interface Pending {
  loss: tf.Scalar;
  correct: tf.Scalar;
  batch: number;
}

export function sameRun(a: TrainConfig, b: TrainConfig): boolean {
  return RUN_FIELDS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export class Trainer {
  private config: TrainConfig | null = null;
  private run: Run | null = null;
  private state: RunState = 'idle';
  private stopRequested: 'pause' | 'stop' | null = null;
  /** The current start(): loading, then the training loop. */
  private loop: Promise<void> | null = null;
  private pending: Pending[] = [];
  private lastMetricsAt = 0;
  private lastMetricsStep = 0;
  private evaluationRequest: number | 'full' | null = null;
  private lastCheckpointAt = 0;
  private loadedWaiters: (() => void)[] = [];

  constructor(private readonly deps: TrainerDeps) {}

  get runState(): RunState {
    return this.state;
  }

  get currentStep(): number {
    return this.run?.step ?? 0;
  }

  /** The model of the current run, for tests and exports. */
  get model(): SllModel | null {
    return this.run?.model ?? null;
  }

  /** Applies settings; a change to what defines the run discards the current one (eps never does). */
  configure(config: TrainConfig): void {
    validateArch(config.arch);
    if (!Number.isInteger(config.batchSize) || config.batchSize < 1) {
      throw new TrainerError('ConfigError', `batch size must be a positive integer, got ${config.batchSize}`);
    }
    if (!Number.isInteger(config.epochs) || config.epochs < 1) {
      throw new TrainerError('ConfigError', `epochs must be a positive integer, got ${config.epochs}`);
    }
    if (!(config.learningRate > 0))
      throw new TrainerError('ConfigError', 'the learning rate must be positive');
    if (this.run && !sameRun(this.run.config, config)) {
      if (this.state === 'running')
        throw new TrainerError('Busy', 'pause or stop training before changing the network or the recipe');
      this.disposeRun();
      this.setState('idle');
    } else if (this.run) {
      this.run.config = config;
    }
    this.config = config;
  }

  /** Starts a new run from the configuration, or continues the current one. */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'loading') return this.loop ?? undefined;
    this.stopRequested = null;
    this.loop = this.loadAndTrain();
    await this.loop;
  }

  resume(): Promise<void> {
    return this.start();
  }

  /** Resolves once the run is loaded and the loop has begun (or ended, or failed to load). */
  whenStarted(): Promise<void> {
    if (this.state !== 'loading') return Promise.resolve();
    return new Promise((resolve) => this.loadedWaiters.push(resolve));
  }

  /** Finishes the current step (or the loading), writes a checkpoint, and waits. */
  async pause(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'loading') return;
    this.stopRequested = 'pause';
    await this.loop;
  }

  /** Ends training early; the model stays for evaluation and export. */
  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'loading') return;
    this.stopRequested = 'stop';
    await this.loop;
  }

  private async loadAndTrain(): Promise<void> {
    if (!this.run) {
      if (!this.config) throw new TrainerError('ConfigError', 'configure the trainer before starting');
      this.setState('loading');
      try {
        this.run = await this.newRun(this.config);
        await this.saveCheckpoint();
      } catch (e) {
        this.setState('idle');
        throw e;
      }
    }
    if (this.run.step >= this.run.totalSteps) {
      this.setState('done');
      return;
    }
    this.setState('running');
    await this.trainLoop();
  }

  /** Discards the run, its model and its checkpoint. */
  async reset(): Promise<void> {
    await this.stop();
    this.disposeRun();
    await this.deps.store.clear();
    this.setState('idle');
  }

  /**
   * Evaluates now, or between two steps when training runs (the weights must not move while the
   * t-vectors computed for an evaluation are in use).
   */
  async requestEvaluation(subset: number | 'full'): Promise<void> {
    if (this.state === 'running') this.evaluationRequest = subset;
    else await this.evaluate(subset);
  }

  /** Natural and certified accuracy on the first `subset` test images (or all), with every radius. */
  async evaluate(subset: number | 'full'): Promise<EvaluationSummary> {
    const run = this.requireRun();
    const test = run.data.test;
    const n = subset === 'full' ? test.n : Math.min(Math.max(1, subset), test.n);
    const start = this.deps.now();
    const evaluator = await Evaluator.create(run.model);
    const predictions = new Int32Array(n);
    const radii = new Float64Array(n);
    try {
      for (const indices of evalBatchIndices(n, EVAL_BATCH)) {
        const batch = makeBatch(test, indices);
        try {
          const result = await evaluator.certifyBatch(batch.images);
          predictions.set(result.predictions, indices[0]);
          radii.set(result.radii, indices[0]);
        } finally {
          tf.dispose([batch.images, batch.labels]);
        }
      }
    } finally {
      evaluator.dispose();
    }
    const labels = Int32Array.from(test.labels.subarray(0, n));
    const certificates = { predictions, radii };
    const summary: EvaluationSummary = {
      step: run.step,
      n,
      naturalAccuracy: naturalAccuracy(predictions, labels),
      certified: PAPER_EPSILONS.map((eps) => ({
        eps,
        accuracy: certifiedAccuracy(certificates, labels, eps),
      })),
      imagesPerSecond: n / Math.max(1e-3, (this.deps.now() - start) / 1000),
    };
    run.evaluations.push(summary);
    this.deps.emit({ type: 'evaluation', ...summary, radii, predictions, labels });
    return summary;
  }

  /** The current weights as an sll-lab/weights v1 file, with the run's config and latest metrics. */
  async exportWeights(): Promise<string> {
    const run = this.requireRun();
    const params = await run.model.exportParams();
    return serializeWeights(run.model.arch, params, {
      config: run.config,
      step: run.step,
      metrics: run.metrics.at(-1) ?? null,
      evaluation: run.evaluations.at(-1) ?? null,
      exportedAt: new Date(this.deps.now()).toISOString(),
    });
  }

  /**
   * Loads weights into the current model. A file for another architecture is refused (the model
   * is untouched) unless `asNewModel`, which starts a new, idle run with the file's arch.
   */
  async importWeights(text: string, asNewModel = false): Promise<void> {
    if (this.state === 'running') throw new TrainerError('Busy', 'pause training before loading weights');
    const loaded = parseWeights(text);
    const run = this.run;
    if (run && JSON.stringify(loaded.arch) === JSON.stringify(run.model.arch)) {
      run.model.assignParams(loaded.params);
      return;
    }
    if (!asNewModel) {
      throw new TrainerError(
        'ArchitectureMismatch',
        `these weights are for a different network (${describeArch(loaded.arch)}) than the current one` +
          (run ? ` (${describeArch(run.model.arch)})` : ''),
        'load them as a new model, or change the architecture to match',
      );
    }
    const base = this.config ?? run?.config;
    if (!base) throw new TrainerError('ConfigError', 'configure the trainer before loading weights');
    const config: TrainConfig = { ...base, arch: loaded.arch, preset: 'custom' };
    const fresh = await this.newRun(config);
    fresh.model.assignParams(loaded.params);
    this.disposeRun();
    this.run = fresh;
    this.config = config;
    this.deps.emit({ type: 'model', config, step: 0 });
    this.setState('idle');
  }

  /** Offers the stored checkpoint, if any, to the page. */
  async announceCheckpoint(): Promise<Checkpoint | null> {
    const c = await this.deps.store.load();
    if (c)
      this.deps.emit({
        type: 'resumable',
        step: c.step,
        totalSteps: c.totalSteps,
        config: c.config,
        savedAt: c.savedAt,
      });
    return c;
  }

  /**
   * Rebuilds the run from the stored checkpoint (after a reload, a NaN or a lost device). The run
   * then continues exactly as an uninterrupted one would.
   */
  async restoreCheckpoint(): Promise<boolean> {
    if (this.state === 'running')
      throw new TrainerError('Busy', 'pause training before restoring a checkpoint');
    const c = await this.deps.store.load();
    if (!c) return false;
    this.disposeRun();
    const run = await this.newRun(c.config);
    this.applyCheckpoint(run, c);
    this.run = run;
    this.config = c.config;
    this.deps.emit({ type: 'model', config: c.config, step: run.step });
    this.deps.emit({ type: 'history', metrics: run.metrics, evaluations: run.evaluations });
    this.setState(run.step >= run.totalSteps ? 'done' : 'paused');
    return true;
  }

  dispose(): void {
    this.disposeRun();
  }

  private async newRun(config: TrainConfig): Promise<Run> {
    const data = limitTraining(await this.deps.loadData(config.dataset), config.trainLimit);
    const arch = validateArch(config.arch);
    if (data.info.classNames.length !== arch.nClasses) {
      throw new TrainerError(
        'ConfigError',
        `${data.info.name} has ${data.info.classNames.length} classes; the network has ${arch.nClasses}`,
      );
    }
    if (data.info.imageSize !== arch.imageSize || data.info.channels !== arch.inChannels) {
      throw new TrainerError('ConfigError', `${data.info.name} images do not fit the network's input`);
    }
    if (data.train.n < config.batchSize) {
      throw new TrainerError(
        'ConfigError',
        `the batch (${config.batchSize}) is larger than the training set (${data.train.n})`,
      );
    }
    this.emitSamples(data);
    const model = SllModel.initialize(arch, config.seed);
    return {
      config,
      data,
      model,
      adam: new Adam(model.variables, OFFICIAL_ADAM),
      step: 0,
      totalSteps: totalSteps(config.epochs, data.train.n, config.batchSize),
      stepsPerEpoch: Math.floor(data.train.n / config.batchSize),
      metrics: [],
      evaluations: [],
    };
  }

  private emitSamples(data: TrainingData): void {
    const { test, info } = data;
    const n = Math.min(SAMPLE_COUNT, test.n);
    const size = test.imageSize * test.imageSize * test.channels;
    this.deps.emit({
      type: 'samples',
      images: test.images.slice(0, n * size),
      labels: Int32Array.from(test.labels.subarray(0, n)),
      imageSize: test.imageSize,
      channels: test.channels,
      classNames: info.classNames,
    });
  }

  private async trainLoop(): Promise<void> {
    const run = this.requireRun();
    const start = { at: this.deps.now(), step: run.step };
    this.lastMetricsAt = start.at;
    this.lastMetricsStep = run.step;
    let epochIndex = -1;
    let order: Int32Array[] = [];
    try {
      while (this.stopRequested === null && run.step < run.totalSteps) {
        const epoch = Math.floor(run.step / run.stepsPerEpoch);
        if (epoch !== epochIndex) {
          epochIndex = epoch;
          order = trainBatchIndices(
            run.data.train.n,
            run.config.batchSize,
            createRng(deriveSeed(run.config.seed, 1, epoch)).uniform,
          );
        }
        this.pending.push(this.oneStep(run, order[run.step % run.stepsPerEpoch]));
        run.step += 1;
        const atEpochEnd = run.step % run.stepsPerEpoch === 0;
        const evalNow = run.config.evalEvery > 0 ? run.step % run.config.evalEvery === 0 : atEpochEnd;
        const checkpointNow =
          (run.config.checkpointEvery > 0 && run.step % run.config.checkpointEvery === 0) ||
          (run.config.checkpointSeconds > 0 &&
            this.deps.now() - this.lastCheckpointAt >= run.config.checkpointSeconds * 1000);
        const interval = this.deps.metricsIntervalMs ?? 100;
        const last = run.step === run.totalSteps;
        if (evalNow || checkpointNow || last || this.deps.now() - this.lastMetricsAt >= interval) {
          if (!(await this.flushMetrics(run))) return;
        }
        if (evalNow || last) await this.evaluate(run.config.evalSubset);
        if (this.evaluationRequest !== null) {
          const subset = this.evaluationRequest;
          this.evaluationRequest = null;
          await this.evaluate(subset);
        }
        if (checkpointNow) await this.saveCheckpoint();
        await this.deps.yieldToEvents();
      }
      if (!(await this.flushMetrics(run))) return;
      if (run.step >= run.totalSteps) {
        await this.saveCheckpoint();
        this.setState('done');
      } else if (this.stopRequested === 'pause') {
        await this.saveCheckpoint();
        this.setState('paused');
      } else {
        this.setState('done');
      }
    } catch (e) {
      this.disposePending();
      this.failed(e);
    } finally {
      this.stopRequested = null;
    }
  }

  private oneStep(run: Run, indices: Int32Array): Pending {
    const { config } = run;
    const batch = makeBatch(run.data.train, indices);
    try {
      const augmentRandom = createRng(deriveSeed(config.seed, 2, run.step)).uniform;
      const images = augmentBatch(
        batch.images,
        config.augment ? OFFICIAL_AUGMENT : NO_AUGMENT,
        augmentRandom,
      );
      try {
        const lr = learningRateAt(run.step, run.totalSteps, config.learningRate);
        const { loss, correct } = trainStep(run.model, run.adam, images, batch.labels, config.loss, lr);
        return { loss, correct, batch: indices.length };
      } finally {
        if (images !== batch.images) images.dispose();
      }
    } finally {
      tf.dispose([batch.images, batch.labels]);
    }
  }

  /**
   * Reads the pending losses (the only read-back in the loop, at a bounded rate) and emits one
   * metrics event. A NaN or infinite loss pauses the run and rolls back to the last checkpoint;
   * values are checked here, never left to propagate (WGSL may assume there are no NaNs).
   */
  private async flushMetrics(run: Run): Promise<boolean> {
    if (this.pending.length === 0) return true;
    const pending = this.pending;
    this.pending = [];
    let lossSum = 0;
    let correct = 0;
    let images = 0;
    let finite = true;
    for (const p of pending) {
      const [loss, hits] = await Promise.all([p.loss.data(), p.correct.data()]);
      tf.dispose([p.loss, p.correct]);
      if (!Number.isFinite(loss[0])) finite = false;
      lossSum += loss[0] * p.batch;
      correct += hits[0];
      images += p.batch;
    }
    if (!finite) {
      await this.rollBack(run);
      return false;
    }
    const now = this.deps.now();
    const seconds = Math.max(1e-3, (now - this.lastMetricsAt) / 1000);
    const imagesPerSecond = ((run.step - this.lastMetricsStep) * run.config.batchSize) / seconds;
    this.lastMetricsAt = now;
    this.lastMetricsStep = run.step;
    const point: MetricsPoint = {
      step: run.step,
      epoch: run.step / run.stepsPerEpoch,
      loss: lossSum / images,
      trainAccuracy: correct / images,
      learningRate: learningRateAt(run.step - 1, run.totalSteps, run.config.learningRate),
      imagesPerSecond,
    };
    run.metrics.push(point);
    const etaSeconds = ((run.totalSteps - run.step) * run.config.batchSize) / Math.max(imagesPerSecond, 1e-9);
    this.deps.emit({ type: 'metrics', ...point, etaSeconds, totalSteps: run.totalSteps });
    return true;
  }

  private async rollBack(run: Run): Promise<void> {
    const failedAt = run.step;
    const c = await this.deps.store.load();
    if (c && sameRun(c.config, run.config)) this.applyCheckpoint(run, c);
    this.setState('paused');
    this.deps.emit({
      type: 'error',
      name: 'NonFiniteLoss',
      message: `the loss became NaN or infinite by step ${failedAt}; training paused and rolled back to step ${run.step}`,
      hint: 'lower the learning rate or change the loss, then resume',
    });
  }

  private applyCheckpoint(run: Run, c: Checkpoint): void {
    run.model.assignParams(new Map(c.params));
    run.adam.importState(c.adam);
    run.step = c.step;
    run.metrics = c.history.metrics.slice();
    run.evaluations = c.history.evaluations.slice();
  }

  private async saveCheckpoint(): Promise<void> {
    const run = this.requireRun();
    const params = await run.model.exportParams();
    for (const [name, values] of params) {
      if (!values.every(Number.isFinite)) {
        throw new TrainerError(
          'NonFiniteWeights',
          `weights of ${name} are not finite; the checkpoint was not saved`,
        );
      }
    }
    const savedAt = this.deps.now();
    this.lastCheckpointAt = savedAt;
    await this.deps.store.save({
      version: CHECKPOINT_VERSION,
      savedAt,
      config: run.config,
      step: run.step,
      totalSteps: run.totalSteps,
      params: [...params],
      adam: await run.adam.exportState(),
      history: { metrics: run.metrics.slice(), evaluations: run.evaluations.slice() },
    });
    this.deps.emit({ type: 'checkpoint', step: run.step, savedAt });
  }

  private failed(e: unknown): void {
    const err = e as Error;
    const lost = /device (was )?lost|out of memory|OOM|allocation/i.test(err.message ?? '');
    this.setState('failed');
    this.deps.emit({
      type: 'error',
      name: err instanceof TrainerError ? err.name : lost ? 'DeviceLost' : (err.name ?? 'Error'),
      message: err.message ?? String(e),
      hint:
        err instanceof TrainerError
          ? err.hint
          : lost
            ? 'the GPU ran out of memory or was lost: try a smaller batch or preset; training can resume from the last checkpoint'
            : 'training stopped; the last checkpoint is kept and can be resumed',
    });
  }

  private requireRun(): Run {
    if (!this.run) throw new TrainerError('NoModel', 'there is no model yet: start training or load weights');
    return this.run;
  }

  private setState(state: RunState): void {
    this.state = state;
    if (state !== 'loading') this.loadedWaiters.splice(0).forEach((resolve) => resolve());
    this.deps.emit({
      type: 'state',
      state,
      step: this.run?.step ?? 0,
      totalSteps: this.run?.totalSteps ?? 0,
    });
  }

  private disposePending(): void {
    for (const p of this.pending) tf.dispose([p.loss, p.correct]);
    this.pending = [];
  }

  private disposeRun(): void {
    this.disposePending();
    if (this.run) {
      this.run.adam.dispose();
      this.run.model.dispose();
      this.run = null;
    }
  }
}

/** The first `limit` training images (all when 0), as a view: no copy. */
function limitTraining(data: TrainingData, limit: number): TrainingData {
  if (!(limit > 0) || limit >= data.train.n) return data;
  const { train } = data;
  const size = train.imageSize * train.imageSize * train.channels;
  return {
    ...data,
    train: {
      ...train,
      n: limit,
      images: train.images.subarray(0, limit * size),
      labels: train.labels.subarray(0, limit),
    },
  };
}

function describeArch(a: { nConv: number; nDense: number; width: number; nClasses: number }): string {
  return `${a.nConv} conv x ${a.width}, ${a.nDense} dense, ${a.nClasses} classes`;
}
