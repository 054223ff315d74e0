// Loads the shipped dataset the way the app's training worker does: openDataset with the real
// fetch, the Cache API and the browser's PNG decoder, test split first, then train.
import { cacheStorageByteCache } from '../../src/worker/cacheStorageByteCache.ts';
import { decodePngInBrowser } from '../../src/worker/browserPngDecoder.ts';
import { openDataset, type LoadProgress } from '../../src/data/loader.ts';
import { sha256Hex } from '../../src/data/sha256.ts';
import { samplePixels, type HarnessResult, type LoadRequest, type WorkerMessage } from './datasetProtocol.ts';

function post(message: WorkerMessage): void {
  self.postMessage(message);
}

async function load(request: LoadRequest): Promise<HarnessResult> {
  const fetched: string[] = [];
  const result: HarnessResult = { ok: false, manifestMs: 0, splits: [], fetched };
  try {
    const started = performance.now();
    const dataset = await openDataset(request.baseUrl, {
      fetch: (url, init) => {
        fetched.push(url);
        return fetch(url, init);
      },
      cache: cacheStorageByteCache(),
      decodePng: decodePngInBrowser,
    });
    result.manifestMs = performance.now() - started;
    for (const split of request.splits) {
      let networkBytes = 0;
      let cacheBytes = 0;
      let lastBytes = 0;
      let lastImages = 0;
      let lastPost = 0;
      let progressEvents = 0;
      const shardMs: number[] = [];
      const splitStart = performance.now();
      const onProgress = (progress: LoadProgress) => {
        progressEvents++;
        // Each event carries running totals; the flag says where the newest bytes came from.
        const delta = progress.loadedBytes - lastBytes;
        lastBytes = progress.loadedBytes;
        if (progress.fromCache) cacheBytes += delta;
        else networkBytes += delta;
        const now = performance.now();
        const shardDone = progress.loadedImages !== lastImages;
        if (shardDone) {
          lastImages = progress.loadedImages;
          shardMs.push(now - splitStart);
        }
        // Thin out the stream for the page (a 23 MB file arrives in hundreds of chunks), but always
        // send the events that finish a shard.
        if (now - lastPost > 50 || shardDone) {
          lastPost = now;
          post({ type: 'progress', progress, atMs: now - started });
        }
      };
      const loaded = await dataset.loadSplit(split, { onProgress });
      const ms = performance.now() - splitStart;
      const { n, imageSize, channels, images, labels } = loaded;
      const classCounts = new Array<number>(dataset.manifest.numClasses).fill(0);
      for (const label of labels) classCounts[label]++;
      result.splits.push({
        split,
        n,
        ms,
        shardMs,
        networkBytes,
        cacheBytes,
        fromCache: networkBytes === 0,
        classCounts,
        pixelsSha256: await sha256Hex(images),
        labelsSha256: await sha256Hex(labels),
        firstLabels: Array.from(labels.subarray(0, 10)),
        samples: samplePixels(images, n, imageSize * imageSize * channels),
        progressEvents,
      });
    }
    result.ok = true;
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    result.error = { name, message };
  }
  return result;
}

self.onmessage = async (event: MessageEvent<LoadRequest>) => {
  post({ type: 'done', result: await load(event.data) });
};
