// The page side of the dataset harness: runs loads in the worker, shows them, and keeps them on
// window.datasetHarness for Playwright.
import type { HarnessResult, LoadProgress, SplitName, WorkerMessage } from './datasetProtocol.ts';

export interface DatasetHarness {
  /** Loads the splits in order in a fresh worker; resolves with the result, also on failure. */
  run(splits?: SplitName[]): Promise<HarnessResult>;
  /** Every result so far, oldest first. */
  results: HarnessResult[];
  /** Every progress event the worker sent for the latest run. */
  progress: LoadProgress[];
}

declare global {
  interface Window {
    datasetHarness: DatasetHarness;
  }
}

const BASE_URL = '/datasets/cifar10/';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from dataset.html`);
  return found as T;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

function showProgress(progress: LoadProgress): void {
  const bar = element<HTMLProgressElement>(`progress-${progress.split}`);
  bar.max = progress.totalBytes;
  bar.value = progress.loadedBytes;
  element(`label-${progress.split}`).textContent =
    `${mb(progress.loadedBytes)} / ${mb(progress.totalBytes)} MB, ` +
    `${progress.loadedImages} / ${progress.totalImages} images${progress.fromCache ? ' (cache)' : ''}`;
}

function showResult(result: HarnessResult, runNumber: number): void {
  element('error').textContent = result.error ? `${result.error.name}: ${result.error.message}` : '';
  const section = document.createElement('section');
  section.dataset.testid = `run-${runNumber}`;
  const heading = document.createElement('h2');
  heading.textContent = `Run ${runNumber}: ${result.ok ? 'loaded' : 'failed'} (manifest ${result.manifestMs.toFixed(0)} ms)`;
  const table = document.createElement('table');
  const header = [
    'split',
    'images',
    'ms',
    'network MB',
    'cache MB',
    'per class',
    'pixels sha256',
    'image 0 RGB',
  ];
  table.insertRow().append(
    ...header.map((text) => {
      const th = document.createElement('th');
      th.textContent = text;
      return th;
    }),
  );
  for (const split of result.splits) {
    const row = table.insertRow();
    const cells: [string, boolean][] = [
      [split.split, true],
      [String(split.n), false],
      [split.ms.toFixed(0), false],
      [mb(split.networkBytes), false],
      [mb(split.cacheBytes), false],
      [split.classCounts.join(' '), true],
      [`${split.pixelsSha256.slice(0, 16)}…`, true],
      [split.samples[0].first.slice(0, 6).join(','), true],
    ];
    for (const [text, isText] of cells) {
      const cell = row.insertCell();
      cell.textContent = text;
      if (isText) cell.className = 'text';
    }
  }
  section.append(heading, table);
  element('runs').append(section);
}

let busy = false;

async function run(splits: SplitName[] = ['test', 'train']): Promise<HarnessResult> {
  if (busy) throw new Error('a load is already running');
  busy = true;
  harness.progress = [];
  element('state').textContent = 'loading…';
  // A fresh worker per run, as a page reload gives the app's worker.
  const worker = new Worker(new URL('./datasetWorker.ts', import.meta.url), { type: 'module' });
  try {
    const result = await new Promise<HarnessResult>((resolve, reject) => {
      worker.onerror = (event) => reject(new Error(`the dataset worker failed: ${event.message}`));
      worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
        const message = event.data;
        if (message.type === 'progress') {
          harness.progress.push(message.progress);
          showProgress(message.progress);
        } else {
          resolve(message.result);
        }
      };
      worker.postMessage({ type: 'load', baseUrl: BASE_URL, splits });
    });
    harness.results.push(result);
    showResult(result, harness.results.length);
    element('state').textContent = result.ok ? 'done' : 'failed';
    return result;
  } finally {
    worker.terminate();
    busy = false;
  }
}

const harness: DatasetHarness = { run, results: [], progress: [] };
window.datasetHarness = harness;
element('load').addEventListener('click', () => void run());
