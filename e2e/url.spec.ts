// What the page says about what it was given (issue 13, finding 11): a link with malformed values,
// sliders moved off a preset, a backend forced onto a software GPU, and an image renamed .json.
import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures.ts';
import { LabPage } from './labPage.ts';

test('a link with malformed values names each one in a dismissible notice; the preset box says "custom"', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const lab = new LabPage(page);
  await lab.open('eps=abc&conv=-3&backend=nope&width=8');
  const notice = lab.byId('url-notice');
  const preset = lab.byId('preset-select');

  await test.step('the notice names eps, conv and backend, what is used instead, and not width', async () => {
    await expect(notice).toBeVisible();
    await expect(notice).toHaveAttribute('role', 'status');
    await expect(notice).toContainText('eps=abc is not an integer in 0..255; using 36');
    await expect(notice).toContainText('conv=-3 is not an integer in 0..70; using 4');
    await expect(notice).toContainText(
      'backend=nope is not one of auto, webgpu, webgl, wasm, cpu; using auto',
    );
    await expect(notice).not.toContainText('width');
  });

  await test.step('the rest of the link applies, and the URL now says what is used', async () => {
    await expect(lab.byId('width-slider')).toHaveValue('8');
    await expect(lab.byId('eps-slider')).toHaveValue('36');
    await expect(lab.byId('depth-conv-slider')).toHaveValue('4');
    const query = new URL(page.url()).searchParams;
    expect([query.get('width'), query.get('eps'), query.get('conv'), query.get('backend')]).toEqual([
      '8',
      '36',
      '4',
      'auto',
    ]);
    await lab.screenshot('url-notice');
  });

  await test.step('dismissed, the notice goes', async () => {
    await page.getByRole('button', { name: 'Dismiss the notice about the link' }).click();
    await expect(notice).toHaveCount(0);
  });

  await test.step('the preset box says "custom" while the sliders leave the preset', async () => {
    // lab is 4 x 16: width 8 from the link is no longer lab.
    await expect(preset).toHaveValue('custom');
    await expect(preset.locator('option:checked')).toHaveText('custom (from lab)');
    await preset.selectOption('tiny');
    await expect(preset).toHaveValue('tiny');
    await expect(lab.byId('width-slider')).toHaveValue('8');
    await lab.pressOn('width-slider', 'ArrowRight', 3);
    await expect(lab.byId('width-slider')).toHaveValue('11');
    await expect(preset).toHaveValue('custom');
    await expect(preset.locator('option:checked')).toHaveText('custom (from tiny)');
    await preset.selectOption('small');
    await expect(preset).toHaveValue('small');
    await expect(lab.byId('width-slider')).toHaveValue('45');
  });
});

test('a backend forced onto a software GPU says it is an emulation slower than WASM; a PNG named .json is named as an image', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const lab = new LabPage(page);
  await lab.open('backend=webgpu&preset=tiny');
  const badge = lab.byId('backend-badge');
  // A good link: no notice.
  await expect(lab.byId('url-notice')).toHaveCount(0);

  // Headless Chromium here has no GPU: WebGPU and WebGL both run on SwiftShader.
  await test.step('WebGPU forced from the link', async () => {
    await expect(badge.locator('strong')).toHaveText('webgpu');
    await expect(badge).toContainText(/swiftshader/i);
    await expect(badge).toContainText('(software emulation: slower than WASM here)');
  });

  await test.step('WebGL forced from the backend box', async () => {
    await page.getByLabel('Backend').selectOption('webgl');
    await expect(badge.locator('strong')).toHaveText('webgl', { timeout: 60_000 });
    await expect(badge).toContainText(/swiftshader/i);
    await expect(badge).toContainText('(software emulation: slower than WASM here)');
  });

  await test.step('a PNG renamed x.json', async () => {
    await lab.byId('load-weights').setInputFiles({
      name: 'x.json',
      mimeType: 'application/json',
      buffer: await readFile(new URL('../docs/screenshot.png', import.meta.url)),
    });
    const banner = lab.byId('error-banner');
    await expect(banner).toContainText(
      'this file is a PNG image, not a weights file (sll-lab/weights JSON or a PyTorch .pth)',
      { timeout: 30_000 },
    );
    const text = (await banner.textContent()) ?? '';
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]|IHDR|PNG\r/);
    expect(text.length).toBeLessThan(300);
  });
});
