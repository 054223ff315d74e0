/**
 * A tiny harness for component tests: a real lab store with a recording environment, rendered
 * under `LabContext`, and helpers that push worker events and move the eps slider inside `act`.
 */
import { act, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import type { Command, EvaluationSummary, WorkerEvent } from '../../src/protocol.ts';
import { type LabStore, createLabStore } from '../../src/store/labStore.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/store/settings.ts';
import { LabContext } from '../../src/ui/lab.ts';

export interface TestLab {
  store: LabStore;
  /** Commands the store sent to the (absent) worker, in order. */
  sent: Command[];
  /** Files the store asked the page to save. */
  saved: { name: string; contents: string | Uint8Array; mimeType: string }[];
}

export function createTestLab(settings: Partial<Settings> = {}): TestLab {
  const sent: Command[] = [];
  const saved: TestLab['saved'] = [];
  const store = createLabStore(
    {
      send: (command) => sent.push(command),
      saveFile: (name, contents, mimeType) => saved.push({ name, contents, mimeType }),
    },
    { ...DEFAULT_SETTINGS, ...settings },
  );
  return { store, sent, saved };
}

export function renderWithLab(ui: ReactElement, lab: TestLab = createTestLab()): RenderResult & TestLab {
  const result = render(<LabContext.Provider value={lab.store}>{ui}</LabContext.Provider>);
  return { ...result, ...lab };
}

/** Delivers a worker event to the store, as the worker's onmessage would. */
export function emit(store: LabStore, event: WorkerEvent): void {
  act(() => store.getState().applyEvent(event));
}

/** Moves the eps slider through the store: eps = k/255. */
export function setEps(store: LabStore, k: number): void {
  act(() => store.getState().updateSettings({ epsSteps: k }));
}

/** A live evaluation event (with per-image radii). */
export function evaluationEvent(e: {
  radii: number[];
  predictions: number[];
  labels: number[];
  step?: number;
  naturalAccuracy?: number;
  certified?: EvaluationSummary['certified'];
}): Extract<WorkerEvent, { type: 'evaluation' }> {
  return {
    type: 'evaluation',
    radii: Float64Array.from(e.radii),
    predictions: Int32Array.from(e.predictions),
    labels: Int32Array.from(e.labels),
    step: e.step ?? 100,
    n: e.labels.length,
    naturalAccuracy:
      e.naturalAccuracy ?? e.labels.filter((l, i) => e.predictions[i] === l).length / e.labels.length,
    certified: e.certified ?? [],
    imagesPerSecond: 1000,
  };
}

/**
 * Gives recharts' ResponsiveContainer a layout box, so that it renders its chart: it measures
 * itself with getBoundingClientRect, where happy-dom reports 0 x 0 for everything. Other elements
 * (such as the legend, which recharts also measures) keep a 0 x 0 box. Undo with
 * `vi.restoreAllMocks()`.
 */
export function stubLayout(width = 600, height = 200): void {
  const box = (w: number, h: number) =>
    ({
      width: w,
      height: h,
      top: 0,
      left: 0,
      right: w,
      bottom: h,
      x: 0,
      y: 0,
      toJSON: () => ({}),
    }) as DOMRect;
  vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
    return this.classList.contains('recharts-responsive-container') ? box(width, height) : box(0, 0);
  });
}
