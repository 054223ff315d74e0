/**
 * The Vite dev server on `port` and Debian's headless Chromium in a fresh profile pointed at it,
 * for the on-demand benchmarks (the test suite's server is Playwright's `webServer`).
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumLaunchOptions } from '../test/chromium.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface DevBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchDevBrowser(port: number): Promise<DevBrowser> {
  const server = await createServer({
    root: repoRoot,
    logLevel: 'warn',
    server: { port, strictPort: true },
  });
  await server.listen();
  const profile = join(tmpdir(), `sll-lab-bench-${process.pid}-${port}`);
  const context = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunchOptions,
    baseURL: `http://localhost:${port}`,
  });
  return {
    context,
    async close() {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
