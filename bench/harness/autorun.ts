// A plan in the query string runs the harness without Playwright and POSTs every result to the
// page's own server (bench/static/serve.py): how `bench/static/run.sh` measures a machine that
// has Chromium and python3 but no Node, such as a lent GPU server.
import type { BackendName } from '../../src/sll/backendNames.ts';
import type { PresetName } from '../../src/sll/arch.ts';
import { labLayerShape } from '../convShape.ts';
import type { TimingPlan } from '../timing.ts';
import type { TfjsFlags } from './protocol.ts';

export interface AutorunPlan {
  backends: BackendName[];
  presets: PresetName[];
  batch: number;
  evalBatch: number;
  plan: TimingPlan;
  /** Also time the convolution formulations on each backend (the lab layer at `batch`). */
  formulations: boolean;
  /** Each set of tfjs flags is a separate pass over every backend (default: one pass, no flags). */
  flagSets?: TfjsFlags[];
}

type Result = { kind: string; backend: BackendName; flags: TfjsFlags } & Record<string, unknown>;

const post = (path: string, body: unknown) =>
  fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function runPass(plan: AutorunPlan, flags: TfjsFlags): Promise<void> {
  const { start, measure, formulations } = window.benchHarness;
  const send = (result: Omit<Result, 'flags'>) =>
    post('/bench-result', { ...result, flags, userAgent: navigator.userAgent });
  for (const backend of plan.backends) {
    try {
      const ready = await start(backend, flags);
      await send({ kind: 'started', backend, ready });
      if (plan.formulations) {
        const shape = labLayerShape(plan.batch);
        await send({ kind: 'formulations', backend, timings: await formulations(shape, plan.plan) });
      }
      for (const preset of plan.presets) {
        try {
          const options = { preset, batch: plan.batch, evalBatch: plan.evalBatch, plan: plan.plan };
          await send({ kind: 'measurement', backend, measurement: await measure(options) });
        } catch (e) {
          await send({ kind: 'error', backend, preset, message: (e as Error).message });
        }
      }
    } catch (e) {
      await send({ kind: 'error', backend, message: (e as Error).message });
    }
  }
}

async function runPlan(plan: AutorunPlan): Promise<void> {
  for (const flags of plan.flagSets ?? [{}]) await runPass(plan, flags);
}

export function autorunFromQuery(search: string): void {
  const planText = new URLSearchParams(search).get('plan');
  if (planText === null) return;
  void runPlan(JSON.parse(planText) as AutorunPlan).finally(() => post('/bench-done', {}));
}
