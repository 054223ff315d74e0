// window.benchHarness: what bench/chromium.ts drives with Playwright.
import type { BackendReady } from '../../src/engine/backends.ts';
import type { BackendName } from '../../src/sll/backendNames.ts';
import type { ConvShape } from '../convShape.ts';
import type { FormulationTiming } from '../formulations.ts';
import type { Measurement, MeasureOptions } from '../measure.ts';
import type { TimingPlan } from '../timing.ts';
import type { BenchReply, BenchRequest, TfjsFlags } from './protocol.ts';
import { autorunFromQuery } from './autorun.ts';

const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
const status = document.getElementById('status') as HTMLElement;

function ask(request: BenchRequest): Promise<BenchReply> {
  return new Promise((resolve) => {
    worker.onmessage = (event: MessageEvent<BenchReply>) => resolve(event.data);
    worker.onerror = (event) => resolve({ type: 'error', message: event.message || 'worker failed' });
    worker.postMessage(request);
  });
}

async function start(backend: BackendName, flags?: TfjsFlags): Promise<BackendReady> {
  status.textContent = `starting ${backend}`;
  const r = await ask({ type: 'start', backend, flags });
  if (r.type === 'error') throw new Error(r.message);
  if (r.type !== 'started') throw new Error(`unexpected reply ${r.type}`);
  status.textContent = `${r.ready.backend} on ${r.ready.adapter ?? 'no adapter'}`;
  return r.ready;
}

async function measure(options: MeasureOptions): Promise<Measurement> {
  status.textContent = `measuring ${options.preset}`;
  const r = await ask({ type: 'measure', options });
  if (r.type === 'error') throw new Error(r.message);
  if (r.type !== 'measured') throw new Error(`unexpected reply ${r.type}`);
  status.textContent = `${options.preset}: ${r.measurement.trainImagesPerSec.toFixed(1)} training images/s`;
  return r.measurement;
}

async function formulations(shape: ConvShape, plan: TimingPlan): Promise<FormulationTiming[]> {
  status.textContent = 'timing convolution formulations';
  const r = await ask({ type: 'formulations', shape, plan });
  if (r.type === 'error') throw new Error(r.message);
  if (r.type !== 'formulations') throw new Error(`unexpected reply ${r.type}`);
  status.textContent = 'formulations timed';
  return r.timings;
}

declare global {
  interface Window {
    benchHarness: { start: typeof start; measure: typeof measure; formulations: typeof formulations };
  }
}

window.benchHarness = { start, measure, formulations };
autorunFromQuery(location.search);
