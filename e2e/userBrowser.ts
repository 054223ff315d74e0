import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from '@playwright/test';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../test/chromium.ts';

/**
 * Chromium started by the test itself and attached to over the DevTools protocol, so that its tabs
 * behave as a visitor's do. A browser Playwright launches never hides a page: it emulates focus on
 * each one, and a page being traced or screenshotted is captured. Here a page opened behind another
 * tab is hidden, and Chromium throttles its timers as it would for a user.
 */
export interface UserBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Opens a new tab in front of the others (hiding the one shown). */
  openTabInFront(url: string): Promise<void>;
  close(): Promise<void>;
}

function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`Chromium gave no DevTools endpoint:\n${said}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const endpoint = said.match(/DevTools listening on (ws:\/\/\S+)/)?.[1];
      if (endpoint) {
        clearTimeout(timer);
        resolve(endpoint);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}) before it listened:\n${said}`));
    });
  });
}

/** Starts Chromium on a fresh profile with `extraArgs` (feature flags) and attaches to it. */
export async function launchUserBrowser(extraArgs: string[] = []): Promise<UserBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'sll-lab-e2e-user-'));
  const child = spawn(
    CHROMIUM_PATH,
    [
      '--headless',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      ...(chromiumLaunchOptions.args ?? []),
      ...extraArgs,
      'about:blank',
    ],
    // Its own process group, so that stopping it takes its helper processes too.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Detached, it would outlive a test process that dies first.
  const killGroup = () => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  };
  process.once('exit', killGroup);
  const stop = async () => {
    killGroup();
    process.off('exit', killGroup);
    await exited;
    // A helper process may still be closing files in the profile.
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  try {
    const browser = await chromium.connectOverCDP(await devToolsEndpoint(child), { noDefaults: true });
    const context = browser.contexts()[0];
    return {
      browser,
      context,
      async openTabInFront(url: string) {
        const session = await browser.newBrowserCDPSession();
        await session.send('Target.createTarget', { url, newWindow: false });
        await session.detach();
      },
      async close() {
        await browser.close().catch(() => {});
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Whether `page` is shown, as the page itself sees it. */
export function visibility(page: Page): Promise<DocumentVisibilityState> {
  return page.evaluate(() => document.visibilityState);
}
