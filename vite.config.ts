import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [react()],
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
