// The page on a phone and on a desktop (issue 13, findings 8 and 9): one column below 800 px with
// the results first and nothing wider than the screen; two columns at 1,280 px; the keyboard goes
// Train, Pause, Resume, Reset, then the settings; every slider says its value in words. One page
// load, resized, so the spec stays short on a busy machine.
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { LabPage } from './labPage.ts';

const box = async (locator: Locator) => {
  const b = await locator.boundingBox();
  if (!b) throw new Error(`${locator.toString()} is not visible`);
  return b;
};

test.use({ viewport: { width: 390, height: 844 } });

test('one column with the results first at 390 px, two at 1,280 px; keyboard order; sliders in words', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const lab = new LabPage(page);
  await lab.open('backend=cpu&preset=lab&eps=36');
  const accuracy = page.locator('[aria-label="Accuracy"]');
  const settings = page.locator('[aria-label="Settings"]');

  await test.step('390 x 844: nothing wider than the screen, charts inside it', async () => {
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      chartRight: Math.max(
        ...[...document.querySelectorAll('.charts figure, .charts svg')].map(
          (e) => e.getBoundingClientRect().right,
        ),
      ),
    }));
    expect(widths.scroll).toBeLessThanOrEqual(390);
    expect(widths.chartRight).toBeGreaterThan(0);
    expect(widths.chartRight).toBeLessThanOrEqual(widths.client);
  });

  await test.step('390 x 844: the numbers above the settings, on the first screen, below the buttons', async () => {
    const acc = await box(accuracy);
    const set = await box(settings);
    expect(acc.y + acc.height).toBeLessThanOrEqual(set.y);
    expect(acc.y + acc.height).toBeLessThanOrEqual(844);
    expect(Math.abs(acc.x - set.x)).toBeLessThan(1);
    expect((await box(lab.byId('train-button'))).y).toBeLessThan(acc.y);
    await lab.screenshot('layout-390');
  });

  await test.step('the keyboard goes Train, Pause, Resume, Reset, then the settings', async () => {
    await lab.byId('train-button').focus();
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
      order.push(id);
      if (id === 'dataset-select') break;
      await page.keyboard.press('Tab');
    }
    // Disabled buttons may be skipped, but none comes out of order and the settings come next.
    const buttons = ['train-button', 'pause-button', 'resume-button', 'reset-button'];
    expect(order[0]).toBe('train-button');
    expect(order.at(-1)).toBe('dataset-select');
    const between = order.slice(0, -1);
    expect(between.every((id) => buttons.includes(id))).toBe(true);
    expect(between).toEqual(buttons.filter((b) => between.includes(b)));
    expect(between).toContain('reset-button');
  });

  await test.step('every slider says its value in words (aria-valuetext), and follows it', async () => {
    const valueText = (id: string) => lab.byId(id).getAttribute('aria-valuetext');
    expect(await valueText('depth-conv-slider')).toBe('4 conv layers');
    expect(await valueText('depth-dense-slider')).toBe('1 dense layer');
    expect(await valueText('width-slider')).toBe('16 channels');
    expect(await valueText('eps-slider')).toBe('36/255 = 0.141');
    await lab.pressOn('eps-slider', 'ArrowRight');
    await expect(lab.byId('eps-slider')).toHaveAttribute('aria-valuetext', '37/255 = 0.145');
    await lab.pressOn('depth-conv-slider', 'ArrowRight');
    await expect(lab.byId('depth-conv-slider')).toHaveAttribute('aria-valuetext', '5 conv layers');
    for (const slider of await page.locator('input[type="range"]').all()) {
      await expect(slider).toHaveAttribute('aria-valuetext', /\S/);
    }
  });

  await test.step('1280 x 900: two columns, settings on the left, results on the right', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await expect
      .poll(async () => (await box(accuracy)).x, { timeout: 10_000 })
      .toBeGreaterThan((await box(settings)).x + (await box(settings)).width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    const acc = await box(accuracy);
    const set = await box(settings);
    // Side by side: the settings start level with the results, not below them.
    expect(set.y).toBeLessThan(acc.y + acc.height);
    await lab.screenshot('layout-1280');
  });
});
