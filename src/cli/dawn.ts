/**
 * WebGPU in Node: Dawn's binding (the optional npm package `webgpu`) installed as `navigator.gpu`,
 * so that tfjs's WebGPU backend, which looks for `navigator.gpu` when it is imported, runs the same
 * WGSL programs as in the browser. On a machine without a GPU, Dawn runs on a software Vulkan driver
 * if one is named by VK_ICD_FILENAMES (Debian's chromium ships SwiftShader's).
 */
import type { GpuAdapterInfo } from '../engine/backends.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Why Dawn offers no adapter, said once for the CLI, the tests and the benchmark. */
export const NO_DAWN_ADAPTER =
  'Dawn found no WebGPU adapter: it needs a Vulkan driver and the Vulkan loader (Debian: libvulkan1). ' +
  `Without a GPU, SwiftShader's driver works: VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (from Debian's chromium)`;

export interface DawnAdapter {
  info?: GpuAdapterInfo;
}

interface DawnGpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<DawnAdapter | null>;
}

let installed: Promise<DawnGpu> | null = null;

/** Puts Dawn behind `navigator.gpu` (once per process); throws if the package is not installed. */
export function installDawn(): Promise<DawnGpu> {
  installed ??= (async () => {
    let dawn: { create(flags: string[]): unknown; globals: object };
    try {
      dawn = (await import('webgpu')) as typeof dawn;
    } catch (e) {
      throw new Error(
        `WebGPU in Node needs the optional npm package "webgpu" (Dawn), which did not load: ${(e as Error).message}`,
      );
    }
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]) as DawnGpu;
    const navigator = (globalThis as { navigator?: object }).navigator;
    if (navigator) Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    return gpu;
  })();
  return installed;
}

/** Dawn's adapter, or an Error that says what to install or set. */
export async function dawnAdapter(): Promise<DawnAdapter> {
  const gpu = await installDawn();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(NO_DAWN_ADAPTER);
  return adapter;
}
