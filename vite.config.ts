import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Plugin, defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { DEV_HEADER_POLICY, HEADER_POLICY, META_POLICY } from './scripts/contentSecurityPolicy.ts';

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

/**
 * Writes the Content-Security-Policy into the built index.html, first in <head> so that it covers
 * every script after it: static hosts (GitHub Pages) cannot send it as a header.
 */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'sll-lab:content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: META_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

const WASM_PTHREAD_WORKER = /tfjs-backend-wasm-threaded-simd\.worker\.js$/;
const NODE_IMPORT_SCRIPTS =
  'importScripts:function(f){(0,eval)(fs.readFileSync(f,"utf8")+"//# sourceURL="+f)}';

/**
 * tfjs-backend-wasm's pthread worker (a script in a string) brings a Node-only branch that loads
 * scripts with eval. Browsers never take it, but the shipped bundles are to hold no eval at all
 * (scripts/dynamicCodeScan.ts): the branch's loader is replaced by one that throws.
 */
function withoutNodeEvalInWasmWorker(): Plugin {
  return {
    name: 'sll-lab:no-eval-in-wasm-pthread-worker',
    apply: 'build',
    transform(code, id) {
      if (!WASM_PTHREAD_WORKER.test(id)) return null;
      if (!code.includes(NODE_IMPORT_SCRIPTS)) {
        this.error(`${id} changed: its Node-only eval loader was not found, see vite.config.ts`);
      }
      return code.replace(
        NODE_IMPORT_SCRIPTS,
        'importScripts:function(){throw new Error("the WASM pthread worker runs in browsers only")}',
      );
    },
  };
}

export default defineConfig({
  // Relative URLs: the same build works at a domain's root and under a sub-path (a GitHub project page).
  base: './',
  plugins: [react(), coiServiceWorker(), contentSecurityPolicyMeta()],
  server: { headers: { ...isolationHeaders, 'Content-Security-Policy': DEV_HEADER_POLICY } },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': HEADER_POLICY } },
  resolve: {
    // The package's "browser" file is its UMD build, which finds the global object with
    // Function('return this'); its ES module (the same code) needs no such thing.
    alias: [{ find: /^decimal\.js-light$/, replacement: 'decimal.js-light/decimal.mjs' }],
  },
  worker: {
    format: 'es',
    // Worker bundles are built with these plugins, not the page's.
    plugins: () => [withoutNodeEvalInWasmWorker()],
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
