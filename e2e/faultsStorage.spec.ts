// IndexedDB full, in the real page (issue 17): the worker's checkpoint writes fail with
// QuotaExceededError; training goes on, the message names the step not saved and the step kept,
// and a reload offers the older checkpoint.
import { FAULT_RUN, offeredStep, trainThenPause, trainingWorker } from './faults.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

test('a full IndexedDB: training continues, the message names the step not saved, the older checkpoint is kept', async ({
  profile,
}) => {
  test.setTimeout(300_000);
  const page = profile.page;
  const lab = new LabPage(page);
  await lab.open(FAULT_RUN);
  const kept = await trainThenPause(lab, 10);

  // From now on every write of the worker's IndexedDB is refused as a full quota would be.
  const worker = await trainingWorker(page);
  await worker.evaluate(() => {
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('the test filled the quota', 'QuotaExceededError');
    };
  });
  await lab.byId('resume-button').click();

  // The periodic checkpoint (every 15 s) fails while the run goes on.
  const error = lab.byId('error-banner');
  await expect(error).toContainText('CheckpointNotSaved', { timeout: 90_000 });
  await expect(error).toContainText("the browser's storage for this site is full");
  await expect(error).toContainText(`training continues; the checkpoint from step ${kept} is kept`);
  const notSaved = Number((await error.textContent())?.match(/checkpoint at step (\d+) was not saved/)?.[1]);
  expect(notSaved).toBeGreaterThan(kept);
  expect(await lab.runState()).toContain('running');
  await expect.poll(() => lab.step(), { timeout: 60_000 }).toBeGreaterThan(notSaved + 5);
  await lab.screenshot('faults-quota');

  // The pause's checkpoint fails too, and says so with its own step.
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
  await expect(error).toContainText(`the checkpoint at step ${await lab.step()} was not saved`);

  await page.reload();
  expect(await offeredStep(lab)).toBe(kept);
});
