// The page side of the training-worker harness: starts the real train.worker.ts with the backend
// named in this page's URL, drives it with protocol commands, shows what it reports, and keeps every
// event on window.trainHarness for Playwright (e2e/worker.spec.ts, bench/workerBench.ts).
import { type PresetName, presetArch } from '../../src/sll/arch.ts';
import { type Command, type WorkerEvent, type WorkerInit } from '../../src/protocol.ts';
import { BACKEND_NAMES, type BackendChoice } from '../../src/sll/backendNames.ts';
import { type TrainConfig } from '../../src/sll/trainConfig.ts';

/** When to send 'pause' during a run: at a step, or after some training time, whichever is first. */
export interface PauseWhen {
  step?: number;
  /** Milliseconds from the first metrics event (so data loading and shader compilation don't count). */
  afterMs?: number;
}

/** An event as Playwright can carry it: typed arrays become a description of themselves. */
export type EventSummary = Record<string, unknown> & {
  type: WorkerEvent['type'];
  index: number;
  atMs: number;
};

export interface TrainHarness {
  backend: BackendChoice;
  /** Every event the worker posted, in order, as received (typed arrays intact). */
  events: WorkerEvent[];
  /** performance.now() when each event arrived. */
  times: number[];
  send(command: Command): void;
  /** A full TrainConfig for a preset: batch 32, one epoch, no periodic evaluation or checkpoints. */
  config(preset: PresetName, overrides?: Partial<TrainConfig>): TrainConfig;
  /** Configures, starts, and pauses when `pauseWhen` is met by a metrics event. */
  train(config: TrainConfig, pauseWhen: PauseWhen): void;
  /** Resolves with the first event of `type` at or after index `from` (summarised). */
  next(type: WorkerEvent['type'], from: number, timeoutMs?: number): Promise<EventSummary>;
  summary(index: number): EventSummary;
}

declare global {
  interface Window {
    trainHarness: TrainHarness;
  }
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from train.html`);
  return found as T;
}

function requestedBackend(): BackendChoice {
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked === null || asked === 'auto') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(asked)) return asked as BackendChoice;
  throw new Error(`unknown backend "${asked}" (use ${BACKEND_NAMES.join(', ')} or auto)`);
}

function describeArray(a: Float64Array | Int32Array): Record<string, unknown> {
  let finite = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    if (Number.isFinite(v)) finite++;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { kind: a.constructor.name, length: a.length, finite, min, max, head: Array.from(a.subarray(0, 5)) };
}

function summarize(event: WorkerEvent, index: number, atMs: number): EventSummary {
  const out: EventSummary = { ...event, index, atMs };
  if (event.type === 'evaluation') {
    out.radii = describeArray(event.radii);
    out.predictions = describeArray(event.predictions);
    out.labels = describeArray(event.labels);
  }
  if (event.type === 'samples') {
    out.images = { kind: event.images.constructor.name, length: event.images.length };
    out.labels = describeArray(event.labels);
  }
  return out;
}

const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

function addRow(table: HTMLTableElement, cells: string[], textColumns: number[] = []): void {
  const row = table.insertRow();
  cells.forEach((text, i) => {
    const cell = row.insertCell();
    cell.textContent = text;
    if (textColumns.includes(i)) cell.className = 'text';
  });
}

const counts = new Map<string, number>();

function show(event: WorkerEvent): void {
  counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  element('counts').textContent = [...counts].map(([type, n]) => `${type} ${n}`).join(', ');
  switch (event.type) {
    case 'ready': {
      const badge = element('badge');
      badge.textContent = `${event.backend}${event.adapter ? ` — ${event.adapter}` : ''}`;
      badge.classList.toggle(
        'fell-back',
        event.fallbacks.some((f) => f.backend === harness.backend),
      );
      const list = element('fallbacks');
      list.replaceChildren(
        ...event.fallbacks.map((f) => {
          const item = document.createElement('li');
          item.textContent = `${f.backend} not used: ${f.reason}`;
          return item;
        }),
      );
      return;
    }
    case 'state':
      element('state').textContent = event.state;
      element('step').textContent = `${event.step} / ${event.totalSteps}`;
      return;
    case 'dataset':
      element('dataset').textContent =
        `${event.split} ${event.phase}: ${event.loadedImages} / ${event.totalImages} images`;
      return;
    case 'metrics':
      element('step').textContent = `${event.step} / ${event.totalSteps}`;
      addRow(element('metrics'), [
        String(event.step),
        fmt(event.epoch, 3),
        fmt(event.loss, 4),
        `${fmt(event.trainAccuracy * 100, 1)}%`,
        event.learningRate.toPrecision(3),
        fmt(event.imagesPerSecond, 0),
        event.etaSeconds === null ? 'measuring' : fmt(event.etaSeconds, 0),
      ]);
      return;
    case 'evaluation': {
      // A typed array sorts numerically.
      const finite = event.radii.filter(Number.isFinite).sort();
      const median = finite.length ? finite[Math.floor(finite.length / 2)] : NaN;
      addRow(
        element('evaluations'),
        [
          String(event.step),
          String(event.n),
          `${fmt(event.naturalAccuracy * 100, 1)}%`,
          event.certified.map((c) => `${fmt(c.eps * 255, 0)}/255: ${fmt(c.accuracy * 100, 1)}%`).join(', '),
          fmt(event.imagesPerSecond, 0),
          `${event.radii.length} (median ${fmt(median, 3)})`,
        ],
        [3],
      );
      return;
    }
    case 'resumable':
      element('resumable').textContent =
        `A checkpoint at step ${event.step} / ${event.totalSteps} (${event.config.preset}) can be resumed.`;
      return;
    case 'error':
      element('errors').textContent +=
        `${event.name}: ${event.message}${event.hint ? ` (${event.hint})` : ''}\n`;
      return;
    default:
      return;
  }
}

const backend = requestedBackend();
const worker = new Worker(new URL('../../src/worker/train.worker.ts', import.meta.url), { type: 'module' });
// The app's first message: the backend to try first and where the datasets are served.
const init: WorkerInit = { type: 'init', backend, datasetsUrl: new URL('/datasets/', location.origin).href };
worker.postMessage(init);
let pauseWhen: PauseWhen | null = null;
let firstMetricsAt: number | null = null;
const waiters: { type: WorkerEvent['type']; from: number; resolve: (e: EventSummary) => void }[] = [];

worker.onerror = (event) => {
  element('errors').textContent += `worker failed to load: ${event.message}\n`;
};
worker.onmessage = (message: MessageEvent<WorkerEvent>) => {
  const event = message.data;
  const index = harness.events.length;
  const atMs = performance.now();
  harness.events.push(event);
  harness.times.push(atMs);
  show(event);
  if (event.type === 'metrics' && pauseWhen) {
    firstMetricsAt ??= atMs;
    const byStep = pauseWhen.step !== undefined && event.step >= pauseWhen.step;
    const byTime = pauseWhen.afterMs !== undefined && atMs - firstMetricsAt >= pauseWhen.afterMs;
    if (byStep || byTime) {
      pauseWhen = null;
      harness.send({ type: 'pause' });
    }
  }
  for (const w of waiters.filter((w) => w.type === event.type && index >= w.from)) {
    waiters.splice(waiters.indexOf(w), 1);
    w.resolve(summarize(event, index, atMs));
  }
};

const harness: TrainHarness = {
  backend,
  events: [],
  times: [],
  send(command) {
    worker.postMessage(command);
  },
  config(preset, overrides = {}) {
    return {
      preset,
      arch: presetArch(preset),
      dataset: 'cifar10',
      loss: 'xent',
      learningRate: 0.01,
      batchSize: 32,
      epochs: 1,
      augment: true,
      seed: 1,
      trainLimit: 0,
      evalEvery: 0,
      evalSubset: 200,
      checkpointEvery: 0,
      checkpointSeconds: 0,
      eps: 36 / 255,
      ...overrides,
    };
  },
  train(config, when) {
    pauseWhen = when;
    firstMetricsAt = null;
    harness.send({ type: 'configure', config });
    harness.send({ type: 'start' });
  },
  next(type, from, timeoutMs = 60_000) {
    const found = harness.events.findIndex((e, i) => i >= from && e.type === type);
    if (found >= 0) return Promise.resolve(harness.summary(found));
    return new Promise((resolve, reject) => {
      const waiter = { type, from, resolve };
      waiters.push(waiter);
      setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i < 0) return;
        waiters.splice(i, 1);
        const errors = harness.events.filter((e) => e.type === 'error');
        reject(
          new Error(
            `no '${type}' event after #${from} in ${timeoutMs} ms; errors: ${JSON.stringify(errors)}`,
          ),
        );
      }, timeoutMs);
    });
  },
  summary(index) {
    return summarize(harness.events[index], index, harness.times[index]);
  },
};
window.trainHarness = harness;

element('run-tiny').addEventListener('click', () => harness.train(harness.config('tiny'), { step: 30 }));
element('evaluate').addEventListener('click', () => harness.send({ type: 'evaluate', subset: 200 }));
element('pause').addEventListener('click', () => harness.send({ type: 'pause' }));
element('resume').addEventListener('click', () => harness.send({ type: 'resume' }));
