// A lost WebGPU device, in the real page (issue 17): SwiftShader's WebGPU, forced, with `tiny`; the
// test destroys the GPUDevice tfjs trains on. The page says so, moves to the next backend and
// continues from the last checkpoint.
import { FAULT_RUN, trainThenPause, trainingWorker } from './faults.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

test('a lost WebGPU device: the page says so, the next backend takes over from the last checkpoint', async ({
  profile,
}) => {
  test.setTimeout(420_000);
  const page = profile.page;
  const lab = new LabPage(page);
  await lab.open(FAULT_RUN.replace('backend=cpu', 'backend=webgpu'));
  expect(await lab.badge()).toContain('webgpu');
  const paused = await trainThenPause(lab, 5);
  await lab.byId('resume-button').click();
  await expect.poll(() => lab.step(), { timeout: 120_000 }).toBeGreaterThan(paused + 2);

  // The device tfjs uses is the one its next dispatch goes through.
  const worker = await trainingWorker(page);
  await worker.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const proto = GPUDevice.prototype;
        const createBindGroup = proto.createBindGroup;
        proto.createBindGroup = function (this: GPUDevice, descriptor: GPUBindGroupDescriptor) {
          proto.createBindGroup = createBindGroup;
          (self as unknown as { lostDevice: GPUDevice }).lostDevice = this;
          resolve();
          return createBindGroup.call(this, descriptor);
        };
      }),
  );
  const lostAt = await lab.step();
  await worker.evaluate(() => (self as unknown as { lostDevice: GPUDevice }).lostDevice.destroy());

  const error = lab.byId('error-banner');
  await expect(error).toContainText('DeviceLost: the webgpu device was lost', { timeout: 120_000 });
  await expect(error).toContainText('the next backend takes over from the last checkpoint');
  await expect(lab.byId('backend-badge').locator('strong')).toHaveText('wasm', { timeout: 120_000 });
  await lab.waitForState('paused', 120_000);
  const restored = await lab.step();
  expect(restored).toBeGreaterThanOrEqual(paused);
  expect(restored).toBeLessThanOrEqual(lostAt);
  await lab.screenshot('faults-device-lost');

  await lab.byId('resume-button').click();
  await expect.poll(() => lab.step(), { timeout: 120_000 }).toBeGreaterThan(restored + 5);
  expect(await lab.badge()).toContain('wasm');
});
