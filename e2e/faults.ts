import { type Page, type Worker, expect } from '@playwright/test';
import { LabPage } from './labPage.ts';

/**
 * `tiny` on the CPU backend, 200 steps an epoch, evaluations on 32 test images: the lead-in ones
 * after steps 3, 10, 20 and 35, then every 200 steps, so a run restored between steps 35 and 200
 * shows exactly the evaluations of its history.
 */
export const FAULT_RUN =
  'preset=tiny&batch=8&train=1600&epochs=5&evalEvery=200&evalImages=32&augment=false&backend=cpu';

/** The page's training worker, once it runs. */
export async function trainingWorker(page: Page): Promise<Worker> {
  const find = () => page.workers().find((w) => w.url().includes('train.worker'));
  await expect.poll(() => find() !== undefined, { timeout: 60_000 }).toBe(true);
  return find()!;
}

/** Trains until the run bar shows `step`, then pauses (which writes a checkpoint); the step paused at. */
export async function trainThenPause(lab: LabPage, step: number, button = 'train-button'): Promise<number> {
  await lab.byId(button).click();
  await expect.poll(() => lab.step(), { timeout: 180_000 }).toBeGreaterThanOrEqual(step);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
  return lab.step();
}

/** The step a "resume" banner offers (the stored checkpoint's). */
export async function offeredStep(lab: LabPage): Promise<number> {
  const banner = lab.byId('resume-banner');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  return Number((await banner.textContent())?.match(/interrupted at step (\d+)/)?.[1]);
}
