// The benchmark's worker: the backend starts as in the training worker, then `measure` runs here,
// off the page's thread, as training does in the lab.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backends.ts';
import { browserBackendProbe } from '../../src/worker/browserBackends.ts';
import { measureFormulations } from '../formulations.ts';
import { measure } from '../measure.ts';
import type { BenchReply, BenchRequest } from './protocol.ts';

const reply = (message: BenchReply) => self.postMessage(message);

self.onmessage = async (event: MessageEvent<BenchRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'start') {
      // Forced, and no fallback: a row must be measured on the backend it names.
      const ready = await selectBackend(request.backend, browserBackendProbe, [request.backend]);
      for (const [flag, value] of Object.entries(request.flags ?? {})) tf.env().set(flag, value);
      reply({ type: 'started', ready });
    } else if (request.type === 'measure') {
      reply({ type: 'measured', measurement: await measure(request.options) });
    } else {
      reply({ type: 'formulations', timings: await measureFormulations(request.shape, request.plan) });
    }
  } catch (e) {
    reply({ type: 'error', message: (e as Error).message || String(e) });
  }
};
