import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Plugin, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const COI_SCRIPT = 'coi-serviceworker.min.js';

/**
 * Serves and ships coi-serviceworker's script next to index.html, which loads it by a relative URL.
 * On a host that cannot send the headers above (GitHub Pages), it registers itself as a service
 * worker that adds them, and reloads the page once; where the page is already isolated (the dev
 * server, `vite preview`) or service workers are unavailable, it does nothing.
 */
function coiServiceWorker(): Plugin {
  const source = () =>
    readFileSync(createRequire(import.meta.url).resolve(`coi-serviceworker/${COI_SCRIPT}`), 'utf8');
  return {
    name: 'sll-lab:coi-serviceworker',
    configureServer(server) {
      server.middlewares.use(`/${COI_SCRIPT}`, (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript');
        res.end(source());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: COI_SCRIPT, source: source() });
    },
  };
}

export default defineConfig({
  // Relative URLs: the same build works at a domain's root and under a sub-path (a GitHub project page).
  base: './',
  plugins: [react(), coiServiceWorker()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: {
    format: 'es',
    // Minifying the worker renames the names that tfjs-wasm's pthread workers look up, and WASM
    // with threads then hangs at start (seen in `npm run preview`); the page bundle stays minified.
    rolldownOptions: { output: { minify: false } },
  },
  optimizeDeps: {
    // Scan the workers and test harnesses up front too. Otherwise the first page that starts the
    // training worker makes Vite discover tfjs late, re-bundle it and reload the page mid-test.
    entries: [
      'index.html',
      'src/worker/*.worker.ts',
      'e2e/harness/*.html',
      'e2e/harness/*.ts',
      'test/harness/*',
      'bench/harness/*',
    ],
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'fflate',
    ],
  },
});
