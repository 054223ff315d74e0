// npm run bench:worker: training and evaluation speed of the real training worker in headless
// Chromium, per backend and preset, written to bench/artifacts/worker-speeds.json. Too slow for the
// test suite (SwiftShader's WebGPU needs minutes for a few `lab` steps), so it runs on demand.
//
// Options (environment): BENCH_BACKENDS=webgpu,webgl,wasm,cpu  BENCH_PRESETS=tiny,lab
// BENCH_AUGMENT=off,on (the official recipe augments; "off" shows the network's own cost).
import { mkdir, writeFile } from 'node:fs/promises';
import type { BrowserContext } from '@playwright/test';
import type { PresetName } from '../src/sll/arch.ts';
import type { BackendName } from '../src/sll/backendNames.ts';
import { launchDevBrowser } from './devBrowser.ts';

const PORT = 5198;
const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const list = <T extends string>(value: string | undefined, fallback: T[]) =>
  value ? (value.split(',') as T[]) : fallback;
const BACKENDS = list<BackendName>(process.env.BENCH_BACKENDS, ['webgpu', 'webgl', 'wasm', 'cpu']);
const PRESETS = list<PresetName>(process.env.BENCH_PRESETS, ['tiny', 'lab']);
const AUGMENT = list<'on' | 'off'>(process.env.BENCH_AUGMENT, ['off', 'on']);

// Training time measured per run (from the first metrics event), and test images per evaluation:
// SwiftShader's WebGPU takes seconds per step, so it gets more time and fewer images.
function budget(backend: BackendName, preset: PresetName): { trainMs: number; evalImages: number } {
  const slow = backend === 'webgpu' ? (preset === 'lab' ? 6 : 3) : preset === 'lab' ? 1.5 : 1;
  const evalImages = backend === 'webgpu' ? 64 : backend === 'wasm' ? 1000 : 250;
  return { trainMs: 25_000 * slow, evalImages: preset === 'lab' ? evalImages / 2 : evalImages };
}

interface Measurement {
  backend: BackendName;
  adapter: string | null;
  preset: PresetName;
  augment: boolean;
  batchSize: number;
  /** Median of the metrics events' images/s after the first quarter of them (warm-up). */
  trainImagesPerSecond: number | null;
  trainSteps: number;
  metricsEvents: number;
  /** The second of two evaluations (the first compiles shaders and fills caches). */
  evalImagesPerSecond: number | null;
  evalImages: number;
  error?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? null
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(
  context: BrowserContext,
  backend: BackendName,
  preset: PresetName,
  augment: boolean,
): Promise<Measurement> {
  const { trainMs, evalImages } = budget(backend, preset);
  const page = await context.newPage();
  try {
    await page.goto(`/test/harness/train.html?backend=${backend}`);
    await page.waitForFunction(() => window.trainHarness !== undefined);
    const ready = await page.evaluate(() => window.trainHarness.next('ready', 0, 120_000));
    if (ready.backend !== backend)
      throw new Error(`${backend} did not start: ${JSON.stringify(ready.fallbacks)}`);
    const from = await page.evaluate(() => window.trainHarness.events.length);
    await page.evaluate(
      ({ preset, augment, trainMs }) => {
        const h = window.trainHarness;
        // The full training set, so the run's schedule and data are the real ones.
        h.train(h.config(preset, { augment, evalSubset: 1 }), { afterMs: trainMs });
      },
      { preset, augment, trainMs },
    );
    await page.waitForFunction(
      (from) =>
        window.trainHarness.events
          .slice(from)
          .some((e) => e.type === 'state' && (e.state === 'paused' || e.state === 'failed')),
      from,
      { timeout: trainMs + 300_000 },
    );
    const metrics = await page.evaluate(
      (from) =>
        window.trainHarness.events
          .slice(from)
          .flatMap((e) => (e.type === 'metrics' ? [{ step: e.step, ips: e.imagesPerSecond }] : [])),
      from,
    );
    const errors = await page.evaluate(() => window.trainHarness.events.filter((e) => e.type === 'error'));
    if (errors.length) throw new Error(JSON.stringify(errors));
    const warm = metrics.slice(Math.max(1, Math.floor(metrics.length / 4)));
    const evalSpeeds: number[] = [];
    for (let i = 0; i < 2; i++) {
      const at = await page.evaluate(() => window.trainHarness.events.length);
      await page.evaluate((n) => window.trainHarness.send({ type: 'evaluate', subset: n }), evalImages);
      const e = await page.evaluate((at) => window.trainHarness.next('evaluation', at, 600_000), at);
      evalSpeeds.push(e.imagesPerSecond as number);
    }
    await page.screenshot({
      path: new URL(`bench-${backend}-${preset}-${augment ? 'aug' : 'noaug'}.png`, ARTIFACTS).pathname,
      fullPage: true,
    });
    return {
      backend,
      adapter: ready.adapter as string | null,
      preset,
      augment,
      batchSize: 32,
      trainImagesPerSecond: median(warm.map((m) => m.ips)),
      trainSteps: metrics.at(-1)?.step ?? 0,
      metricsEvents: metrics.length,
      evalImagesPerSecond: evalSpeeds[1],
      evalImages,
    };
  } catch (e) {
    return {
      backend,
      adapter: null,
      preset,
      augment,
      batchSize: 32,
      trainImagesPerSecond: null,
      trainSteps: 0,
      metricsEvents: 0,
      evalImagesPerSecond: null,
      evalImages,
      error: (e as Error).message,
    };
  } finally {
    await page.close();
  }
}

const browser = await launchDevBrowser(PORT);
const context = browser.context;
await mkdir(ARTIFACTS, { recursive: true });
const results: Measurement[] = [];
let chromiumVersion = 'unknown';
try {
  // Vite may re-bundle dependencies (and reload the page) on the first visit: visit once first.
  const warmup = await context.newPage();
  await warmup.goto('/test/harness/train.html?backend=cpu');
  await warmup.waitForTimeout(5_000);
  chromiumVersion = await warmup.evaluate(() => navigator.userAgent);
  await warmup.close();
  for (const backend of BACKENDS) {
    for (const preset of PRESETS) {
      for (const aug of AUGMENT) {
        const m = await measure(context, backend, preset, aug === 'on');
        results.push(m);
        console.log(JSON.stringify(m));
        await writeFile(
          new URL('worker-speeds.json', ARTIFACTS),
          `${JSON.stringify({ chromium: chromiumVersion, results }, null, 2)}\n`,
        );
      }
    }
  }
} finally {
  await browser.close();
}
console.log('\nbackend  adapter                        preset  augment  train img/s  eval img/s');
for (const r of results) {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1)).padStart(10);
  console.log(
    `${r.backend.padEnd(8)} ${(r.adapter ?? '-').slice(0, 30).padEnd(30)} ${r.preset.padEnd(7)} ${String(r.augment).padEnd(8)} ${f(r.trainImagesPerSecond)}  ${f(r.evalImagesPerSecond)}${r.error ? `  ERROR ${r.error.slice(0, 200)}` : ''}`,
  );
}
