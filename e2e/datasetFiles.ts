import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { DEFAULT_DATASETS_DIR } from '../src/cli/datasetsDir.ts';
import type { DatasetManifest } from '../src/data/manifest.ts';

/** Where the page and the harness fetch the shipped CIFAR-10 from. */
export const DATA_PATH = '/datasets/cifar10/';

export const MANIFEST_FILE = `${DEFAULT_DATASETS_DIR}/cifar10/manifest.json`;

export async function datasetManifest(): Promise<DatasetManifest> {
  return JSON.parse(await readFile(MANIFEST_FILE, 'utf8')) as DatasetManifest;
}

/** Dataset files (not the manifest) the browser asked the network for, by file name, as they come. */
export function watchDatasetRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith(DATA_PATH) && !pathname.endsWith('/manifest.json')) {
      seen.push(pathname.slice(DATA_PATH.length));
    }
  });
  return seen;
}

/** The dataset files verified and kept in the page's Cache API, by file name. */
export async function cachedDatasetFiles(page: Page): Promise<string[]> {
  const keys = await page.evaluate(async () => {
    const cache = await caches.open('sll-lab-datasets-v1');
    return (await cache.keys()).map((request) => decodeURIComponent(request.url));
  });
  return keys
    .filter((key) => key.includes(DATA_PATH))
    .map((key) => key.slice(key.indexOf(DATA_PATH) + DATA_PATH.length).replace(/#.*$/, ''));
}
