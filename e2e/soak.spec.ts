// The browser soak: the engine's Trainer on WebGPU (SwiftShader's software Vulkan here), evaluating
// and checkpointing, must hold the same tensors, tensor bytes and GPU buffers from warm-up to the
// end. The Node soak (test/soak) runs longer, on WASM, and checks the heap too.
import { type SoakResult, soakSummary } from '../test/soak/soakLoop.ts';
import { expect, test } from './fixtures.ts';

// SwiftShader takes about a second a step even for the toy network, after a minute of compiling.
const STEPS = 60;
const SAMPLE_EVERY = 10;
const WARM_UP_STEPS = 20;

test(`${STEPS} steps of a toy run on WebGPU keep tensors, bytes and GPU bytes constant`, async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(`/test/harness/soak.html?backend=webgpu&steps=${STEPS}&every=${SAMPLE_EVERY}`);
  const result = await page.evaluate(
    () => (window as unknown as { soak: Promise<SoakResult & { backend: string }> }).soak,
  );
  const summary = soakSummary(result, WARM_UP_STEPS);
  console.log(summary.lines.join('\n'));
  expect(result.backend).toBe('webgpu');
  expect(result.errors).toEqual([]);
  expect(summary.end.step).toBe(STEPS);
  expect(result.evaluations).toBeGreaterThanOrEqual(STEPS / 30);
  expect(summary.start.gpuBytes).toBeGreaterThan(0);
  expect(summary.tensorCounts).toEqual([summary.start.tensors]);
  expect(summary.byteCounts).toEqual([summary.start.bytes]);
  expect(summary.gpuByteCounts).toEqual([summary.start.gpuBytes]);
  expect(summary.flat).toBe(true);
});
