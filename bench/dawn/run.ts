// The benchmark's WebGPU rows through Dawn in Node (the optional npm package `webgpu`, Dawn's own
// Node binding): how WebGPU was measured on a GPU server where headless Chromium offered no
// hardware WebGPU adapter. Same WGSL programs as in the browser, no browser.
//   npx tsx bench/dawn/run.ts '<plan JSON: presets, batch, evalBatch, plan, formulations, requireAdapter>'
// Prints one JSON line per result, like bench/static. On a server without Node, carry Node's binary
// and a bundle: npx esbuild bench/dawn/run.ts --bundle --platform=node --format=esm
//   --external:webgpu --outfile=run.mjs (with a banner defining `require` via createRequire).
import { installDawn } from '../../src/cli/dawn.ts';

interface DawnPlan {
  presets: string[];
  batch: number;
  evalBatch: number;
  plan: { warmup: number; runs: number; budgetMs: number };
  formulations: boolean;
  /** Stop unless the adapter's description contains this (say "nvidia"), not to time a fallback. */
  requireAdapter?: string;
}

const gpu = await installDawn();

// After navigator.gpu exists: tfjs registers its WebGPU backend only where it finds one.
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-webgpu');
const { measure } = await import('../measure.ts');
const { measureFormulations } = await import('../formulations.ts');
const { labLayerShape } = await import('../convShape.ts');
const { isPresetName } = await import('../../src/sll/arch.ts');
const { gpuAdapterLabel } = await import('../../src/engine/backends.ts');

const plan = JSON.parse(process.argv[2] ?? '{}') as DawnPlan;
const print = (result: Record<string, unknown>) => console.log(JSON.stringify(result));
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const adapterName = adapter ? gpuAdapterLabel(adapter.info ?? {}) : 'none';
print({ kind: 'started', backend: 'webgpu', adapter: adapterName });
if (plan.requireAdapter && !adapterName.toLowerCase().includes(plan.requireAdapter.toLowerCase()))
  throw new Error(`the adapter is ${adapterName}, not ${plan.requireAdapter}`);
if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not start');
tf.enableProdMode();
if (plan.formulations) {
  const timings = await measureFormulations(labLayerShape(plan.batch), plan.plan);
  print({ kind: 'formulations', backend: 'webgpu', timings });
}
for (const preset of plan.presets) {
  if (!isPresetName(preset)) throw new Error(`unknown preset ${preset}`);
  try {
    const options = { preset, batch: plan.batch, evalBatch: plan.evalBatch, plan: plan.plan };
    print({ kind: 'measurement', backend: 'webgpu', measurement: await measure(options) });
  } catch (e) {
    print({ kind: 'error', backend: 'webgpu', preset, message: (e as Error).message });
  }
}
process.exit(0);
