import { appendFile, readFile } from 'node:fs/promises';
import { main } from '../src/cli/main.ts';
import { parseWeights } from '../src/sll/weightsJson.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

/** tiny preset, a 64-image slice, batch 8: 8 steps, evaluations on 64 test images every 4 steps. */
const SMALL_RUN = 'preset=tiny&batch=8&train=64&epochs=1&evalEvery=4&evalImages=64&augment=false&eps=36';

async function certifyWithCli(weightsPath: string, limit: number, eps: string) {
  const lines: string[] = [];
  const code = await main(
    [
      'certify',
      '--weights',
      weightsPath,
      '--dataset',
      'cifar10',
      '--limit',
      String(limit),
      '--eps',
      eps,
      '--json',
    ],
    (l) => lines.push(l),
  );
  expect(code).toBe(0);
  return JSON.parse(lines.join('')) as { naturalAccuracy: number; certifiedAccuracy: Record<string, number> };
}

const asPercent = (x: number) => `${(x * 100).toFixed(2)}%`;

for (const backend of ['webgpu', 'cpu'] as const) {
  test(`train, watch, drag eps, download and check with the CLI, reject a broken file, change depth (${backend})`, async ({
    profile,
  }) => {
    test.setTimeout(420_000);
    const lab = new LabPage(profile.page);
    const started = Date.now();
    await lab.open(`${SMALL_RUN}&backend=${backend}`);
    expect(await lab.badge()).toContain(backend);
    if (backend === 'webgpu') expect(await lab.badge()).toMatch(/webgpu · \S+/);

    await lab.byId('train-button').click();
    await expect.poll(() => lab.points('loss-chart'), { timeout: 240_000 }).toBeGreaterThan(0);
    const firstPoint = `${backend}: ${((Date.now() - started) / 1000).toFixed(1)} s from opening the page to the first loss point (tiny, batch 8)`;
    test.info().annotations.push({ type: 'first chart point', description: firstPoint });
    await appendFile('e2e/artifacts/first-chart-point.txt', `${firstPoint}\n`);
    await lab.waitForState('done', 300_000);
    expect(await lab.points('loss-chart')).toBeGreaterThanOrEqual(2);
    await expect(lab.byId('natural-accuracy')).toHaveText(/\d+\.\d\d%/);
    await expect(lab.byId('certified-accuracy')).toHaveText(/\d+\.\d\d%/);
    expect(Number(await lab.byId('radius-histogram').getAttribute('data-bins'))).toBeGreaterThan(0);
    await lab.screenshot(`page-${backend}-trained`);

    // eps moves the certified accuracy at once, without any training step.
    const lossPoints = await lab.points('loss-chart');
    const natural = await lab.text('natural-accuracy');
    await lab.pressOn('eps-slider', 'Home');
    const atZero = await lab.text('certified-accuracy');
    await lab.pressOn('eps-slider', 'End');
    await expect(lab.byId('certified-accuracy')).not.toHaveText(atZero);
    expect(await lab.text('certified-accuracy')).toBe('0.00%');
    expect(await lab.points('loss-chart')).toBe(lossPoints);
    expect(await lab.text('natural-accuracy')).toBe(natural);
    await lab.pressOn('eps-slider', 'Home');
    await lab.pressOn('eps-slider', 'ArrowRight', 36);
    await expect(lab.byId('eps-slider')).toHaveValue('36');

    // Download: an sll-lab/weights v1 file; the CLI on it and the same 64 images agrees with the page.
    const downloadPromise = profile.page.waitForEvent('download');
    await lab.byId('download-weights').click();
    const download = await downloadPromise;
    const weightsPath = test.info().outputPath('weights.json');
    await download.saveAs(weightsPath);
    const doc = parseWeights(await readFile(weightsPath, 'utf8'));
    expect(doc.arch.nConv).toBe(2);
    const cli = await certifyWithCli(weightsPath, 64, '36/255');
    expect(await lab.text('natural-accuracy')).toBe(asPercent(cli.naturalAccuracy));
    expect(await lab.text('certified-accuracy')).toBe(asPercent(cli.certifiedAccuracy['36/255']));

    // A broken file: a readable error, and the model stays as it was.
    await lab.byId('load-weights').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format": "sll-lab/weights", "ver'),
    });
    await expect(lab.byId('error-banner')).toContainText('not a JSON file');
    const certifiedBefore = await lab.text('certified-accuracy');
    await lab.byId('load-weights').setInputFiles({
      name: 'keras.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format": "keras"}'),
    });
    await expect(lab.byId('error-banner')).toContainText('wrong format "keras"');
    expect(await lab.text('natural-accuracy')).toBe(natural);
    expect(await lab.text('certified-accuracy')).toBe(certifiedBefore);
    await lab.screenshot(`page-${backend}-bad-file`);

    // Depth shows the next network's parameter count at once (the trained one's stays), and the
    // next Train, once confirmed, starts a fresh run.
    const params = await lab.text('param-count');
    await lab.pressOn('depth-conv-slider', 'ArrowRight');
    await expect(lab.byId('pending-param-count')).not.toHaveText(params);
    expect(await lab.text('param-count')).toBe(params);
    await lab.byId('train-button').click();
    await lab.byId('confirm-ok').click();
    await expect.poll(() => lab.points('loss-chart'), { timeout: 30_000 }).toBeLessThan(lossPoints);
    await lab.byId('pause-button').click();
    await lab.waitForState('paused', 120_000);
  });
}

test('a reload in the middle of a run offers to resume it, and resuming continues from the checkpoint', async ({
  profile,
}) => {
  test.setTimeout(360_000);
  const lab = new LabPage(profile.page);
  await lab.open(
    'preset=tiny&batch=8&train=4000&epochs=1&evalEvery=1000&evalImages=32&augment=false&backend=cpu',
  );
  await lab.byId('train-button').click();
  // The page writes a checkpoint every 15 s: wait for one past the start.
  await expect.poll(() => lab.step(), { timeout: 120_000 }).toBeGreaterThan(10);
  await lab.page.waitForTimeout(17_000);
  await lab.page.reload();
  await expect(lab.byId('resume-banner')).toBeVisible({ timeout: 60_000 });
  const offered = Number((await lab.text('resume-banner')).match(/step (\d+)/)?.[1]);
  expect(offered).toBeGreaterThan(0);
  await lab.screenshot('page-resume-offer');
  await lab.byId('resume-checkpoint').click();
  // Resuming first loads the train split again (a minute when the machine is busy).
  await lab.waitForState('running', 150_000);
  await expect.poll(() => lab.step(), { timeout: 60_000 }).toBeGreaterThan(offered);
  // The loss history from before the reload is back.
  expect(await lab.points('loss-chart')).toBeGreaterThan(1);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
});
