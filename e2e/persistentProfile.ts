import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { test as base } from './fixtures.ts';
import { chromiumLaunchOptions } from '../test/chromium.ts';

/**
 * A Chromium profile on disk, fresh for each test. Playwright's default contexts are off the
 * record, so their Cache API and IndexedDB live in memory with a small quota; specs about what a
 * real visitor keeps between visits use this instead, and can close and reopen the browser on the
 * same profile. The security guard (fixtures.ts) watches each launch.
 */
export interface PersistentProfile {
  dir: string;
  context: BrowserContext;
  page: Page;
  /** Closes the browser and starts it again on the same profile (a later visit). */
  relaunch(): Promise<Page>;
}

export const test = base.extend<{ profile: PersistentProfile }>({
  profile: async ({ baseURL, securityGuard }, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'sll-lab-e2e-profile-'));
    const launch = async () => {
      const context = await chromium.launchPersistentContext(dir, { ...chromiumLaunchOptions, baseURL });
      await securityGuard.watch(context);
      const page = context.pages()[0] ?? (await context.newPage());
      return { context, page };
    };
    const profile: PersistentProfile = {
      dir,
      ...(await launch()),
      async relaunch() {
        await profile.context.close();
        Object.assign(profile, await launch());
        return profile.page;
      },
    };
    try {
      await use(profile);
    } finally {
      await profile.context.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
});

export { expect } from './fixtures.ts';
