import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
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

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
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

async function trainOnBuiltSite(
  profile: { page: import('@playwright/test').Page },
  headers: Record<string, string>,
  badge: string,
  shot: string,
): Promise<void> {
  const outDir = await mkdtemp(join(tmpdir(), 'sll-lab-dist-'));
  try {
    execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
      stdio: 'inherit',
    });
    const { server, url } = await serveUnderSubPath(outDir, headers);
    try {
      const lab = new LabPage(profile.page);
      await profile.page.goto(
        `${url}?preset=tiny&batch=8&train=32&epochs=1&evalEvery=4&evalImages=32&backend=wasm`,
      );
      await expect(lab.byId('backend-badge')).toContainText('wasm', { timeout: 60_000 });
      await expect(lab.byId('backend-badge')).toContainText(badge);
      await lab.byId('train-button').click();
      await lab.waitForState('done', 120_000);
      await expect(lab.byId('natural-accuracy')).toHaveText(/\d+\.\d\d%/);
      expect(await lab.points('loss-chart')).toBeGreaterThan(0);
      await lab.screenshot(shot);
    } finally {
      server.close();
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

test('the built site works from a sub-path on a plain static host', async ({ profile }) => {
  test.setTimeout(240_000);
  // No COOP/COEP headers (as GitHub Pages): WASM runs single-threaded, and the badge says why.
  await trainOnBuiltSite(profile, {}, 'not cross-origin isolated', 'build-sub-path');
});

test('the built site runs WASM with threads where the host isolates it (the minified worker once hung here)', async ({
  profile,
}) => {
  test.setTimeout(240_000);
  await trainOnBuiltSite(profile, ISOLATION, 'threads on', 'build-isolated');
});
