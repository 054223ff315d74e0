import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Page } from '@playwright/test';
import { HEADER_POLICY } from '../scripts/contentSecurityPolicy.ts';
import { findDynamicCode, formatHits } from '../scripts/dynamicCodeScan.ts';
import type { SecurityGuard } from './fixtures.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

/** What a host that can send headers should send: cross-origin isolation and the CSP. */
const HOST_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': HEADER_POLICY,
};

/** A static host serving `root` under `/sub/`, with `headers` on every response. */
function serveUnderSubPath(
  root: string,
  headers: Record<string, string> = {},
): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith('/sub/')) {
      res.writeHead(404).end();
      return;
    }
    let file = normalize(join(root, path.slice('/sub/'.length)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/sub/` });
    }),
  );
}

interface BuiltSiteCheck {
  /** Headers the static host sends with every file. */
  headers: Record<string, string>;
  /** What the backend badge must say once the page has settled. */
  badge: string;
  shot: string;
  /** Runs before the first visit (for example, to take service workers away). */
  prepare?: (page: Page) => Promise<void>;
  /** Runs after the first visit, before the badge is read (for example, to wait for a reload). */
  settle?: (page: Page) => Promise<void>;
}

let outDir: string;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  outDir = await mkdtemp(join(tmpdir(), 'sll-lab-dist-'));
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    stdio: 'inherit',
  });
});

test.afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** Serves the built site under /sub/, opens it with WASM forced, trains a few steps and shoots the page. */
async function trainOnBuiltSite(page: Page, guard: SecurityGuard, check: BuiltSiteCheck): Promise<string> {
  const { server, url } = await serveUnderSubPath(outDir, check.headers);
  guard.allowOrigin(url);
  try {
    const lab = new LabPage(page);
    await check.prepare?.(page);
    await page.goto(`${url}?preset=tiny&batch=8&train=32&epochs=1&evalEvery=4&evalImages=32&backend=wasm`);
    await check.settle?.(page);
    await expect(lab.byId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
    await expect(lab.byId('backend-badge')).toContainText(check.badge);
    await lab.byId('train-button').click();
    await lab.waitForState('done', 120_000);
    await expect(lab.byId('natural-accuracy')).toHaveText(/\d+\.\d\d%/);
    expect(await lab.points('loss-chart')).toBeGreaterThan(0);
    await lab.screenshot(check.shot);
    return url;
  } finally {
    server.close();
  }
}

const isolated = (page: Page) => page.evaluate(() => self.crossOriginIsolated);
const serviceWorkerScopes = (page: Page) =>
  page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope));

test('the shipped bundles turn no string into code: no eval, Function constructor or string timer', async () => {
  expect(formatHits(await findDynamicCode(outDir))).toBe('');
});

test('the built site works from a sub-path on a plain static host without service workers', async ({
  profile,
  securityGuard,
}) => {
  test.setTimeout(240_000);
  // No COOP/COEP headers and no service workers (as some private windows): coi-serviceworker gives up
  // quietly, WASM runs single-threaded, and the badge says why.
  await trainOnBuiltSite(profile.page, securityGuard, {
    headers: {},
    badge: 'not cross-origin isolated',
    shot: 'build-sub-path',
    prepare: async (page) => {
      await page.addInitScript(() =>
        Object.defineProperty(Navigator.prototype, 'serviceWorker', { get: () => undefined }),
      );
    },
  });
  expect(await isolated(profile.page)).toBe(false);
});

test('on a static host that sends no headers (GitHub Pages), the service worker isolates the page: WASM threads on', async ({
  profile,
  securityGuard,
}) => {
  test.setTimeout(240_000);
  let pageLoads = 0; // requests for the page itself: the first visit, then the service worker's reloads
  profile.page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === profile.page.mainFrame()) pageLoads++;
  });
  let loadsToIsolation = 0;
  const url = await trainOnBuiltSite(profile.page, securityGuard, {
    headers: {},
    badge: 'threads on',
    shot: 'build-service-worker',
    // coi-serviceworker registers itself and reloads the page to be its controller: once, or twice
    // when the first reload comes before the worker is active.
    settle: async (page) => {
      await expect.poll(() => isolated(page).catch(() => false), { timeout: 60_000 }).toBe(true);
      loadsToIsolation = pageLoads;
    },
  });
  expect(loadsToIsolation).toBeGreaterThanOrEqual(2);
  expect(loadsToIsolation).toBeLessThanOrEqual(3);
  expect(pageLoads).toBe(loadsToIsolation); // no reload once isolated
  expect(await serviceWorkerScopes(profile.page)).toEqual([url]);
});

test('the built site runs WASM with threads where the host isolates it (the minified worker once hung here)', async ({
  profile,
  securityGuard,
}) => {
  test.setTimeout(240_000);
  await trainOnBuiltSite(profile.page, securityGuard, {
    headers: HOST_HEADERS,
    badge: 'threads on',
    shot: 'build-isolated',
  });
  // Already isolated by the headers: coi-serviceworker registers nothing and never reloads.
  expect(await serviceWorkerScopes(profile.page)).toEqual([]);
});
