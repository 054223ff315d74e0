// A fault of the tab (issue 17): the lab hidden behind another tab for minutes while it trains, its
// timers throttled as Chromium throttles a visitor's background tab. Asserts what the user sees on
// coming back and what is kept.
import { evaluationAt } from '../src/sll/evalSchedule.ts';
import { offeredStep } from './faults.ts';
import { expect, test } from './fixtures.ts';
import { LabPage } from './labPage.ts';
import { launchUserBrowser, visibility } from './userBrowser.ts';

/** `tiny` on the CPU backend, long enough to train through the whole test, evaluating often. */
const STEPS_PER_EPOCH = 200;
const EPOCHS = 50;
const EVAL_EVERY = 50;
const EVAL_IMAGES = 32;
const RUN = `preset=tiny&batch=8&train=${8 * STEPS_PER_EPOCH}&epochs=${EPOCHS}&evalEvery=${EVAL_EVERY}&evalImages=${EVAL_IMAGES}&augment=false&backend=cpu`;
const HIDDEN_MS = 180_000;

/** Evaluations a run has made once it has done `step` steps. */
function evaluationsBy(step: number): number {
  const plan = {
    evalEvery: EVAL_EVERY,
    evalSubset: EVAL_IMAGES,
    stepsPerEpoch: STEPS_PER_EPOCH,
    totalSteps: STEPS_PER_EPOCH * EPOCHS,
  };
  let count = 0;
  for (let s = 1; s <= step; s++) if (evaluationAt(s, plan) > 0) count++;
  return count;
}

// Traces and screenshots capture the page, which would keep it visible.
test.use({ trace: 'off', screenshot: 'off' });

test('a tab hidden for three minutes while it trains: no false alarm, every evaluation drawn, the checkpoint kept', async ({
  baseURL,
  securityGuard,
}) => {
  test.setTimeout(600_000);
  // Chromium's intensive throttling (timers woken once a minute) starts after 10 s hidden, not 5 min.
  const user = await launchUserBrowser([
    '--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/10',
  ]);
  try {
    await securityGuard.watch(user.context);
    const page = user.context.pages()[0] ?? (await user.context.newPage());
    const lab = new LabPage(page, baseURL);
    await lab.open(RUN);
    await lab.byId('train-button').click();
    await expect.poll(() => lab.step(), { timeout: 180_000 }).toBeGreaterThan(EVAL_EVERY);
    // The pace while shown, for the report.
    const shownFrom = { step: await lab.step(), at: Date.now() };
    await page.waitForTimeout(30_000);
    const before = await lab.step();
    const shownRate = (before - shownFrom.step) / ((Date.now() - shownFrom.at) / 1000);

    await user.openTabInFront('about:blank');
    await expect.poll(() => visibility(page), { timeout: 30_000 }).toBe('hidden');
    const hiddenAt = Date.now();
    // Nothing reads the hidden page: the test waits as a user away from the tab would.
    await new Promise((r) => setTimeout(r, HIDDEN_MS));
    const hiddenFor = Date.now() - hiddenAt;

    await page.bringToFront();
    const shownAt = Date.now();
    await expect.poll(() => visibility(page), { timeout: 30_000 }).toBe('visible');
    // The page catches up at once with where the worker got to behind it: well past the step it
    // was hidden at (about 170 steps were made hidden here; a few more while it is shown).
    await expect.poll(() => lab.step(), { timeout: 10_000 }).toBeGreaterThan(before);
    const shown = await lab.step();
    expect(shown).toBeGreaterThan(before + 30);
    const hiddenRate = (shown - before) / ((shownAt - hiddenAt) / 1000);
    await expect(lab.byId('worker-silent-banner')).toBeHidden();
    await expect(lab.byId('error-banner')).toBeHidden();

    await lab.byId('pause-button').click();
    await lab.waitForState('paused', 60_000);
    const paused = await lab.step();
    // Every evaluation of the run, those made while hidden too, is in the chart.
    const evaluations = evaluationsBy(paused);
    await expect.poll(() => lab.points('accuracy-chart'), { timeout: 30_000 }).toBe(evaluations);
    const report =
      `hidden ${(hiddenFor / 1000).toFixed(0)} s; step ${before} when hidden, ${shown} when shown ` +
      `(${hiddenRate.toFixed(2)} steps/s hidden, ${shownRate.toFixed(2)} shown), paused at ${paused}; ` +
      `${evaluations} evaluations drawn`;
    console.log(report);
    test.info().annotations.push({ type: 'hidden tab', description: report });
    await expect(lab.byId('worker-silent-banner')).toBeHidden();

    // The checkpoint written on pause is the one a later visit offers.
    await page.reload();
    expect(await offeredStep(lab)).toBe(paused);
  } finally {
    await user.close();
  }
});
