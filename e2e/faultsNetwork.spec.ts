// The dataset download under faults, in the real page (issue 17): the network dropping in the
// middle, and a file whose bytes arrive altered. Verified files stay cached, nothing unverified is,
// and pressing Train again resumes the download where the verified files end.
import { DATASET_RETRY_HINT } from '../src/engine/errors.ts';
import { DATA_PATH, cachedDatasetFiles, datasetManifest, watchDatasetRequests } from './datasetFiles.ts';
import { FAULT_RUN } from './faults.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

test('the network drops during the download: Train says so, verified files are kept, and Train again resumes it', async ({
  profile,
}) => {
  test.setTimeout(300_000);
  const page = profile.page;
  const train = (await datasetManifest()).splits.train.shards;
  const dropped = train[2].images.path;
  let aborted = 0;
  await page.route(`**${DATA_PATH}${dropped}`, async (route) => {
    aborted++;
    await route.abort('internetdisconnected');
  });
  const lab = new LabPage(page);
  await lab.open(FAULT_RUN);
  await lab.byId('train-button').click();

  const error = lab.byId('error-banner');
  await expect(error).toContainText(`DatasetLoadError: Could not download`, { timeout: 180_000 });
  await expect(error).toContainText(dropped);
  await expect(error).toContainText(DATASET_RETRY_HINT);
  expect(aborted).toBeGreaterThanOrEqual(1);
  expect(await lab.runState()).toContain('idle');
  // Everything before the dropped file is verified and kept; nothing from it on.
  const before = train.slice(0, 2).flatMap((s) => [s.labels.path, s.images.path]);
  expect((await cachedDatasetFiles(page)).filter((f) => f.startsWith('data_batch')).sort()).toEqual(
    [...before, train[2].labels.path].sort(),
  );
  await lab.screenshot('faults-network-dropped');

  // The network is back: Train fetches only what was not verified.
  await page.unroute(`**${DATA_PATH}${dropped}`);
  const requests = watchDatasetRequests(page);
  await lab.byId('train-button').click();
  await expect.poll(() => lab.step(), { timeout: 180_000 }).toBeGreaterThan(5);
  const missing = train
    .slice(2)
    .flatMap((s) => (s === train[2] ? [s.images.path] : [s.labels.path, s.images.path]));
  expect(requests.sort()).toEqual(missing.sort());
  await expect(error).toBeHidden();
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
});

test('altered dataset bytes are refused with the hash message, never cached, and the next clean load works', async ({
  profile,
}) => {
  test.setTimeout(300_000);
  const page = profile.page;
  const file = (await datasetManifest()).splits.train.shards[1].labels;
  let served = 0;
  await page.route(`**${DATA_PATH}${file.path}`, async (route) => {
    served++;
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    // One label changed: the same size, another hash.
    body[0] = (body[0] + 1) % 10;
    await route.fulfill({ response, body });
  });
  const lab = new LabPage(page);
  await lab.open(FAULT_RUN);
  await lab.byId('train-button').click();

  const error = lab.byId('error-banner');
  await expect(error).toContainText(`${DATA_PATH}${file.path} does not match its manifest`, {
    timeout: 180_000,
  });
  await expect(error).toContainText(`expected ${file.sha256.slice(0, 12)}…`);
  expect(served).toBeGreaterThanOrEqual(1);
  expect(await cachedDatasetFiles(page)).not.toContain(file.path);
  await lab.screenshot('faults-network-corrupt');

  await page.unroute(`**${DATA_PATH}${file.path}`);
  const requests = watchDatasetRequests(page);
  await lab.byId('train-button').click();
  await expect.poll(() => lab.step(), { timeout: 180_000 }).toBeGreaterThan(5);
  expect(requests).toContain(file.path);
  expect(await cachedDatasetFiles(page)).toContain(file.path);
  await lab.byId('pause-button').click();
  await lab.waitForState('paused', 60_000);
});
