// Faults of the worker and the tab, in the real page (issue 17): a worker that stops answering,
// and the lab open in two tabs. Each test asserts what the user sees and
// what is kept.
import { FAULT_RUN, offeredStep, trainThenPause, trainingWorker } from './faults.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

test('a worker that stops answering: the page says so, and a new worker resumes the last checkpoint with its history', async ({
  profile,
}) => {
  test.setTimeout(480_000);
  const page = profile.page;
  const lab = new LabPage(page);
  await lab.open(FAULT_RUN);
  // Past the lead-in evaluations (3, 10, 20, 35); the next is at step 200.
  const paused = await trainThenPause(lab, 36);
  const evaluations = await lab.points('accuracy-chart');
  expect(evaluations).toBe(4);
  await lab.byId('resume-button').click();
  await expect.poll(() => lab.step(), { timeout: 60_000 }).toBeGreaterThan(paused + 5);

  // The worker's thread spins forever: no step, no event, no heartbeat from now on.
  const worker = await trainingWorker(page);
  void worker
    .evaluate(() => {
      for (;;);
    })
    .catch(() => {});
  const banner = lab.byId('worker-silent-banner');
  await expect(banner).toBeVisible({ timeout: 120_000 });
  await expect(banner).toContainText(/The training worker has not answered for 3\d s/);
  const stuckAt = await lab.step();
  await lab.screenshot('faults-worker-silent');

  await lab.byId('restart-worker').click();
  await expect(banner).toBeHidden();
  // The new worker offers the last checkpoint: the one written on pause, or a later periodic one.
  const offered = await offeredStep(lab);
  expect(offered).toBeGreaterThanOrEqual(paused);
  expect(offered).toBeLessThanOrEqual(stuckAt);
  await expect(lab.byId('backend-badge').locator('strong')).toBeVisible({ timeout: 60_000 });

  await lab.byId('resume-checkpoint').click();
  // The history came back with the weights: the four evaluations are drawn before the next one
  // (step 200) could have been made, and the run goes on from the checkpoint's step.
  // The new worker loads the dataset again (from the Cache API) before it can rebuild the run.
  await expect.poll(() => lab.points('accuracy-chart'), { timeout: 240_000 }).toBe(evaluations);
  expect(await lab.step()).toBeLessThan(200);
  await expect.poll(() => lab.step(), { timeout: 60_000 }).toBeGreaterThan(offered);
  await expect(lab.byId('error-banner')).toBeHidden();
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
});

test('two tabs: one owns the run and its checkpoints, the other says so and takes over when it closes', async ({
  profile,
}) => {
  test.setTimeout(540_000);
  const owner = new LabPage(profile.page);
  await owner.open(FAULT_RUN);
  const first = await trainThenPause(owner, 10);

  const other = new LabPage(await profile.context.newPage());
  await other.page.goto(`/?${FAULT_RUN}`);
  const notice = other.byId('other-tab-banner');
  await expect(notice).toContainText(
    'This lab is open in another tab, which owns the run; training here is off.',
  );
  await expect(other.byId('train-button')).toHaveAttribute('aria-disabled', 'true');
  // No worker here, so nothing in this tab can write a checkpoint.
  expect(other.page.workers().filter((w) => w.url().includes('train.worker'))).toEqual([]);
  await other.screenshot('faults-other-tab');

  // The owner trains on and checkpoints on pause; the other tab changes nothing of it.
  const second = await trainThenPause(owner, first + 10, 'resume-button');
  await expect(notice).toBeVisible();

  await profile.page.close();
  await expect(notice).toBeHidden({ timeout: 60_000 });
  await expect(other.byId('backend-badge').locator('strong')).toBeVisible({ timeout: 60_000 });
  expect(await offeredStep(other)).toBe(second);
  // Its new worker loads the dataset (from the Cache API) before the run is rebuilt.
  await other.byId('resume-checkpoint').click();
  await expect.poll(() => other.step(), { timeout: 240_000 }).toBeGreaterThan(second);
  await other.byId('pause-button').click();
  await other.waitForState('paused', 60_000);
});
