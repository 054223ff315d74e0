/// <reference lib="webworker" />
/**
 * The training worker: wires `EngineHost` to postMessage. All logic lives in plain classes.
 */
import * as tf from '@tensorflow/tfjs';
import { indexedDbDatasetStore } from './indexedDbDatasetStore.ts';
import { selectBackend } from '../engine/backends.ts';
import { browserBackendProbe } from './browserBackends.ts';
import { browserDataSource } from './browserData.ts';
import { indexedDbCheckpointStore } from './indexedDbCheckpointStore.ts';
import type { Command, WorkerEvent, WorkerHeartbeat, WorkerInit } from '../protocol.ts';
import { transferablesOf } from './transferables.ts';
import { type BackendChoice } from '../sll/backendNames.ts';
import { EngineHost } from '../engine/engineHost.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (event: WorkerEvent) => scope.postMessage(event, transferablesOf(event));

// A MessageChannel hop yields to queued messages without the 4 ms clamp of nested setTimeout.
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToEvents = () =>
  new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });

// Runs between training steps and evaluation batches, which yield to the event loop; a worker that
// is killed or stuck stops beating, and the page's watchdog says so.
const HEARTBEAT_MS = 1000;
const heartbeat: WorkerHeartbeat = { type: 'heartbeat' };
setInterval(() => scope.postMessage(heartbeat), HEARTBEAT_MS);

tf.enableProdMode();
const datasets = indexedDbDatasetStore();
let host: EngineHost | null = null;
let ready: Promise<void> = Promise.resolve();

function start(backend: BackendChoice, datasetsUrl: string, preload?: string): void {
  const loadData = browserDataSource(datasetsUrl, () => datasets);
  const h = new EngineHost({
    post,
    selectBackend: (choice, avoid) => selectBackend(choice, browserBackendProbe, undefined, avoid),
    loadData,
    store: indexedDbCheckpointStore(),
    datasets,
    now: () => Date.now(),
    yieldToEvents,
  });
  host = h;
  ready = h.init(backend).catch((e: Error) => {
    post({
      type: 'error',
      name: 'NoBackend',
      message: e.message,
      hint: 'this browser cannot run TensorFlow.js',
    });
  });
  // The page's dataset loads now, not when Train is pressed; a failure shows again at Train.
  if (preload) void ready.then(() => loadData(preload, post)).catch(() => {});
}

// Dev harnesses may name the backend in the worker's URL instead of sending `init`.
const urlBackend = new URL(scope.location.href).searchParams.get('backend');
if (urlBackend) start(urlBackend as BackendChoice, new URL('/datasets/', scope.location.origin).href);

scope.onmessage = async (message: MessageEvent<Command | WorkerInit>) => {
  const data = message.data;
  if (data.type === 'init') {
    if (!host) start(data.backend, data.datasetsUrl, data.preload);
    return;
  }
  await ready;
  if (!host) {
    post({ type: 'error', name: 'NotStarted', message: `"${data.type}" arrived before "init"`, hint: null });
    return;
  }
  await host.handle(data);
};
