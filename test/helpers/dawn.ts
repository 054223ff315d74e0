/**
 * tfjs's WebGPU backend in the test process, through Dawn (src/cli/dawn.ts). Without a GPU it runs
 * on SwiftShader's Vulkan driver from Debian's chromium, which .ci/run installs with the Vulkan
 * loader; CI sets SLL_LAB_REQUIRE_WEBGPU=1 so that a machine where Dawn finds no adapter fails
 * the WebGPU tests instead of skipping them.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { SWIFTSHADER_ICD } from '../../src/cli/dawn.ts';
import { startNodeBackend } from '../../src/cli/nodeBackend.ts';

/** Starts WebGPU (left as the active backend); null when it runs, else why the tests are skipped. */
export async function startDawnWebgpu(): Promise<string | null> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  try {
    await startNodeBackend('webgpu');
    return null;
  } catch (e) {
    if (process.env.SLL_LAB_REQUIRE_WEBGPU === '1') throw e;
    const reason = `WebGPU tests skipped: ${(e as Error).message}`;
    console.warn(reason);
    return reason;
  }
}

/** Runs `fn` on another backend, then comes back to WebGPU. */
export async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T | Promise<T>): Promise<T> {
  await tf.setBackend(name);
  try {
    return await fn();
  } finally {
    await tf.setBackend('webgpu');
  }
}
