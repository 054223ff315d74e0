/**
 * The page's state: typed slices combined into one zustand store. The store core needs no React;
 * actions are callable outside components; the worker's events enter through `applyEvent`.
 */
import { createStore } from 'zustand/vanilla';
import type {
  BackendFallback,
  Command,
  EvaluationCertificates,
  EvaluationSummary,
  ImportedDatasetSummary,
  MetricsPoint,
  ModelSource,
  ProgressTask,
  RunState,
  WorkerEvent,
} from '../protocol.ts';
import type { PresetName } from '../sll/arch.ts';
import type { BackendName } from '../sll/backendNames.ts';
import type { LabelledCertificates } from '../sll/radii.ts';
import { withMetricsPoint } from '../sll/runHistory.ts';
import { type TrainConfig, sameRun } from '../sll/trainConfig.ts';
import { fitsBackend } from '../sll/memoryEstimate.ts';
import { type AuditSlice, createAuditSlice } from './auditSlice.ts';
import { pendingSettings } from './pending.ts';
import { DEFAULT_SETTINGS, type Settings, depthOf, toTrainConfig } from './settings.ts';

export interface Evaluation extends EvaluationSummary, LabelledCertificates {}

export interface SettingsSlice {
  settings: Settings;
  updateSettings(patch: Partial<Settings>): void;
  choosePreset(preset: Settings['preset']): void;
}

export interface RunSlice {
  backend: { name: BackendName; adapter: string | null; fallbacks: BackendFallback[] } | null;
  runState: RunState;
  step: number;
  totalSteps: number;
  /** Seconds left, smoothed; null while the worker is still measuring (or nothing runs). */
  etaSeconds: number | null;
  metrics: MetricsPoint[];
  evaluations: Evaluation[];
  /** The long operation under way (set-up, shader compilation, evaluation, weights, restore). */
  activity: Activity | null;
  dataset: {
    split: 'train' | 'test';
    loadedImages: number;
    totalImages: number;
    loadedBytes: number;
    totalBytes: number;
    ready: boolean;
  } | null;
  samples: {
    images: Uint8Array;
    labels: Int32Array;
    imageSize: number;
    channels: number;
    classNames: string[];
  } | null;
  error: { name: string; message: string; hint: string | null } | null;
  resumable: { step: number; totalSteps: number; config: TrainConfig } | null;
  importedDatasets: ImportedDatasetSummary[];
  /** Config of the model the worker holds, to tell whether Train continues it or starts anew. */
  modelConfig: TrainConfig | null;
  /** Where that model came from (a new run, a checkpoint, a weights file). */
  modelSource: ModelSource | null;
  /** An action that would discard a run with progress, waiting for the user's answer. */
  confirmation: Confirmation | null;
  /** Settings the user already agreed may replace the run (after a confirmed preset change). */
  acceptedDiscard: TrainConfig | null;
  /** Whether the training worker answers (src/ui/workerWatchdog.ts), or another tab owns the run. */
  worker: WorkerLink;
  applyEvent(event: WorkerEvent): void;
  dismissError(): void;
  setWorkerLink(link: WorkerLink): void;
  /**
   * Replaces a worker that stopped answering with a new one. The page forgets the old worker's
   * model and shows what the new one offers: the last checkpoint, to resume.
   */
  restartWorker(): void;
}

export type WorkerLink =
  | { kind: 'answering' }
  | { kind: 'silent'; seconds: number }
  /** Another tab of this site holds the run (src/ui/runOwnership.ts); this one has no worker. */
  | { kind: 'otherTab' };

/** A long operation's progress: `done` of `total` units; over (and cleared) when they meet. */
export interface Activity {
  task: ProgressTask;
  done: number;
  total: number;
  unit: string;
}

/** What the page asks before discarding a run, and what the user would lose. */
export interface Confirmation {
  action: 'train' | 'reset' | 'preset';
  preset?: PresetName;
  question: string;
  lost: string;
  confirmLabel: string;
}

export interface ActionsSlice {
  train(): void;
  /** Carries out the action waiting in `confirmation`. */
  confirm(): void;
  cancelConfirmation(): void;
  /** Trains the held model further: continues its run, or starts its schedule over when it finished. */
  continueTraining(): void;
  /** Puts the settings back to those of the model the worker holds. */
  revertSettings(): void;
  pause(): void;
  resume(): void;
  reset(): void;
  evaluateFull(): void;
  /** With `withOptimizer`, a checkpoint file: Adam's state too. */
  downloadWeights(withOptimizer?: boolean): void;
  downloadOnnx(): void;
  /** A weights file's bytes: the lab's JSON or a PyTorch `.pth` checkpoint. */
  loadWeights(file: Uint8Array): void;
  resumeCheckpoint(): void;
  discardCheckpoint(): void;
  importDataset(files: { name: string; bytes: Uint8Array }[]): void;
}

export type LabState = SettingsSlice & RunSlice & ActionsSlice & AuditSlice;

/** Where commands go (the worker in the page, a recorder in tests) and what to do with exported weights. */
export interface LabEnvironment {
  send(command: Command, transfer?: Transferable[]): void;
  saveFile(name: string, contents: string | Uint8Array, mimeType: string): void;
  /** Terminates the worker and starts a new one (the page; tests need not). */
  restartWorker?(): void;
}

const INITIAL_RUN = {
  backend: null,
  runState: 'idle' as RunState,
  step: 0,
  totalSteps: 0,
  etaSeconds: null,
  metrics: [],
  evaluations: [],
  activity: null,
  dataset: null,
  samples: null,
  error: null,
  resumable: null,
  importedDatasets: [],
  modelConfig: null,
  modelSource: null,
  confirmation: null,
  acceptedDiscard: null,
};

/** Settings of a configuration the worker reports (after a restore or a weights import). */
function settingsFromConfig(current: Settings, c: TrainConfig): Settings {
  return {
    ...current,
    dataset: c.dataset,
    preset: c.preset === 'custom' ? current.preset : c.preset,
    nConv: c.arch.nConv,
    nDense: c.arch.nDense,
    width: c.arch.width,
    loss: c.loss,
    learningRate: c.learningRate,
    batchSize: c.batchSize,
    epochs: c.epochs,
    augment: c.augment,
    seed: c.seed,
  };
}

/** A run worth asking about before it is thrown away: it has trained, or been evaluated. */
export function hasProgress(s: Pick<LabState, 'modelConfig' | 'step' | 'evaluations'>): boolean {
  return s.modelConfig !== null && (s.step > 0 || s.evaluations.length > 0);
}

/** What discarding the held run loses, in the user's words. */
function describeLoss(s: LabState): string {
  const c = s.modelConfig;
  const name = c ? `${c.preset}, ${c.arch.nConv} conv x ${c.arch.width}` : 'the model';
  const evaluations = s.evaluations.length;
  return (
    `the ${s.runState === 'done' ? 'finished' : 'current'} run (${name}, step ${s.step.toLocaleString('en-US')}` +
    `${s.totalSteps > 0 ? ` of ${s.totalSteps.toLocaleString('en-US')}` : ''}, ${evaluations} evaluation${evaluations === 1 ? '' : 's'}): ` +
    'its weights, optimiser state, charts and saved checkpoint. Download the weights first to keep them.'
  );
}

/** The config Train sends: the held model's own when no run-defining setting is pending. */
function configToTrain(s: LabState): { config: TrainConfig; isNew: boolean } {
  const pending = pendingSettings(s.settings, s.modelConfig);
  if (s.modelConfig !== null && pending.length === 0) {
    const cadence = { evalEvery: s.settings.evalEvery, evalSubset: s.settings.evalImages };
    return { config: { ...s.modelConfig, ...cadence }, isNew: false };
  }
  return { config: toTrainConfig(s.settings), isNew: true };
}

/** What downloaded model files are called: the preset and the step they hold. */
function modelFileStem(s: Pick<LabState, 'modelConfig' | 'step'>): string {
  return `sll-lab-${s.modelConfig?.preset ?? 'model'}-step${s.step}`;
}

/** An evaluation summary with its radii when they are the given certificates' (else empty arrays). */
function withCertificates(s: EvaluationSummary, c: EvaluationCertificates | null): Evaluation {
  const own = c !== null && c.step === s.step && c.n === s.n;
  return {
    ...s,
    radii: own ? c.radii : new Float64Array(0),
    predictions: own ? c.predictions : new Int32Array(0),
    labels: own ? c.labels : new Int32Array(0),
  };
}

export function createLabStore(env: LabEnvironment, initialSettings: Settings = DEFAULT_SETTINGS) {
  return createStore<LabState>()((set, get) => {
    const audit = createAuditSlice(set, get, env.send);
    function startTraining(config: TrainConfig, isNew: boolean): void {
      if (isNew) {
        set({ metrics: [], evaluations: [], step: 0, etaSeconds: null, modelSource: { kind: 'new' } });
        audit.modelReplaced();
      }
      set({ modelConfig: config, resumable: null, error: null, acceptedDiscard: null });
      env.send({ type: 'configure', config });
      env.send({ type: 'start' });
    }
    function resetNow(): void {
      env.send({ type: 'reset' });
      audit.modelReplaced();
      set({
        metrics: [],
        evaluations: [],
        step: 0,
        totalSteps: 0,
        etaSeconds: null,
        modelConfig: null,
        modelSource: null,
        resumable: null,
        acceptedDiscard: null,
      });
    }
    return {
      settings: initialSettings,
      updateSettings(patch) {
        const settings = { ...get().settings, ...patch };
        set({ settings });
        if ('backend' in patch && patch.backend) env.send({ type: 'chooseBackend', backend: patch.backend });
      },
      choosePreset(preset) {
        const s = get();
        const settings = { ...s.settings, preset, ...depthOf(preset) };
        if (hasProgress(s) && pendingSettings(settings, s.modelConfig).length > 0) {
          set({
            confirmation: {
              action: 'preset',
              preset,
              question: `Switch to the ${preset} preset? Pressing Train then starts a new network and discards`,
              lost: describeLoss(s),
              confirmLabel: `Switch to ${preset}`,
            },
          });
          return;
        }
        set({ settings });
      },

      ...INITIAL_RUN,
      ...audit.slice,
      worker: { kind: 'answering' },
      applyEvent(e) {
        switch (e.type) {
          case 'ready':
            set({ backend: { name: e.backend, adapter: e.adapter, fallbacks: e.fallbacks } });
            return;
          case 'state':
            set({ runState: e.state, step: e.step, totalSteps: e.totalSteps });
            return;
          case 'dataset':
            set({
              dataset: {
                split: e.split,
                loadedImages: e.loadedImages,
                totalImages: e.totalImages,
                loadedBytes: e.loadedBytes,
                totalBytes: e.totalBytes,
                ready: e.phase === 'ready',
              },
            });
            return;
          case 'metrics': {
            const { type, etaSeconds, totalSteps, ...point } = e;
            set({ metrics: withMetricsPoint(get().metrics, point), step: e.step, totalSteps, etaSeconds });
            return;
          }
          case 'evaluation': {
            const { type, ...evaluation } = e;
            set({ evaluations: [...get().evaluations, evaluation] });
            return;
          }
          case 'samples':
            set({
              samples: {
                images: e.images,
                labels: e.labels,
                imageSize: e.imageSize,
                channels: e.channels,
                classNames: e.classNames,
              },
            });
            return;
          case 'resumable':
            set({ resumable: { step: e.step, totalSteps: e.totalSteps, config: e.config } });
            return;
          case 'model':
            audit.modelReplaced();
            // The page now describes this model: its settings, step and (from the history event) charts.
            set({
              modelConfig: e.config,
              modelSource: e.source,
              step: e.step,
              metrics: [],
              evaluations: [],
              etaSeconds: null,
              confirmation: null,
              acceptedDiscard: null,
              settings: settingsFromConfig(get().settings, e.config),
            });
            return;
          case 'history':
            set({
              metrics: e.metrics,
              evaluations: e.evaluations.map((s) => withCertificates(s, e.certificates)),
            });
            return;
          case 'weights':
            env.saveFile(`${modelFileStem(get())}.json`, e.text, 'application/json');
            return;
          case 'onnx':
            env.saveFile(`${modelFileStem(get())}.onnx`, e.bytes, 'application/octet-stream');
            return;
          case 'datasets':
            set({ importedDatasets: e.imported });
            if (e.added) get().updateSettings({ dataset: e.added });
            return;
          case 'progress': {
            audit.apply(e);
            const { type, ...activity } = e;
            // An operation that ends clears the display only if it is the one shown.
            if (e.done < e.total) set({ activity });
            else if (get().activity?.task === e.task) set({ activity: null });
            return;
          }
          case 'checkpoint':
            return;
          case 'inspection':
          case 'attack':
          case 'pgdCurve':
          case 'auditEnded':
          case 'layerGains':
            audit.apply(e);
            return;
          case 'error':
            set({ error: { name: e.name, message: e.message, hint: e.hint } });
            return;
          default: {
            const unknown: never = e;
            throw new Error(`unknown event ${JSON.stringify(unknown)}`);
          }
        }
      },
      dismissError() {
        set({ error: null });
      },
      setWorkerLink: (worker) => set({ worker }),
      restartWorker() {
        set({ ...INITIAL_RUN, worker: { kind: 'answering' } });
        audit.workerReplaced();
        env.restartWorker?.();
      },

      train() {
        const s = get();
        const { config, isNew } = configToTrain(s);
        // A network that cannot fit the backend is refused here, before anything is sent or discarded.
        const verdict = fitsBackend(config.arch, config.batchSize, s.backend?.name ?? null);
        if (verdict.level === 'refuse') {
          set({ error: { name: 'TooLarge', message: verdict.text ?? 'too large', hint: verdict.hint } });
          return;
        }
        const accepted = s.acceptedDiscard !== null && sameRun(s.acceptedDiscard, config);
        if (isNew && hasProgress(s) && !accepted) {
          set({
            confirmation: {
              action: 'train',
              question: 'Start a new run with these settings? This discards',
              lost: describeLoss(s),
              confirmLabel: 'Discard and train',
            },
          });
          return;
        }
        startTraining(config, isNew);
      },
      confirm() {
        const c = get().confirmation;
        set({ confirmation: null });
        if (c?.action === 'train') startTraining(toTrainConfig(get().settings), true);
        if (c?.action === 'reset') resetNow();
        if (c?.action === 'preset' && c.preset) {
          const settings = { ...get().settings, preset: c.preset, ...depthOf(c.preset) };
          set({ settings, acceptedDiscard: toTrainConfig(settings) });
        }
      },
      cancelConfirmation: () => set({ confirmation: null }),
      continueTraining() {
        const s = get();
        if (s.modelSource?.kind === 'file' && s.step >= s.totalSteps) env.send({ type: 'restartSchedule' });
        set({ error: null });
        env.send({ type: 'resume' });
      },
      revertSettings() {
        const { modelConfig, settings } = get();
        if (modelConfig) set({ settings: settingsFromConfig(settings, modelConfig), acceptedDiscard: null });
      },
      pause: () => env.send({ type: 'pause' }),
      resume() {
        const s = get();
        if (pendingSettings(s.settings, s.modelConfig).length > 0) return;
        env.send({ type: 'resume' });
      },
      reset() {
        const s = get();
        if (!hasProgress(s)) return resetNow();
        set({
          confirmation: {
            action: 'reset',
            question: 'Reset the lab? This discards',
            lost: describeLoss(s),
            confirmLabel: 'Discard and reset',
          },
        });
      },
      evaluateFull: () => env.send({ type: 'evaluate', subset: 'full' }),
      downloadWeights: (withOptimizer = false) => env.send({ type: 'exportWeights', withOptimizer }),
      downloadOnnx: () => env.send({ type: 'exportOnnx' }),
      loadWeights(file) {
        const config = get().modelConfig ?? toTrainConfig(get().settings);
        env.send({ type: 'configure', config });
        env.send({ type: 'importWeights', file, asNewModel: true }, [file.buffer]);
      },
      resumeCheckpoint() {
        set({ resumable: null });
        env.send({ type: 'restoreCheckpoint' });
        env.send({ type: 'resume' });
      },
      discardCheckpoint() {
        set({ resumable: null });
        env.send({ type: 'reset' });
      },
      importDataset(files) {
        env.send(
          { type: 'importDataset', files },
          files.map((f) => f.bytes.buffer),
        );
      },
    };
  });
}

export type LabStore = ReturnType<typeof createLabStore>;
