// The shipped CIFAR-10 through src/data in headless Chromium: exact pixels, the Cache API on
// reload, a clear error on a cut download, and how long it all takes.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import type { DatasetManifest } from '../src/data/manifest.ts';
import { loadDatasetNode } from '../src/cli/nodeDataset.ts';
import {
  samplePixels,
  type HarnessResult,
  type SplitName,
  type SplitReport,
} from './harness/datasetProtocol.ts';
import { DATA_PATH, MANIFEST_FILE, datasetManifest, watchDatasetRequests } from './datasetFiles.ts';
import { expect, test } from './persistentProfile.ts';

const HARNESS = '/e2e/harness/dataset.html';
const ARTIFACTS = new URL('./artifacts/', import.meta.url);

interface Expected {
  pixelsSha256: string;
  labelsSha256: string;
  firstLabels: number[];
  samples: SplitReport['samples'];
}

// The Node loader decodes with fast-png, an independent decoder from the browser's.
const expectedBySplit = new Map<SplitName, Promise<Expected>>();
function expected(split: SplitName): Promise<Expected> {
  let promise = expectedBySplit.get(split);
  if (!promise) {
    promise = loadDatasetNode('cifar10', split).then((data) => ({
      pixelsSha256: createHash('sha256').update(data.images).digest('hex'),
      labelsSha256: createHash('sha256').update(Uint8Array.from(data.labels)).digest('hex'),
      firstLabels: Array.from(data.labels.subarray(0, 10)),
      samples: samplePixels(data.images, data.n, data.imageSize * data.imageSize * data.channels),
    }));
    expectedBySplit.set(split, promise);
  }
  return promise;
}

function splitFiles(m: DatasetManifest, split: SplitName): string[] {
  return m.splits[split].shards.flatMap((shard) => [shard.labels.path, shard.images.path]);
}

function splitBytes(m: DatasetManifest, split: SplitName): number {
  return m.splits[split].shards.reduce((sum, shard) => sum + shard.labels.bytes + shard.images.bytes, 0);
}

async function openHarness(page: Page): Promise<void> {
  await page.goto(HARNESS);
  await page.waitForFunction(() => window.datasetHarness !== undefined);
}

function runHarness(page: Page, splits: SplitName[]): Promise<HarnessResult> {
  return page.evaluate((s) => window.datasetHarness.run(s), splits);
}

function fileNames(urls: string[]): string[] {
  return urls.map((url) => url.slice(url.lastIndexOf('/') + 1));
}

async function expectExact(report: SplitReport, split: SplitName, perClass: number): Promise<void> {
  const want = await expected(split);
  expect(report.split).toBe(split);
  expect(report.n).toBe(perClass * 10);
  expect(report.classCounts).toEqual(new Array(10).fill(perClass));
  expect(report.labelsSha256).toBe(want.labelsSha256);
  expect(report.firstLabels).toEqual(want.firstLabels);
  expect(report.samples).toEqual(want.samples);
  expect(report.pixelsSha256).toBe(want.pixelsSha256);
}

test.describe('CIFAR-10 loader in Chromium', () => {
  test('cold load matches the Node decoder byte for byte; a reload and a later visit come from the Cache API', async ({
    profile,
  }, testInfo) => {
    test.setTimeout(300_000); // three full loads; minutes when the machine is busy
    const m = await datasetManifest();
    const testFiles = splitFiles(m, 'test');
    const trainFiles = splitFiles(m, 'train');
    let page = profile.page;
    let requests = watchDatasetRequests(page);
    await openHarness(page);

    const cold = await runHarness(page, ['test', 'train']);
    expect(cold.error).toBeUndefined();
    expect(cold.ok).toBe(true);
    const [coldTest, coldTrain] = cold.splits;
    await expectExact(coldTest, 'test', 1000);
    expect(coldTest.firstLabels[0]).toBe(3); // test image 0 is a cat
    await expectExact(coldTrain, 'train', 5000);
    // Every file came over the network, each once, and the worker saw the same fetches the
    // browser reported: this is the control that shows the request watch sees worker traffic.
    expect(requests.sort()).toEqual([...testFiles, ...trainFiles].sort());
    expect(fileNames(cold.fetched)).toEqual(['manifest.json', ...testFiles, ...trainFiles]);
    expect(coldTest).toMatchObject({ fromCache: false, networkBytes: splitBytes(m, 'test'), cacheBytes: 0 });
    expect(coldTrain).toMatchObject({
      fromCache: false,
      networkBytes: splitBytes(m, 'train'),
      cacheBytes: 0,
    });
    // Progressive: the whole test split is reported before any train bytes, then one train shard
    // at a time up to 50,000 images.
    expect(coldTrain.shardMs).toHaveLength(5);
    const progress = await page.evaluate(() => window.datasetHarness.progress);
    const lastTest = progress.findLastIndex((p) => p.split === 'test');
    const firstTrain = progress.findIndex((p) => p.split === 'train');
    expect(lastTest).toBeLessThan(firstTrain);
    expect(progress[lastTest]).toMatchObject({ loadedImages: 10_000, totalImages: 10_000 });
    expect(progress.at(-1)).toMatchObject({
      split: 'train',
      loadedImages: 50_000,
      loadedBytes: splitBytes(m, 'train'),
    });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('dataset-cold.png', ARTIFACTS).pathname, fullPage: true });

    // A reload: the manifest is asked again (it always is); the shards come from the Cache API.
    requests.length = 0;
    await page.reload();
    await page.waitForFunction(() => window.datasetHarness !== undefined);
    const warm = await runHarness(page, ['test', 'train']);
    expect(warm.error).toBeUndefined();
    expect(requests).toEqual([]);
    expect(fileNames(warm.fetched)).toEqual(['manifest.json']);
    const [warmTest, warmTrain] = warm.splits;
    expect(warmTest).toMatchObject({ fromCache: true, networkBytes: 0, cacheBytes: splitBytes(m, 'test') });
    expect(warmTrain).toMatchObject({ fromCache: true, networkBytes: 0, cacheBytes: splitBytes(m, 'train') });
    await expectExact(warmTest, 'test', 1000);
    await expectExact(warmTrain, 'train', 5000);
    const warmProgress = await page.evaluate(() => window.datasetHarness.progress);
    expect(warmProgress.length).toBeGreaterThan(0);
    expect(warmProgress.filter((p) => !p.fromCache)).toEqual([]);
    await page.screenshot({ path: new URL('dataset-warm.png', ARTIFACTS).pathname, fullPage: true });

    // A later visit: the browser closed and started again on the same profile.
    page = await profile.relaunch();
    requests = watchDatasetRequests(page);
    await openHarness(page);
    const later = await runHarness(page, ['test', 'train']);
    expect(later.error).toBeUndefined();
    expect(requests).toEqual([]);
    expect(later.splits.map((s) => s.fromCache)).toEqual([true, true]);
    expect(later.splits.map((s) => s.pixelsSha256)).toEqual([coldTest.pixelsSha256, coldTrain.pixelsSha256]);

    const round = (ms: number) => Math.round(ms);
    const timings = {
      chromium: profile.context.browser()?.version() ?? 'unknown',
      // What a first visit downloads: the manifest and every shard.
      firstVisitBytes:
        (await readFile(MANIFEST_FILE)).byteLength + cold.splits.reduce((sum, s) => sum + s.networkBytes, 0),
      cold: { manifestMs: round(cold.manifestMs), testMs: round(coldTest.ms), trainMs: round(coldTrain.ms) },
      reload: { testMs: round(warmTest.ms), trainMs: round(warmTrain.ms) },
      laterVisit: { testMs: round(later.splits[0].ms), trainMs: round(later.splits[1].ms) },
      coldTrainShardMs: coldTrain.shardMs.map(round),
    };
    console.log(`dataset load times in headless Chromium: ${JSON.stringify(timings, null, 2)}`);
    await writeFile(new URL('dataset-timings.json', ARTIFACTS), `${JSON.stringify(timings, null, 2)}\n`);
    await testInfo.attach('dataset-timings', {
      body: JSON.stringify(timings, null, 2),
      contentType: 'application/json',
    });
  });

  test('a cut download fails with a clear DatasetLoadError, keeps nothing partial, and a retry succeeds', async ({
    profile,
  }) => {
    test.setTimeout(90_000);
    const m = await datasetManifest();
    const cut = m.splits.train.shards[2].images;
    const page = profile.page;
    let cuts = 0;
    // Serve the first half of the third train shard, as a connection that closes early would.
    await page.route(`**${DATA_PATH}${cut.path}`, async (route) => {
      cuts++;
      const response = await route.fetch();
      const body = (await response.body()).subarray(0, Math.floor(cut.bytes / 2));
      await route.fulfill({
        response,
        body,
        headers: { ...response.headers(), 'content-length': String(body.length) },
      });
    });
    await openHarness(page);

    const failed = await runHarness(page, ['test', 'train']);
    expect(cuts).toBe(1);
    expect(failed.ok).toBe(false);
    expect(failed.error?.name).toBe('DatasetLoadError');
    const message = `${DATA_PATH}${cut.path} was cut short: received ${Math.floor(cut.bytes / 2)} of ${cut.bytes} bytes. Check the connection and retry.`;
    expect(failed.error?.message).toBe(message);
    await expect(page.getByTestId('error')).toHaveText(`DatasetLoadError: ${message}`);
    // Nothing partial: the test split loaded, the train split did not come back at all, and only
    // verified files are in the cache (the shards before the cut one, not the cut one or after).
    expect(failed.splits.map((s) => s.split)).toEqual(['test']);
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('sll-lab-datasets-v1');
      return (await cache.keys()).map((request) => decodeURIComponent(request.url));
    });
    const cachedFiles = splitFiles(m, 'train').filter((file) =>
      cached.some((key) => key.includes(`/${file}#`)),
    );
    const trainShards = m.splits.train.shards;
    expect(cachedFiles).toEqual([
      trainShards[0].labels.path,
      trainShards[0].images.path,
      trainShards[1].labels.path,
      trainShards[1].images.path,
      trainShards[2].labels.path,
    ]);

    await page.unroute(`**${DATA_PATH}${cut.path}`);
    const requests = watchDatasetRequests(page);
    const retry = await runHarness(page, ['train']);
    expect(retry.error).toBeUndefined();
    expect(cuts).toBe(1);
    await expectExact(retry.splits[0], 'train', 5000);
    // The retry downloads only what was not verified before.
    const missing = trainShards
      .slice(2)
      .flatMap((s) => [s.images.path, ...(s === trainShards[2] ? [] : [s.labels.path])]);
    expect(requests.sort()).toEqual(missing.sort());
    await expect(page.getByTestId('error')).toBeEmpty();
  });
});
