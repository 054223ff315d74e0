/**
 * Wires the store to the training worker and the browser (file downloads, the URL).
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { type LabState, type LabStore, createLabStore } from '../store/labStore.ts';
import { readSettingsQuery, settingsToQuery } from '../store/settings.ts';
import type { Command, WorkerEvent, WorkerInit } from '../protocol.ts';

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

/**
 * Starts the worker with the backend from the URL, and keeps the URL in step with the settings.
 * Malformed values in the link keep their defaults and are kept for UrlNotice to name.
 */
export function startLab(): LabStore {
  const { settings: initial, problems } = readSettingsQuery(window.location.search);
  linkProblems = problems;
  const worker = new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module' });
  const init: WorkerInit = {
    type: 'init',
    backend: initial.backend,
    datasetsUrl: new URL('datasets/', document.baseURI).href,
    preload: initial.dataset,
  };
  worker.postMessage(init);
  const store = createLabStore(
    {
      send: (command: Command, transfer: Transferable[] = []) => worker.postMessage(command, transfer),
      saveFile,
    },
    initial,
  );
  worker.onmessage = (m: MessageEvent<WorkerEvent>) => store.getState().applyEvent(m.data);
  worker.onerror = (e) =>
    store.getState().applyEvent({
      type: 'error',
      name: 'WorkerError',
      message: e.message || 'the training worker failed to start',
      hint: 'reload the page; if it persists, try another browser',
    });
  store.subscribe((state, previous) => {
    if (state.settings !== previous.settings) {
      window.history.replaceState(null, '', `${window.location.pathname}?${settingsToQuery(state.settings)}`);
    }
  });
  window.history.replaceState(null, '', `${window.location.pathname}?${settingsToQuery(initial)}`);
  return store;
}

export const LabContext = createContext<LabStore | null>(null);

/** Reads one field (or a derived primitive) of the lab's state. */
export function useLab<T>(selector: (s: LabState) => T): T {
  const store = useContext(LabContext);
  if (!store) throw new Error('useLab outside <LabContext.Provider>');
  return useStore(store, selector);
}
