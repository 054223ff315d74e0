// The browser soak (e2e/soak.spec.ts): the toy run of the Trainer tests, on the backend named in the
// URL (?backend=webgpu&steps=60&every=10), sampled by the same loop as the Node soak. The result
// lands on window.soak.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backends.ts';
import { BACKEND_NAMES, type BackendName } from '../../src/sll/backendNames.ts';
import { browserBackendProbe } from '../../src/worker/browserBackends.ts';
import { toyConfig, toyData } from '../helpers/toyData.ts';
import { type SoakResult, runSoakLoop, samplesCsv } from '../soak/soakLoop.ts';

declare global {
  interface Window {
    soak: Promise<SoakResult & { backend: string; adapter: string | null }>;
  }
}

const params = new URLSearchParams(location.search);
const backend = params.get('backend') ?? 'webgpu';
if (!(BACKEND_NAMES as readonly string[]).includes(backend)) throw new Error(`unknown backend "${backend}"`);
const steps = Number(params.get('steps') ?? 60);
const every = Number(params.get('every') ?? 10);

const report = document.getElementById('report')!;

async function soak() {
  tf.enableProdMode();
  // Forced: nothing else is tried.
  const ready = await selectBackend(backend as BackendName, browserBackendProbe, [backend as BackendName]);
  const result = await runSoakLoop({
    // The run outlasts the soak, which pauses it.
    config: toyConfig({ epochs: 1000, checkpointEvery: every, evalEvery: 30, augment: true }),
    data: toyData(),
    stopAtStep: steps,
    stopAtMs: Infinity,
    yieldToEvents: () => new Promise((resolve) => setTimeout(resolve)),
    onSample: (sample) => {
      report.textContent = `${ready.backend}: ${JSON.stringify(sample)}`;
    },
  });
  report.textContent = samplesCsv(result.samples);
  return { ...result, backend: ready.backend, adapter: ready.adapter };
}

window.soak = soak();
