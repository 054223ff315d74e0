/**
 * The page's state: typed slices combined into one zustand store. The store core needs no React;
 * actions are callable outside components; the worker's events enter through `applyEvent`.
 */
import { createStore } from 'zustand/vanilla';
import type {
  BackendFallback,
  Command,
  EvaluationSummary,
  ImportedDatasetSummary,
  MetricsPoint,
  RunState,
  WorkerEvent,
} from '../protocol.ts';
import type { BackendName } from '../sll/backendNames.ts';
import type { LabelledCertificates } from '../sll/radii.ts';
import { type TrainConfig, sameRun } from '../sll/trainConfig.ts';
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
  etaSeconds: number | null;
  metrics: MetricsPoint[];
  evaluations: Evaluation[];
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
  applyEvent(event: WorkerEvent): void;
  dismissError(): void;
}

export interface ActionsSlice {
  train(): void;
  pause(): void;
  resume(): void;
  reset(): void;
  evaluateFull(): void;
  downloadWeights(): void;
  downloadOnnx(): void;
  /** A weights file's bytes: the lab's JSON or a PyTorch `.pth` checkpoint. */
  loadWeights(file: Uint8Array): void;
  resumeCheckpoint(): void;
  discardCheckpoint(): void;
  importDataset(files: { name: string; bytes: Uint8Array }[]): void;
}

export type LabState = SettingsSlice & RunSlice & ActionsSlice;

/** Where commands go (the worker in the page, a recorder in tests) and what to do with exported weights. */
export interface LabEnvironment {
  send(command: Command, transfer?: Transferable[]): void;
  saveFile(name: string, contents: string | Uint8Array, mimeType: string): void;
}

const INITIAL_RUN = {
  backend: null,
  runState: 'idle' as RunState,
  step: 0,
  totalSteps: 0,
  etaSeconds: null,
  metrics: [],
  evaluations: [],
  dataset: null,
  samples: null,
  error: null,
  resumable: null,
  importedDatasets: [],
  modelConfig: null,
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

/** What downloaded model files are called: the preset and the step they hold. */
function modelFileStem(s: Pick<LabState, 'modelConfig' | 'step'>): string {
  return `sll-lab-${s.modelConfig?.preset ?? 'model'}-step${s.step}`;
}

export function createLabStore(env: LabEnvironment, initialSettings: Settings = DEFAULT_SETTINGS) {
  return createStore<LabState>()((set, get) => ({
    settings: initialSettings,
    updateSettings(patch) {
      const settings = { ...get().settings, ...patch };
      set({ settings });
      if ('backend' in patch && patch.backend) env.send({ type: 'chooseBackend', backend: patch.backend });
    },
    choosePreset(preset) {
      set({ settings: { ...get().settings, preset, ...depthOf(preset) } });
    },

    ...INITIAL_RUN,
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
          set({ metrics: [...get().metrics, point], step: e.step, totalSteps, etaSeconds });
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
          set({
            modelConfig: e.config,
            step: e.step,
            settings: settingsFromConfig(get().settings, e.config),
          });
          return;
        case 'history':
          // Radii are not kept in checkpoints: restored evaluations carry empty arrays.
          set({
            metrics: e.metrics,
            evaluations: e.evaluations.map((s) => ({
              ...s,
              radii: new Float64Array(0),
              predictions: new Int32Array(0),
              labels: new Int32Array(0),
            })),
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
        case 'checkpoint':
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

    train() {
      const config = toTrainConfig(get().settings);
      const current = get().modelConfig;
      if (current === null || !sameRun(current, config))
        set({ metrics: [], evaluations: [], step: 0, etaSeconds: null });
      set({ modelConfig: config, resumable: null, error: null });
      env.send({ type: 'configure', config });
      env.send({ type: 'start' });
    },
    pause: () => env.send({ type: 'pause' }),
    resume: () => env.send({ type: 'resume' }),
    reset() {
      env.send({ type: 'reset' });
      set({
        metrics: [],
        evaluations: [],
        step: 0,
        totalSteps: 0,
        etaSeconds: null,
        modelConfig: null,
        resumable: null,
      });
    },
    evaluateFull: () => env.send({ type: 'evaluate', subset: 'full' }),
    downloadWeights: () => env.send({ type: 'exportWeights' }),
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
  }));
}

export type LabStore = ReturnType<typeof createLabStore>;
