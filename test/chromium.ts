import type { LaunchOptions } from '@playwright/test';

/**
 * The browser every spec runs in: Debian's Chromium (`apt-get install chromium`), never a
 * Playwright-downloaded build, so CI needs nothing from outside the Debian and npm mirrors.
 */
export const CHROMIUM_PATH = process.env.SLL_LAB_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumLaunchOptions: LaunchOptions = {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [
    // CI runs as root in a container, where Chromium's sandbox cannot start.
    '--no-sandbox',
    // No traffic the tests did not ask for: no QUIC probing, first-run pages, component or
    // safe-browsing updates, or sync.
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // WebGPU in headless Chromium without a GPU: SwiftShader's software Vulkan.
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
  ],
};
