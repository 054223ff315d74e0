// One truth: what the page shows always describes the model the worker holds (issue 13, findings
// 1-3). Each test drives the real page as a user would and fails on the page before this rule.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { parseWeights } from '../src/sll/weightsJson.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

/** tiny on the CPU backend, 100 steps an epoch, evaluations on 32 test images every 25 steps. */
const RUN = 'preset=tiny&batch=8&train=800&epochs=1&evalEvery=25&evalImages=32&augment=false&backend=cpu';

async function trainUntil(lab: LabPage, step: number): Promise<number> {
  await lab.byId('train-button').click();
  await expect.poll(() => lab.step(), { timeout: 120_000 }).toBeGreaterThanOrEqual(step);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
  return lab.step();
}

async function download(page: Page, lab: LabPage, testId: string, path: string) {
  const downloading = page.waitForEvent('download');
  await lab.byId(testId).click();
  await (await downloading).saveAs(path);
  return parseWeights(await readFile(path, 'utf8'));
}

test('a changed setting is pending: Resume says why it is off, Train and Reset ask first, nothing is lost', async ({
  profile,
}) => {
  test.setTimeout(240_000);
  const lab = new LabPage(profile.page);
  await lab.open(RUN);
  const paused = await trainUntil(lab, 5);
  const params = await lab.text('param-count');

  await lab.pressOn('depth-conv-slider', 'ArrowRight');
  // The held model is still the 2-conv one: the count stays, the 3-conv network is shown as pending.
  await expect(lab.byId('pending-summary')).toContainText('3 conv x 8');
  await expect(lab.byId('depth-conv-slider').locator('xpath=..')).toHaveAttribute('data-pending', 'true');
  await expect(lab.byId('width-slider').locator('xpath=..')).not.toHaveAttribute('data-pending', 'true');
  expect(await lab.text('param-count')).toBe(params);
  await expect(lab.byId('resume-button')).toBeDisabled();
  await expect(lab.byId('resume-reason')).toContainText('pending');
  await lab.screenshot('state-pending');

  await lab.byId('train-button').click();
  const dialog = lab.byId('confirm-dialog');
  await expect(dialog).toContainText(`step ${paused}`);
  await expect(dialog).toContainText('Download the weights first');
  await expect(lab.byId('confirm-cancel')).toBeFocused();
  await profile.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect(await lab.runState()).toContain('paused');
  expect(await lab.step()).toBe(paused);

  await lab.byId('reset-button').click();
  await expect(dialog).toContainText('Reset the lab');
  await lab.byId('confirm-cancel').click();
  expect(await lab.step()).toBe(paused);

  await lab.byId('preset-select').selectOption('lab');
  await expect(dialog).toContainText('Switch to the lab preset');
  await lab.byId('confirm-cancel').click();
  await expect(lab.byId('depth-conv-slider')).toHaveValue('3');

  await lab.byId('revert-settings').click();
  await expect(lab.byId('depth-conv-slider')).toHaveValue('2');
  await expect(lab.byId('pending-summary')).toBeHidden();
  await lab.byId('resume-button').click();
  await expect.poll(() => lab.step(), { timeout: 60_000 }).toBeGreaterThan(paused);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);

  await lab.pressOn('width-slider', 'ArrowRight');
  await lab.byId('train-button').click();
  await lab.byId('confirm-ok').click();
  await expect.poll(() => lab.points('loss-chart'), { timeout: 60_000 }).toBeLessThan(3);
  await expect(lab.byId('pending-summary')).toBeHidden();
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
});

test('a reload and "Resume it" bring back the latest evaluation: numbers, histogram and curve', async ({
  profile,
}) => {
  test.setTimeout(240_000);
  const lab = new LabPage(profile.page);
  // Evaluations every 40 steps: the restored one stays the latest for a while after resuming. Five
  // epochs: on a loaded machine the page may show step 42 while the worker is near 100, and a run
  // that ends before the pause arrives has nothing to resume.
  await lab.open(RUN.replace('evalEvery=25', 'evalEvery=40').replace('epochs=1', 'epochs=5'));
  await trainUntil(lab, 42);
  await expect(lab.byId('natural-accuracy')).toHaveText(/\d+\.\d\d%/);
  const natural = await lab.text('natural-accuracy');
  const certified = await lab.text('certified-accuracy');
  const bins = await lab.byId('radius-histogram').getAttribute('data-bins');

  await profile.page.reload();
  await lab.byId('resume-checkpoint').click();
  await expect(lab.byId('natural-accuracy')).toHaveText(natural, { timeout: 30_000 });
  expect(await lab.text('certified-accuracy')).toBe(certified);
  expect(await lab.byId('radius-histogram').getAttribute('data-bins')).toBe(bins);
  expect(Number(bins)).toBeGreaterThan(0);
  await expect(lab.byId('samples').locator('[data-verdict="pending"]')).toHaveCount(0);
  await lab.screenshot('state-restored');
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
});

test('a loaded weights file becomes the current model: its step, cleared charts, Download, and Train continues it', async ({
  profile,
}) => {
  test.setTimeout(540_000);
  const lab = new LabPage(profile.page);
  await lab.open(RUN);
  const saved = await trainUntil(lab, 30);
  const file = await download(profile.page, lab, 'download-checkpoint', test.info().outputPath('ckpt.json'));
  expect(file.extras.step).toBe(saved);
  expect(file.optimizer?.step).toBe(saved);

  // Another network in the page, trained a little: its charts must not survive the load.
  await lab.pressOn('width-slider', 'ArrowRight');
  await lab.byId('train-button').click();
  await lab.byId('confirm-ok').click();
  await expect.poll(() => lab.step(), { timeout: 120_000 }).toBeGreaterThan(3);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);

  await lab.byId('load-weights').setInputFiles(test.info().outputPath('ckpt.json'));
  await expect(lab.byId('model-banner')).toContainText(`at step ${saved}`, { timeout: 60_000 });
  await expect(lab.byId('model-banner')).toContainText("Adam's state from the file");
  expect(await lab.step()).toBe(saved);
  await expect(lab.byId('width-slider')).toHaveValue('8');
  await expect(lab.byId('download-weights')).toBeEnabled();
  await expect(lab.byId('pending-summary')).toBeHidden();
  // The file's own latest metrics point, not the other run's history.
  expect(await lab.points('loss-chart')).toBe(1);
  await lab.screenshot('state-loaded-file');

  // Train waits for the loaded model's evaluation on all 10,000 test images (slow on the CPU backend).
  await lab.byId('train-button').click();
  await expect(lab.byId('confirm-dialog')).toBeHidden();
  await expect.poll(() => lab.points('loss-chart'), { timeout: 300_000 }).toBeGreaterThan(1);
  expect(await lab.step()).toBeGreaterThan(saved);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
  const continued = await download(
    profile.page,
    lab,
    'download-weights',
    test.info().outputPath('after.json'),
  );
  // The run went on from the file's step, with the file's Adam (its step counts on from the file's).
  expect((continued.extras.metrics as { step: number }).step).toBeGreaterThan(saved);
  expect(continued.extras.step).toBe(await lab.step());
  expect(continued.extras.config).toEqual(file.extras.config);
});

test('pressing Train from the keyboard keeps the focus on the button', async ({ profile }) => {
  test.setTimeout(120_000);
  const lab = new LabPage(profile.page);
  await lab.open(RUN);
  await lab.byId('train-button').focus();
  await profile.page.keyboard.press('Enter');
  await lab.waitForState('running', 60_000);
  await expect(lab.byId('train-button')).toBeFocused();
  await expect(lab.byId('train-button')).toBeDisabled();
  await profile.page.keyboard.press('Tab');
  await expect(lab.byId('pause-button')).toBeFocused();
  await profile.page.keyboard.press('Enter');
  await lab.waitForState('paused', 60_000);
});
