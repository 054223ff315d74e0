/// <reference lib="webworker" />
/**
 * The training worker: wires `WorkerHost` to postMessage. All logic lives in plain classes.
 */
import * as tf from '@tensorflow/tfjs';
import { indexedDbDatasetStore } from '../data/indexedDbDatasetStore.ts';
import { selectBackend } from './backends.ts';
import { browserBackendProbe } from './browserBackends.ts';
import { browserDataSource } from './browserData.ts';
import { indexedDbCheckpointStore } from './checkpoints.ts';
import { type Command, type WorkerEvent, transferablesOf } from './protocol.ts';
import { WorkerHost } from './workerHost.ts';

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

tf.enableProdMode();
const datasets = indexedDbDatasetStore();
const host = new WorkerHost({
  post,
  selectBackend: (choice, avoid) => selectBackend(choice, browserBackendProbe, undefined, avoid),
  loadData: browserDataSource(`${import.meta.env.BASE_URL}datasets/`, () => datasets),
  store: indexedDbCheckpointStore(),
  datasets,
  now: () => Date.now(),
  yieldToEvents,
});

const initialBackend = new URL(scope.location.href).searchParams.get('backend');
const ready = host.init((initialBackend as Parameters<WorkerHost['init']>[0]) ?? 'auto').catch((e: Error) => {
  post({
    type: 'error',
    name: 'NoBackend',
    message: e.message,
    hint: 'this browser cannot run TensorFlow.js',
  });
  throw e;
});
scope.onmessage = async (message: MessageEvent<Command>) => {
  await ready;
  await host.handle(message.data);
};
