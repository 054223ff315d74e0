/**
 * The training engine behind the worker and the CLI: a plain class that Node tests drive directly.
 * It owns the run's lifecycle (configure, start, pause, stop, reset) and the loop; the parts it
 * drives each do one job (run.ts, evaluation.ts, metricsMeter.ts, checkpoints.ts, weights.ts).
 * The data source, the checkpoint store and the event sink are passed in.
 */
import * as tf from '@tensorflow/tfjs';
import { NO_AUGMENT, OFFICIAL_AUGMENT } from '../sll/augmentParams.ts';
import { augmentOnBackend } from './augmentation.ts';
import { makeBatch, trainBatchIndices } from '../data/batches.ts';
import type { LoadedDataset } from '../data/dataset.ts';
import { Adam, OFFICIAL_ADAM } from '../kernels/adam.ts';
import { exportOnnx } from '../kernels/onnx/exportOnnx.ts';
import { trainStep } from '../kernels/training.ts';
import type { EvaluationSummary, ProgressTask, RunState, WorkerEvent } from '../protocol.ts';
import { paramSpecs } from '../sll/params.ts';
import { createRng, deriveSeed } from '../sll/rng.ts';
import { type EvalPlan, evaluationAt, imagesLeftToEvaluate } from '../sll/evalSchedule.ts';
import { withMetricsPoint } from '../sll/runHistory.ts';
import { learningRateAt } from '../sll/schedule.ts';
import { type TrainConfig, sameRun } from '../sll/trainConfig.ts';
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointStore,
  applyCheckpoint,
  checkpointOf,
  readCheckpoint,
} from './checkpoints.ts';
import { StorageError, TrainerError, checkpointNotSavedEvent, errorEvent } from './errors.ts';
import { evaluateRun, evaluationSize, samplesEvent } from './evaluation.ts';
import { LayerGainWatch } from './layerGainWatch.ts';
import { MetricsMeter, type PendingStep } from './metricsMeter.ts';
import { ProgressReporter } from './progress.ts';
import { type Run, checkMemory, createRun, disposeRun, validateConfig } from './run.ts';
import { exportRunWeights, fileRun, readWeightsFor } from './weights.ts';

export interface TrainerDeps {
  emit(event: WorkerEvent): void;
  /** Loads a dataset by id (reporting its own progress through `emit`). */
  loadData(dataset: string): Promise<LoadedDataset>;
  store: CheckpointStore;
  now(): number;
  /** Lets queued commands (pause, stop) in between steps without reading anything back. */
  yieldToEvents(): Promise<void>;
  /** Least time between metrics events (default 100 ms: at most ~10 messages a second). */
  metricsIntervalMs?: number;
}

/**
 * Steps enqueued at most before their losses are read back. On a GPU slower than the JavaScript
 * that feeds it (SwiftShader, a weak adapter), the metrics interval alone let a run enqueue a
 * second of JavaScript, over a hundred steps, before it showed any progress.
 */
export const MAX_UNREAD_STEPS = 16;

/** Least time between two progress reports of an evaluation. */
const EVAL_PROGRESS_MS = 200;

function evalPlanOf(run: Run): EvalPlan {
  const { evalEvery, evalSubset } = run.config;
  return { evalEvery, evalSubset, stepsPerEpoch: run.stepsPerEpoch, totalSteps: run.totalSteps };
}

export class Trainer {
  private config: TrainConfig | null = null;
  private run: Run | null = null;
  private state: RunState = 'idle';
  private stopRequested: 'pause' | 'stop' | null = null;
  /** The current start(): loading, then the training loop. */
  private loop: Promise<void> | null = null;
  private readonly meter: MetricsMeter;
  private readonly gains: LayerGainWatch;
  private evaluationRequest: number | 'full' | null = null;
  private lastCheckpointAt = 0;
  private loadedWaiters: (() => void)[] = [];
  /** The loop's first step, until its metrics are read back. */
  private warmUp: ProgressReporter | null = null;
  /** A configuration refused (invalid, too large for the backend): start() refuses it too, the held run untouched. */
  private refused: TrainConfig | null = null;
  /** The run's last checkpoint the store kept; a run whose checkpoints the store cannot take. */
  private saved: { run: Run; step: number } | null = null;
  private unsaveable: Run | null = null;

  constructor(private readonly deps: TrainerDeps) {
    this.meter = new MetricsMeter(deps.now);
    this.gains = new LayerGainWatch(deps.emit);
  }

  get runState(): RunState {
    return this.state;
  }

  get currentStep(): number {
    return this.run?.step ?? 0;
  }

  /** The model of the current run, for tests and exports. */
  get model() {
    return this.run?.model ?? null;
  }

  /** The current run's dataset, for audits of its model. */
  get data(): LoadedDataset | null {
    return this.run?.data ?? null;
  }

  /** Applies settings; a change to what defines the run (`sameRun`) discards the current one. */
  configure(config: TrainConfig): void {
    this.refused = config; // until it passes: a refused configuration is never left behind silently
    validateConfig(config);
    checkMemory(config);
    this.refused = null;
    if (this.run && !sameRun(this.run.config, config)) {
      if (this.state === 'running')
        throw new TrainerError('Busy', 'pause or stop training before changing the network or the recipe');
      this.discardRun();
      this.setState('idle');
    } else if (this.run) {
      this.run.config = config;
    }
    this.config = config;
  }

  /** Starts a new run from the configuration, or continues the current one. */
  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'loading') return this.loop ?? undefined;
    if (this.refused) this.configure(this.refused);
    this.stopRequested = null;
    this.loop = this.loadAndTrain();
    await this.loop;
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

  /** Ends training early without a checkpoint; the model stays for evaluation and export. */
  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'loading') return;
    this.stopRequested = 'stop';
    await this.loop;
  }

  /** Discards the run, its model and its checkpoint. */
  async reset(): Promise<void> {
    await this.stop();
    this.discardRun();
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

  /** Evaluates the current model, records the summary in the run's history and emits it. */
  async evaluate(subset: number | 'full'): Promise<EvaluationSummary> {
    const run = this.requireRun();
    const images = evaluationSize(run.data.test.n, subset);
    // Over only after the evaluation event: the page never shows neither the bar nor the result.
    const progress = this.progress('evaluation', images, 'images', EVAL_PROGRESS_MS);
    try {
      const { summary, radii, predictions, labels } = await evaluateRun(
        run,
        subset,
        this.deps.now,
        (done) => progress.report(done),
        this.deps.yieldToEvents,
      );
      run.evaluations.push(summary);
      // Copies: the event's arrays are transferred to the page, which detaches them here.
      run.certificates = {
        step: summary.step,
        n: summary.n,
        radii: radii.slice(),
        predictions: predictions.slice(),
        labels: labels.slice(),
      };
      this.deps.emit({ type: 'evaluation', ...summary, radii, predictions, labels });
      return summary;
    } finally {
      progress.end();
    }
  }

  /** The weights file of the current model; with `withOptimizer`, a checkpoint file (Adam's state too). */
  exportWeights(withOptimizer = false): Promise<string> {
    return exportRunWeights(this.requireRun(), new Date(this.deps.now()).toISOString(), withOptimizer);
  }

  /** The current model as an ONNX graph for inference, its t-vectors folded into constants. */
  exportOnnx(): Promise<Uint8Array> {
    return exportOnnx(this.requireRun().model);
  }

  /**
   * Loads weights. Into the current model when the architectures match and not `asNewModel`; a file
   * for another architecture is then refused (the model is untouched). With `asNewModel` the file
   * becomes the current run: its config, step and history when it carries them, Adam's state when it
   * has it (else a fresh Adam), ready to continue training (paused), or done when its run finished.
   */
  async importWeights(file: string | Uint8Array, asNewModel = false): Promise<void> {
    if (this.state === 'running') throw new TrainerError('Busy', 'pause training before loading weights');
    const run = this.run;
    const loaded = readWeightsFor(file, run?.model.arch ?? null, asNewModel);
    if (!asNewModel && run) {
      run.model.assignParams(loaded.params);
      return;
    }
    const base = this.config ?? run?.config;
    if (!base) throw new TrainerError('ConfigError', 'configure the trainer before loading weights');
    const fresh = await this.newRun(fileRun(loaded, base, paramSpecs(loaded.arch)).config);
    const saved = fileRun(loaded, fresh.config, fresh.model.specs);
    fresh.model.assignParams(loaded.params);
    const continues = saved.step !== null && saved.step < fresh.totalSteps;
    if (saved.step !== null) fresh.step = Math.min(saved.step, fresh.totalSteps);
    if (continues && saved.adam) fresh.adam.importState(saved.adam);
    fresh.metrics = saved.metrics;
    fresh.evaluations = saved.evaluations;
    this.discardRun();
    this.run = fresh;
    this.config = fresh.config;
    this.deps.emit({
      type: 'model',
      config: fresh.config,
      step: fresh.step,
      source: {
        kind: 'file',
        fileStep: saved.step,
        optimizer: continues && saved.adam ? 'restored' : 'fresh',
        finished: !continues && saved.step !== null,
      },
    });
    this.emitHistory(fresh);
    this.setState(fresh.step >= fresh.totalSteps ? 'done' : 'paused');
  }

  /** Starts the held model's schedule over from step 0 with a fresh Adam: training a finished model further. */
  restartSchedule(): void {
    if (this.state === 'running') throw new TrainerError('Busy', 'pause training first');
    const run = this.requireRun();
    run.adam.dispose();
    run.adam = new Adam(run.model.variables, OFFICIAL_ADAM);
    run.step = 0;
    run.metrics = [];
    run.evaluations = [];
    run.certificates = null;
    this.deps.emit({ type: 'model', config: run.config, step: 0, source: { kind: 'new' } });
    this.emitHistory(run);
    this.setState('paused');
  }

  /** Offers the stored checkpoint, if any, to the page; one that cannot be resumed is reported instead. */
  async announceCheckpoint(): Promise<Checkpoint | null> {
    let c: Checkpoint | null;
    try {
      c = await this.loadCheckpoint();
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      this.deps.emit(errorEvent(e));
      return null;
    }
    if (c) {
      const { step, totalSteps, config, savedAt } = c;
      this.deps.emit({ type: 'resumable', step, totalSteps, config, savedAt });
    }
    return c;
  }

  /**
   * Rebuilds the run from the stored checkpoint (after a reload, a NaN or a lost device). The run
   * then continues exactly as an uninterrupted one would.
   */
  async restoreCheckpoint(): Promise<boolean> {
    if (this.state === 'running')
      throw new TrainerError('Busy', 'pause training before restoring a checkpoint');
    const c = await this.loadCheckpoint();
    if (!c) return false;
    // Built before the current run is let go, as for a loaded file: a checkpoint whose run cannot
    // be built (its dataset gone, a batch larger than the data) leaves the current run as it was.
    const run = await this.newRun(c.config);
    try {
      applyCheckpoint(run, c);
    } catch (e) {
      disposeRun(run);
      throw e;
    }
    this.discardRun();
    this.run = run;
    this.config = c.config;
    this.saved = { run, step: c.step };
    this.deps.emit({ type: 'model', config: c.config, step: run.step, source: { kind: 'checkpoint' } });
    this.emitHistory(run);
    this.setState(run.step >= run.totalSteps ? 'done' : 'paused');
    return true;
  }

  /**
   * Per-layer gains every `steps` training steps (0: never), and one now: between the next two
   * steps when training, else a full estimate on a snapshot, not awaited (the next command need
   * not wait for it). Without a model, the first step of the next run answers.
   */
  watchLayerGains(steps: number): void {
    this.gains.watch(steps);
    const run = this.run;
    if (!run || this.state === 'running' || this.state === 'loading') return;
    void this.gains.estimateNow(run.model, run.step, run.data).catch((e) => this.deps.emit(errorEvent(e)));
  }

  dispose(): void {
    this.discardRun();
    this.gains.dispose();
  }

  /** The stored checkpoint, checked (`readCheckpoint`) before anything of the current run changes. */
  private async loadCheckpoint(): Promise<Checkpoint | null> {
    const stored: unknown = await this.deps.store.load();
    return stored === null || stored === undefined ? null : readCheckpoint(stored);
  }

  /** A fresh run on `config`'s dataset; `onLoaded` hears when the data is in and the network is next. */
  private async newRun(config: TrainConfig, onLoaded: () => void = () => {}): Promise<Run> {
    const data = await this.deps.loadData(config.dataset);
    onLoaded();
    const run = createRun(config, data);
    this.deps.emit(samplesEvent(run.data));
    return run;
  }

  private async loadAndTrain(): Promise<void> {
    if (!this.run) {
      if (!this.config) throw new TrainerError('ConfigError', 'configure the trainer before starting');
      checkMemory(this.config);
      this.setState('loading');
      // Stages: the dataset, the network, the first checkpoint.
      const setup = this.progress('setup', 3, 'stages');
      try {
        this.run = await this.newRun(this.config, () => setup.report(1));
        setup.report(2);
        await this.saveCheckpoint();
      } catch (e) {
        this.setState('idle');
        throw e;
      } finally {
        setup.end();
      }
    }
    if (this.run.step >= this.run.totalSteps) {
      this.setState('done');
      return;
    }
    this.setState('running');
    await this.trainLoop(this.run);
  }

  private async trainLoop(run: Run): Promise<void> {
    this.meter.restart(run.step);
    // The first step compiles shaders (WebGPU, WebGL) or warms caches: over at its metrics.
    this.warmUp = this.progress('compile', 1, 'steps');
    let epochIndex = -1;
    let order: Int32Array[] = [];
    try {
      while (this.stopRequested === null && run.step < run.totalSteps) {
        const epoch = Math.floor(run.step / run.stepsPerEpoch);
        if (epoch !== epochIndex) {
          epochIndex = epoch;
          const shuffle = createRng(deriveSeed(run.config.seed, 1, epoch)).uniform;
          order = trainBatchIndices(run.data.train.n, run.config.batchSize, shuffle);
        }
        this.meter.add(this.oneStep(run, order[run.step % run.stepsPerEpoch]));
        run.step += 1;
        const { checkpointEvery, checkpointSeconds } = run.config;
        const evalImages = evaluationAt(run.step, evalPlanOf(run));
        const evalNow = evalImages > 0;
        const checkpointNow =
          (checkpointEvery > 0 && run.step % checkpointEvery === 0) ||
          (checkpointSeconds > 0 && this.deps.now() - this.lastCheckpointAt >= checkpointSeconds * 1000);
        const last = run.step === run.totalSteps;
        const metricsDue =
          this.meter.msSinceFlush() >= (this.deps.metricsIntervalMs ?? 100) ||
          this.meter.unreadSteps >= MAX_UNREAD_STEPS;
        if ((evalNow || checkpointNow || last || metricsDue) && !(await this.flushMetrics(run))) return;
        if (evalNow) await this.evaluateBetweenSteps(evalImages);
        if (this.evaluationRequest !== null) {
          const subset = this.evaluationRequest;
          this.evaluationRequest = null;
          await this.evaluateBetweenSteps(subset);
        }
        if (checkpointNow) await this.saveCheckpoint();
        // A failed refresh is reported; training goes on.
        await this.gains.afterStep(run.model, run.step, run.data).catch((e) => this.deps.emit(errorEvent(e)));
        await this.deps.yieldToEvents();
      }
      if (!(await this.flushMetrics(run))) return;
      if (run.step >= run.totalSteps || this.stopRequested === 'pause') await this.saveCheckpoint();
      this.setState(run.step < run.totalSteps && this.stopRequested === 'pause' ? 'paused' : 'done');
    } catch (e) {
      this.meter.discard();
      this.setState('failed');
      this.deps.emit(errorEvent(e, 'training stopped; the last checkpoint is kept and can be resumed'));
    } finally {
      this.stopRequested = null;
      this.warmUp?.end();
      this.warmUp = null;
    }
  }

  /** An evaluation inside the loop: its time is left out of the training throughput. */
  private async evaluateBetweenSteps(subset: number | 'full'): Promise<void> {
    const started = this.deps.now();
    const summary = await this.evaluate(subset);
    this.meter.exclude(this.deps.now() - started, summary.n);
  }

  private progress(task: ProgressTask, total: number, unit: string, intervalMs = 0): ProgressReporter {
    return new ProgressReporter(this.deps.emit, this.deps.now, task, total, unit, intervalMs);
  }

  private oneStep(run: Run, indices: Int32Array): PendingStep {
    const { config } = run;
    const batch = makeBatch(run.data.train, indices);
    try {
      const augmentRandom = createRng(deriveSeed(config.seed, 2, run.step)).uniform;
      const images = augmentOnBackend(
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

  /** Emits the metrics read back since the last flush; false when the run had to roll back. */
  private async flushMetrics(run: Run): Promise<boolean> {
    const flush = await this.meter.flush(run, imagesLeftToEvaluate(run.step, evalPlanOf(run)));
    if (flush.kind === 'nonFinite') {
      await this.rollBack(run);
      return false;
    }
    if (flush.kind === 'point') {
      this.warmUp?.end();
      this.warmUp = null;
      run.metrics = withMetricsPoint(run.metrics, flush.point);
      this.deps.emit({
        type: 'metrics',
        ...flush.point,
        etaSeconds: flush.etaSeconds,
        totalSteps: run.totalSteps,
      });
    }
    return true;
  }

  /** A NaN or infinite loss pauses the run at its last checkpoint. */
  private async rollBack(run: Run): Promise<void> {
    const failedAt = run.step;
    const c = await this.loadCheckpoint();
    if (c && sameRun(c.config, run.config)) applyCheckpoint(run, c);
    this.setState('paused');
    this.deps.emit({
      type: 'error',
      name: 'NonFiniteLoss',
      message: `the loss became NaN or infinite by step ${failedAt}; training paused and rolled back to step ${run.step}`,
      hint: 'lower the learning rate or change the loss, then resume',
    });
  }

  /**
   * Writes a checkpoint. One the store cannot keep (full, too large to copy) is reported with what
   * is kept, and training goes on; a run too large to copy is not tried again.
   */
  private async saveCheckpoint(): Promise<void> {
    const run = this.requireRun();
    if (this.unsaveable === run) return;
    const savedAt = this.deps.now();
    this.lastCheckpointAt = savedAt;
    try {
      await this.deps.store.save(await checkpointOf(run, savedAt));
    } catch (e) {
      if (e instanceof TrainerError && !(e instanceof StorageError)) throw e; // weights not finite
      const tooLarge = e instanceof RangeError || (e instanceof StorageError && e.failure === 'clone');
      if (tooLarge) this.unsaveable = run;
      const kept = this.saved?.run === run ? this.saved.step : null;
      this.deps.emit(checkpointNotSavedEvent(e, run.step, kept, !tooLarge));
      return;
    }
    this.saved = { run, step: run.step };
    this.deps.emit({ type: 'checkpoint', step: run.step, savedAt });
  }

  private emitHistory(run: Run): void {
    const { metrics, evaluations, certificates } = run;
    this.deps.emit({ type: 'history', metrics, evaluations, certificates });
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

  private discardRun(): void {
    this.meter.discard();
    if (this.run) disposeRun(this.run);
    this.run = null;
  }
}
