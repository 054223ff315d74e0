// The certificate audit in the real page (issue 15): the explorer, an attack, a PGD curve and the
// per-layer gains on a briefly trained `tiny`, with no soundness violation anywhere.
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

/** tiny on WASM for 100 steps, evaluations on 32 test images every 25 steps, layer gains every 25 steps. */
const RUN = 'preset=tiny&batch=8&train=800&epochs=1&evalEvery=25&evalImages=32&augment=false&backend=wasm';
const TOLERANCE = 1e-4;

test('explore, attack, PGD curve and layer gains on a trained tiny: empirical never below certified', async ({
  profile,
}) => {
  test.setTimeout(540_000);
  const { page } = profile;
  const lab = new LabPage(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await lab.open(RUN);
  await lab.byId('layer-gains-every').fill('25');
  await lab.byId('train-button').click();
  await lab.byId('layer-gains-measure').click();
  await lab.waitForState('done', 240_000);
  await expect(lab.byId('samples').locator('[data-verdict="pending"]')).toHaveCount(0);

  // The explorer, opened from a sample the network gets right.
  await lab.inspectCorrectSample();
  await expect(lab.byId('logit-bars').locator('li')).toHaveCount(10);
  await expect(lab.byId('inspection-prediction')).toContainText('(correct)');
  const certified = await lab.value('inspection-radius');
  expect(certified).toBeGreaterThan(0);
  await expect(lab.byId('certificate-sentence')).toContainText('can change this prediction');
  await expect(lab.byId('inspection-stale')).toHaveCount(0);

  // Attack it at the slider's eps: the adversarial image, and an empirical radius at or above the certified one.
  await lab.byId('attack-button').click();
  await expect(lab.byId('attack-result')).toBeVisible({ timeout: 240_000 });
  await expect(lab.byId('adversarial-image')).toBeVisible();
  await expect(lab.byId('perturbation-scale')).toContainText('perturbation ×');
  expect(await lab.value('attack-certified-radius')).toBeCloseTo(certified, 6);
  expect(await lab.value('empirical-radius')).toBeGreaterThanOrEqual(certified);
  await expect(lab.byId('soundness-violation')).toHaveCount(0);
  await lab.screenshot('audit-attack-1280');

  // A small PGD curve: drawn on the accuracy-against-eps chart and in the paper's table.
  await lab.byId('pgd-images').fill('20');
  await lab.byId('pgd-run').click();
  await expect(lab.byId('pgd-summary')).toBeVisible({ timeout: 360_000 });
  await expect(lab.byId('pgd-summary')).toContainText('On the first 20 test images');
  await expect(lab.byId('pgd-curve').locator('path')).toHaveCount(1);
  await expect(lab.byId('certified-curve')).toHaveAttribute('data-pgd-images', '20');
  const pgdRow = await lab.byId('paper-row-pgd').locator('td').allTextContents();
  expect(pgdRow).toHaveLength(5);
  for (const cell of pgdRow) expect(cell).toMatch(/^\d+\.\d\d%$/);
  await expect(lab.byId('soundness-violation')).toHaveCount(0);

  // Every layer at or below 1 + 1e-4.
  await expect(lab.byId('layer-gains')).not.toHaveAttribute('data-layers', '0', { timeout: 60_000 });
  await expect(lab.byId('layer-gains')).toHaveAttribute('data-flagged', '0');
  const gains = await lab.byId('layer-gains-text').locator('tbody td:not(:first-child)').allTextContents();
  expect(gains.length).toBeGreaterThan(0);
  for (const g of gains) expect(Number(g)).toBeLessThanOrEqual(1 + TOLERANCE);
  await expect(lab.byId('layer-gains-verdict')).toContainText('at or below 1 + 0.0001');

  await lab.byId('explorer').scrollIntoViewIfNeeded();
  await lab.screenshot('audit-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  // Charts follow the new width a frame or two later.
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await lab.screenshot('audit-390');
});
