// @vitest-environment happy-dom
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { WorkerEvent } from '../../src/protocol.ts';
import { LossChart } from '../../src/ui/charts/TrainingCharts.tsx';
import { type PageVisibility, quietWhileHidden } from '../../src/ui/quietWhileHidden.ts';
import { emit, renderWithLab, stubLayout } from './render.tsx';

/** A page whose visibility the test sets, firing `visibilitychange` as a browser does. */
function fakePage() {
  const target = new EventTarget();
  const page = {
    visibilityState: 'visible' as DocumentVisibilityState,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
  };
  return {
    page: page as unknown as PageVisibility,
    show(state: DocumentVisibilityState) {
      page.visibilityState = state;
      target.dispatchEvent(new Event('visibilitychange'));
    },
  };
}

describe('quietWhileHidden', () => {
  it('passes changes on while visible, holds them while hidden, and delivers one catch-up when shown', () => {
    const store = createStore<{ n: number }>(() => ({ n: 0 }));
    const { page, show } = fakePage();
    const heard: [number, number][] = [];
    quietWhileHidden(store, page).subscribe((state, previous) => heard.push([state.n, previous.n]));

    store.setState({ n: 1 });
    expect(heard).toEqual([[1, 0]]);
    show('hidden');
    store.setState({ n: 2 });
    store.setState({ n: 3 });
    expect(heard).toEqual([[1, 0]]);
    // The state stays current underneath: only the subscribers wait.
    expect(store.getState().n).toBe(3);
    show('visible');
    expect(heard).toEqual([
      [1, 0],
      [3, 1],
    ]);
    // Shown again with nothing missed: no call.
    show('hidden');
    show('visible');
    expect(heard).toHaveLength(2);
  });

  it('forgets its page listener when the subscriber leaves', () => {
    const store = createStore<{ n: number }>(() => ({ n: 0 }));
    const { page, show } = fakePage();
    const heard: number[] = [];
    const leave = quietWhileHidden(store, page).subscribe((s) => heard.push(s.n));
    show('hidden');
    store.setState({ n: 1 });
    leave();
    show('visible');
    store.setState({ n: 2 });
    expect(heard).toEqual([]);
  });
});

describe('the page while hidden', () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
    setVisibility('visible');
  });

  function setVisibility(state: DocumentVisibilityState): void {
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue(state);
    act(() => void document.dispatchEvent(new Event('visibilitychange')));
  }

  function metrics(step: number): WorkerEvent {
    return {
      type: 'metrics',
      step,
      epoch: step / 100,
      loss: 2 - step / 100,
      trainAccuracy: 0.5,
      learningRate: 0.01,
      imagesPerSecond: 500,
      etaSeconds: 10,
      totalSteps: 400,
    };
  }

  it('draws no metrics while the tab is hidden, and all of them once it is shown', () => {
    stubLayout(600, 240);
    const { store } = renderWithLab(<LossChart />);
    const drawn = () => Number(screen.getByTestId('loss-chart').getAttribute('data-points'));
    emit(store, metrics(1));
    expect(drawn()).toBe(1);

    setVisibility('hidden');
    for (let step = 2; step <= 5; step++) emit(store, metrics(step));
    expect(store.getState().metrics).toHaveLength(5);
    expect(drawn()).toBe(1);

    setVisibility('visible');
    expect(drawn()).toBe(5);
  });
});
