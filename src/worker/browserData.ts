/**
 * Datasets for the browser worker: the shipped CIFAR-10 (test split first, then train, with
 * progress) or an imported archive from IndexedDB. Each is loaded once per worker.
 */
import { decodePngInBrowser } from './browserPngDecoder.ts';
import { cacheStorageByteCache } from './cacheStorageByteCache.ts';
import type { DatasetStore } from '../data/datasetStore.ts';
import { type LoadProgress, openDataset } from '../data/loader.ts';
import type { WorkerEvent } from '../protocol.ts';
import type { LoadedDataset } from '../data/dataset.ts';

export function browserDataSource(
  datasetsBaseUrl: string,
  importedStore: () => DatasetStore,
): (id: string, post: (e: WorkerEvent) => void) => Promise<LoadedDataset> {
  const loaded = new Map<string, Promise<LoadedDataset>>();
  const load = async (id: string, post: (e: WorkerEvent) => void): Promise<LoadedDataset> => {
    if (id !== 'cifar10') {
      const stored = await importedStore().get(id);
      if (!stored) throw new Error(`dataset "${id}" is not stored in this browser (import it again)`);
      return { info: stored.info, train: stored.train, test: stored.test };
    }
    const dataset = await openDataset(`${datasetsBaseUrl}cifar10/`, {
      fetch: (url, init) => fetch(url, init),
      cache: cacheStorageByteCache(),
      decodePng: decodePngInBrowser,
    });
    const progress = (phase: 'loading' | 'ready') => (p: LoadProgress) =>
      post({
        type: 'dataset',
        phase,
        split: p.split,
        loadedImages: p.loadedImages,
        totalImages: p.totalImages,
        loadedBytes: p.loadedBytes,
        totalBytes: p.totalBytes,
      });
    const test = await dataset.loadSplit('test', { onProgress: progress('loading') });
    const train = await dataset.loadSplit('train', { onProgress: progress('loading') });
    post({
      type: 'dataset',
      phase: 'ready',
      split: 'train',
      loadedImages: train.n,
      totalImages: train.n,
      loadedBytes: 0,
      totalBytes: 0,
    });
    return { info: dataset.info, train, test };
  };
  return (id, post) => {
    let p = loaded.get(id);
    if (!p) {
      p = load(id, post);
      // A failed load is forgotten, so that asking again retries.
      p.catch(() => loaded.delete(id));
      loaded.set(id, p);
    }
    return p;
  };
}
