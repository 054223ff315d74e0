/** EngineHost's dependencies for tests: the CPU backend, the toy data and in-memory stores. */
import { memoryCheckpointStore } from '../../src/engine/checkpoints.ts';
import type { HostDeps } from '../../src/engine/engineHost.ts';
import type { WorkerEvent } from '../../src/protocol.ts';
import { memoryDatasetStore } from './memoryDatasetStore.ts';
import { toyData } from './toyData.ts';

/** What the host posts goes into `events`; `overrides` replace single dependencies. */
export function toyHostDeps(events: WorkerEvent[], overrides: Partial<HostDeps> = {}): HostDeps {
  return {
    post: (e) => events.push(e),
    selectBackend: async () => ({ backend: 'cpu', adapter: null, fallbacks: [] }),
    loadData: async () => toyData(),
    store: memoryCheckpointStore(),
    datasets: memoryDatasetStore(),
    now: () => Date.now(),
    yieldToEvents: () => new Promise((r) => setImmediate(r)),
    ...overrides,
  };
}
