// The real training worker (src/worker/train.worker.ts) in headless Chromium, on each backend:
// it starts the backend it was asked for, trains the same steps as the Node engine (loss for loss),
// evaluates like the Node evaluator (radius for radius), exports a valid weights file, and a reload
// mid-run offers the checkpoint and continues exactly where it stopped.
import { mkdir } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { presetArch } from '../src/sll/arch.ts';
import { parseWeights } from '../src/sll/weightsJson.ts';
import type { WorkerEvent } from '../src/protocol.ts';
import type { BackendName } from '../src/sll/backendNames.ts';
import type { TrainConfig } from '../src/sll/trainConfig.ts';
import type { EventSummary } from '../test/harness/trainHarness.ts';
import { referenceEvaluation, referenceLosses } from './nodeReference.ts';
import { expect, test } from './persistentProfile.ts';
import { PAPER_EPSILONS } from '../src/sll/certify.ts';

const HARNESS = '/test/harness/train.html';
const ARTIFACTS = new URL('./artifacts/', import.meta.url);

// 1,024 training images in batches of 32: a 32-step run whose schedule warms up and decays within
// the run, so the loss falls within a few steps. No augmentation, so every backend sees the same
// pixels; a checkpoint every step flushes one metrics event per step (no averaging over steps).
const CONFIG: TrainConfig = {
  preset: 'tiny',
  arch: presetArch('tiny'),
  dataset: 'cifar10',
  loss: 'xent',
  learningRate: 0.01,
  batchSize: 32,
  epochs: 1,
  augment: false,
  seed: 1,
  trainLimit: 1024,
  evalEvery: 0,
  evalSubset: 1,
  checkpointEvery: 1,
  checkpointSeconds: 0,
};
const TOTAL_STEPS = 32;

// How far each backend trains and how many test images it certifies: SwiftShader's WebGPU takes
// about 10 s a step for `tiny` on two cores, WebGL about 2 s, the CPU backend 1 s, WASM 0.07 s.
// The timeouts leave room for a machine busy with other work; a passing run takes 10 to 35 s each.
const PLAN: Record<BackendName, { steps: number; evaluate: number; timeout: number }> = {
  wasm: { steps: 24, evaluate: 200, timeout: 120_000 },
  cpu: { steps: 5, evaluate: 100, timeout: 120_000 },
  webgl: { steps: 3, evaluate: 100, timeout: 150_000 },
  webgpu: { steps: 2, evaluate: 32, timeout: 240_000 },
};

let reference: Promise<number[]> | null = null;
const referenceRun = () => (reference ??= referenceLosses(CONFIG, TOTAL_STEPS));

async function openHarness(page: Page, backend: BackendName): Promise<EventSummary> {
  await page.goto(`${HARNESS}?backend=${backend}`);
  await page.waitForFunction(() => window.trainHarness !== undefined);
  return page.evaluate(() => window.trainHarness.next('ready', 0, 60_000));
}

function eventCount(page: Page): Promise<number> {
  return page.evaluate(() => window.trainHarness.events.length);
}

function next(page: Page, type: WorkerEvent['type'], from: number, timeoutMs: number): Promise<EventSummary> {
  return page.evaluate(({ type, from, timeoutMs }) => window.trainHarness.next(type, from, timeoutMs), {
    type,
    from,
    timeoutMs,
  });
}

async function waitForState(page: Page, state: string, from: number, timeout: number): Promise<void> {
  await page.waitForFunction(
    ({ state, from }) =>
      window.trainHarness.events
        .slice(from)
        .some((e) => e.type === 'state' && (e.state === state || e.state === 'failed')),
    { state, from },
    { timeout },
  );
  const errors = await events(page, 'error', from);
  expect(errors).toEqual([]);
}

async function events(page: Page, type: WorkerEvent['type'], from = 0): Promise<EventSummary[]> {
  return page.evaluate(
    ({ type, from }) =>
      window.trainHarness.events
        .map((e, i) => (i >= from && e.type === type ? window.trainHarness.summary(i) : null))
        .filter((e) => e !== null),
    { type, from },
  );
}

/** The metrics events' losses, checked to be one per step from `firstStep` on. */
function stepLosses(metrics: EventSummary[], firstStep: number): number[] {
  expect(metrics.map((m) => m.step)).toEqual(metrics.map((_, i) => firstStep + i));
  return metrics.map((m) => m.loss as number);
}

function expectSameLosses(got: number[], want: number[], firstStep: number): void {
  for (const [i, loss] of got.entries()) {
    expect(Number.isFinite(loss), `loss at step ${firstStep + i}`).toBe(true);
    // Float32 sums in another order on another backend: equal to about 1e-6 relative, and a real
    // fault (a wrong gradient, a skipped update, another batch) moves the loss by far more.
    expect(Math.abs(loss - want[firstStep - 1 + i]), `loss at step ${firstStep + i}`).toBeLessThan(
      1e-3 * want[firstStep - 1 + i],
    );
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test.describe('training worker in Chromium', () => {
  for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu'] as const) {
    test(`${backend}: trains loss for loss like Node, evaluates radius for radius, exports weights`, async ({
      profile,
    }) => {
      const plan = PLAN[backend];
      test.setTimeout(plan.timeout);
      const page = profile.page;
      const want = await referenceRun();
      // The reference run itself learns: the last quarter's loss is well below the first quarter's.
      expect(mean(want.slice(-8))).toBeLessThan(mean(want.slice(0, 8)) - 0.2);

      const ready = await openHarness(page, backend);
      if (backend === 'webgl' && ready.backend !== 'webgl') {
        // A Chromium without WebGL 2 here: the worker must say why it moved on, then nothing to test.
        const fallbacks = ready.fallbacks as { backend: string; reason: string }[];
        expect(fallbacks.find((f) => f.backend === 'webgl')?.reason).toMatch(/\S/);
        test.skip(true, `WebGL did not start: ${JSON.stringify(fallbacks)}`);
      }
      expect(ready).toMatchObject({ backend, fallbacks: [] });
      if (backend === 'webgpu') expect(ready.adapter).toMatch(/\S/);
      await expect(page.getByTestId('backend')).toContainText(backend);

      // Train, pausing once the planned step has reported (the loop may finish a step more).
      let from = await eventCount(page);
      await page.evaluate(({ config, steps }) => window.trainHarness.train(config, { step: steps }), {
        config: CONFIG,
        steps: plan.steps,
      });
      await waitForState(page, 'paused', from, plan.timeout);
      const metrics = await events(page, 'metrics', from);
      const losses = stepLosses(metrics, 1);
      const pausedAt = losses.length;
      expect(pausedAt).toBeGreaterThanOrEqual(plan.steps);
      expect(metrics.at(-1)).toMatchObject({ totalSteps: TOTAL_STEPS });
      expectSameLosses(losses, want, 1);
      if (pausedAt >= 16) expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
      const checkpoints = await events(page, 'checkpoint', from);
      expect(checkpoints.at(-1)?.step).toBe(pausedAt);

      // Evaluate a few test images; the same weights in the Node evaluator give the same answers.
      from = await eventCount(page);
      await page.evaluate((n) => window.trainHarness.send({ type: 'evaluate', subset: n }), plan.evaluate);
      const evaluation = await next(page, 'evaluation', from, plan.timeout);
      expect(evaluation).toMatchObject({ step: pausedAt, n: plan.evaluate });
      expect(evaluation.radii).toMatchObject({ kind: 'Float64Array', length: plan.evaluate });
      expect(evaluation.predictions).toMatchObject({ kind: 'Int32Array', length: plan.evaluate });
      const certified = evaluation.certified as { eps: number; accuracy: number }[];
      // The paper's four radii only: the page's eps never reaches the worker.
      expect(certified.map((c) => c.eps)).toEqual(PAPER_EPSILONS);
      const accuracies = [evaluation.naturalAccuracy as number, ...certified.map((c) => c.accuracy)];
      for (const a of accuracies) expect(a >= 0 && a <= 1).toBe(true);
      const browser = await page.evaluate((index) => {
        const e = window.trainHarness.events[index];
        if (e.type !== 'evaluation') throw new Error('not an evaluation');
        return { predictions: Array.from(e.predictions), radii: Array.from(e.radii) };
      }, evaluation.index);

      from = await eventCount(page);
      await page.evaluate(() => window.trainHarness.send({ type: 'exportWeights', withOptimizer: false }));
      const exported = (await next(page, 'weights', from, 30_000)).text as string;
      const weights = parseWeights(exported);
      expect(weights.arch).toEqual(presetArch('tiny'));
      expect(weights.extras.step).toBe(pausedAt);

      const node = await referenceEvaluation(exported, plan.evaluate);
      for (let i = 0; i < plan.evaluate; i++) {
        // Only a near-tie (radius ~ 0) may pick the other class on another backend.
        if (node.radii[i] > 1e-3) expect(browser.predictions[i], `image ${i}`).toBe(node.predictions[i]);
        expect(Math.abs(browser.radii[i] - node.radii[i]), `radius of image ${i}`).toBeLessThan(1e-3);
      }

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL(`worker-${backend}.png`, ARTIFACTS).pathname, fullPage: true });
    });
  }

  test('a reload mid-run offers the checkpoint, and resuming continues exactly where it paused', async ({
    profile,
  }) => {
    test.setTimeout(120_000);
    const want = await referenceRun();
    let page = profile.page;
    expect(await openHarness(page, 'wasm')).toMatchObject({ backend: 'wasm' });
    let from = await eventCount(page);
    await page.evaluate((config) => window.trainHarness.train(config, { step: 8 }), CONFIG);
    await waitForState(page, 'paused', from, 60_000);
    const pausedAt = stepLosses(await events(page, 'metrics', from), 1).length;
    expect((await events(page, 'checkpoint', from)).at(-1)?.step).toBe(pausedAt);

    await page.reload();
    page = profile.page;
    await page.waitForFunction(() => window.trainHarness !== undefined);
    const resumable = await next(page, 'resumable', 0, 60_000);
    expect(resumable).toMatchObject({ step: pausedAt, totalSteps: TOTAL_STEPS, config: CONFIG });
    await expect(page.getByTestId('resumable')).toContainText(`step ${pausedAt} / ${TOTAL_STEPS}`);

    from = await eventCount(page);
    await page.evaluate(() => window.trainHarness.send({ type: 'restoreCheckpoint' }));
    await waitForState(page, 'paused', from, 60_000);
    expect((await events(page, 'state', from)).at(-1)).toMatchObject({ state: 'paused', step: pausedAt });
    const history = await next(page, 'history', from, 1_000);
    expect((history.metrics as unknown[]).length).toBe(pausedAt);

    from = await eventCount(page);
    await page.evaluate(() => window.trainHarness.send({ type: 'resume' }));
    await waitForState(page, 'done', from, 60_000);
    // Steps pausedAt+1 .. 32, each with the loss of an uninterrupted run at that step.
    const after = stepLosses(await events(page, 'metrics', from), pausedAt + 1);
    expect(after).toHaveLength(TOTAL_STEPS - pausedAt);
    expectSameLosses(after, want, pausedAt + 1);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('worker-resumed.png', ARTIFACTS).pathname, fullPage: true });
  });
});
