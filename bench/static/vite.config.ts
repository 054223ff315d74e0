// The benchmark harness as static files (dist/bench), for bench/static/run.sh.
import { defineConfig, mergeConfig } from 'vite';
import base from '../../vite.config.ts';

export default mergeConfig(
  base,
  defineConfig({
    publicDir: false,
    build: {
      outDir: 'dist/bench',
      emptyOutDir: true,
      rolldownOptions: { input: 'bench/harness/index.html' },
    },
  }),
);
