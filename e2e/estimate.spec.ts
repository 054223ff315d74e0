// Before a run starts, the page says what it will need (issue 13, finding 5): its memory, whether
// that fits the backend, and a refusal with the way out when it cannot, at once, with nothing loaded.
import { expect, test } from './fixtures.ts';
import { LabPage } from './labPage.ts';

test('small on WASM: the estimate says it is too large, and Train is refused at once, with nothing loaded', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const lab = new LabPage(page);
  await lab.open('preset=small&backend=wasm');
  expect(await lab.badge()).toContain('wasm');

  await test.step('the estimate shows the memory and the refusal before anything runs', async () => {
    await expect(lab.byId('estimate.memory')).toHaveText(
      /^Memory ≈ 7\.\d GB \(weights\+Adam 497 MB, activations 2\.\d GB at batch 64, Gram 4\.\d GB\)$/,
    );
    await expect(lab.byId('estimate.verdict')).toContainText("too large for WASM's 4 GB (needs ~7.");
    await expect(lab.byId('estimate.verdict')).toContainText('use a GPU backend');
    await expect(lab.byId('estimate.time')).toHaveText('Time per epoch: measured after the first steps');
  });

  await test.step('Train is refused within seconds, without a "loading" state', async () => {
    // Anything the page shows from here on is recorded: a loading state, however short, is seen.
    await page.evaluate(() => {
      const seen = new Set<string>();
      (window as unknown as { seenStates: Set<string> }).seenStates = seen;
      const look = () => {
        for (const m of document.body.innerText.matchAll(/Run: (\w+)/g)) seen.add(m[1]);
      };
      look();
      new MutationObserver(look).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    const pressed = Date.now();
    await lab.byId('train-button').click();
    const banner = lab.byId('error-banner');
    await expect(banner).toContainText("too large for WASM's 4 GB", { timeout: 5_000 });
    expect(Date.now() - pressed).toBeLessThan(5_000);
    await expect(banner).toContainText('use a GPU backend');
    const seen = await page.evaluate(() => [
      ...(window as unknown as { seenStates: Set<string> }).seenStates,
    ]);
    expect(seen).not.toContain('loading');
    expect(seen).not.toContain('running');
    await expect(page.locator('.progress span').filter({ hasText: 'Run: idle' })).toBeVisible();
  });
});

test('tiny on WASM: the estimate fits, and says so', async ({ page }) => {
  test.setTimeout(120_000);
  const lab = new LabPage(page);
  await lab.open('preset=tiny&backend=wasm');
  await expect(lab.byId('estimate.memory')).toHaveText(
    /^Memory ≈ \d+ MB \(weights\+Adam \d+ kB, activations \d+ MB at batch 64, Gram \d(\.\d)? MB\) · fits WASM's 4 GB$/,
  );
  await expect(lab.byId('estimate.verdict')).toHaveCount(0);
});
