/**
 * Measurements in headless Chromium (Debian's, as the browser tests use): the Vite dev server
 * serves bench/harness, whose worker starts the backend the way the training worker does.
 */
import type { Page } from '@playwright/test';
import { type DevBrowser, launchDevBrowser } from './devBrowser.ts';
import type { BackendReady } from '../src/engine/backends.ts';
import type { BackendName } from '../src/sll/backendNames.ts';
import type { ConvShape } from './convShape.ts';
import type { FormulationTiming } from './formulations.ts';
import type { Measurement, MeasureOptions } from './measure.ts';
import type { TimingPlan } from './timing.ts';

const PORT = 5197;

export interface ChromiumBackend {
  ready: BackendReady;
  measure(options: MeasureOptions, timeoutMs: number): Promise<Measurement>;
  formulations(shape: ConvShape, plan: TimingPlan, timeoutMs: number): Promise<FormulationTiming[]>;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class ChromiumBench {
  private constructor(
    private readonly browser: DevBrowser,
    readonly userAgent: string,
  ) {}

  /** Starts Vite and Chromium, and loads what `backends` need once (see below). */
  static async launch(backends: readonly BackendName[]): Promise<ChromiumBench> {
    const browser = await launchDevBrowser(PORT);
    const context = browser.context;
    // Vite may discover a dependency late, re-bundle and reload the page that asked for it: load
    // every module the worker uses here (starting each backend does), so no measurement is cut off.
    const warmup = await context.newPage();
    for (const backend of backends) {
      for (let attempt = 0; ; attempt++) {
        try {
          await warmup.goto('/bench/harness/index.html');
          await warmup.waitForFunction(() => window.benchHarness !== undefined);
          await warmup.evaluate((b) => window.benchHarness.start(b), backend);
          await warmup.waitForTimeout(2_000);
          break;
        } catch (e) {
          if (attempt === 2) throw e;
        }
      }
    }
    const userAgent = await warmup.evaluate(() => navigator.userAgent);
    await warmup.close();
    return new ChromiumBench(browser, userAgent);
  }

  /** A fresh page and worker with `backend` started (forced, no fallback). */
  async start(backend: BackendName): Promise<ChromiumBackend> {
    const page: Page = await this.browser.context.newPage();
    try {
      await page.goto('/bench/harness/index.html');
      await page.waitForFunction(() => window.benchHarness !== undefined);
      const ready = await withTimeout(
        page.evaluate((b) => window.benchHarness.start(b), backend),
        120_000,
        `starting ${backend}`,
      );
      return {
        ready,
        measure: (options, timeoutMs) =>
          withTimeout(
            page.evaluate((o) => window.benchHarness.measure(o), options),
            timeoutMs,
            `${backend} ${options.preset}`,
          ),
        formulations: (shape, plan, timeoutMs) =>
          withTimeout(
            page.evaluate(([s, p]) => window.benchHarness.formulations(s, p), [shape, plan] as const),
            timeoutMs,
            `${backend} formulations`,
          ),
        close: () => page.close(),
      };
    } catch (e) {
      await page.close();
      throw e;
    }
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
