/**
 * Wires the store to the training worker and the browser (file downloads, the URL).
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { type LabState, type LabStore, createLabStore } from '../store/labStore.ts';
import { readSettingsQuery, settingsToQuery } from '../store/settings.ts';
import type { Command, WorkerEvent, WorkerHeartbeat, WorkerInit } from '../protocol.ts';
import { claimRun } from './runOwnership.ts';
import { quietWhileHidden } from './quietWhileHidden.ts';
import { WorkerWatchdog } from './workerWatchdog.ts';

/**
 * How long the worker may say nothing before the page asks whether to replace it. Training steps
 * and evaluation batches yield to the worker's heartbeat; only a single step or batch longer than
 * this (a large network on the CPU backend) would raise the question, and its next beat clears it.
 */
const WORKER_SILENCE_MS = 30_000;

function saveFile(name: string, contents: string | Uint8Array, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([contents as BlobPart], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let linkProblems: readonly string[] = [];

/** What `startLab` could not use from the page's link, one sentence each (shown by UrlNotice). */
export function urlProblems(): readonly string[] {
  return linkProblems;
}

/** A training worker wired to the store and watched for silence. */
interface WorkerConnection {
  worker: Worker;
  close(): void;
}

function connectWorker(store: LabStore): WorkerConnection {
  const { settings } = store.getState();
  const worker = new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module' });
  const init: WorkerInit = {
    type: 'init',
    backend: settings.backend,
    datasetsUrl: new URL('datasets/', document.baseURI).href,
    preload: settings.dataset,
  };
  worker.postMessage(init);
  const watchdog = new WorkerWatchdog(
    WORKER_SILENCE_MS,
    {
      silent: (seconds) => store.getState().setWorkerLink({ kind: 'silent', seconds }),
      answering: () => store.getState().setWorkerLink({ kind: 'answering' }),
    },
    {
      now: () => performance.now(),
      setInterval: (callback, ms) => window.setInterval(callback, ms),
      clearInterval: (id) => window.clearInterval(id),
    },
  );
  worker.onmessage = (m: MessageEvent<WorkerEvent | WorkerHeartbeat>) => {
    watchdog.heard();
    if (m.data.type !== 'heartbeat') store.getState().applyEvent(m.data);
  };
  worker.onerror = (e) =>
    store.getState().applyEvent({
      type: 'error',
      name: 'WorkerError',
      message: e.message || 'the training worker failed to start',
      hint: 'reload the page; if it persists, try another browser',
    });
  return {
    worker,
    close() {
      watchdog.stop();
      worker.terminate();
    },
  };
}

/**
 * Starts the worker with the backend from the URL once this tab owns the run (another tab of the
 * lab may), and keeps the URL in step with the settings. Malformed values in the link keep their
 * defaults and are kept for UrlNotice to name.
 */
export function startLab(): LabStore {
  const { settings: initial, problems } = readSettingsQuery(window.location.search);
  linkProblems = problems;
  let connection: WorkerConnection | null = null;
  // Commands sent before this tab knows whether it owns the run (components send some on mount)
  // wait for its worker; once another tab is known to own it, commands are refused.
  const early: [Command, Transferable[]][] = [];
  const store = createLabStore(
    {
      send(command: Command, transfer: Transferable[] = []) {
        if (connection) connection.worker.postMessage(command, transfer);
        else if (store.getState().worker.kind !== 'otherTab') early.push([command, transfer]);
        else {
          store.getState().applyEvent({
            type: 'error',
            name: 'NotOwner',
            message: 'training here is off: this lab is open in another tab, which owns the run',
            hint: 'close the other tab; this one takes over when it is gone',
          });
        }
      },
      saveFile,
      restartWorker() {
        connection?.close();
        connection = connectWorker(store);
      },
    },
    initial,
  );
  claimRun(
    () => {
      store.getState().setWorkerLink({ kind: 'answering' });
      const owned = connectWorker(store);
      for (const [command, transfer] of early.splice(0)) owned.worker.postMessage(command, transfer);
      connection = owned;
    },
    () => store.getState().setWorkerLink({ kind: 'otherTab' }),
  );
  store.subscribe((state, previous) => {
    if (state.settings !== previous.settings) {
      window.history.replaceState(null, '', `${window.location.pathname}?${settingsToQuery(state.settings)}`);
    }
  });
  window.history.replaceState(null, '', `${window.location.pathname}?${settingsToQuery(initial)}`);
  return store;
}

export const LabContext = createContext<LabStore | null>(null);

const quietViews = new WeakMap<LabStore, LabStore>();

/** Reads one field (or a derived primitive) of the lab's state; redrawn only while the tab is shown. */
export function useLab<T>(selector: (s: LabState) => T): T {
  const store = useContext(LabContext);
  if (!store) throw new Error('useLab outside <LabContext.Provider>');
  let view = quietViews.get(store);
  if (!view) {
    view = quietWhileHidden(store, document);
    quietViews.set(store, view);
  }
  return useStore(view, selector);
}
