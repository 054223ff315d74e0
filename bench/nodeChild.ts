// One Node measurement in its own process (spawned by bench/nodeProcess.ts): tfjs-wasm turns a
// failed allocation inside XNNPACK into an uncaught "memory access out of bounds" that ends the
// process, so a row that runs out of WASM memory must not take the whole benchmark with it.
//   node --import tsx bench/nodeChild.ts '<NodeRequest JSON>' RESULT.json
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { measureFormulations } from './formulations.ts';
import { measure } from './measure.ts';
import type { NodeRequest, NodeResult } from './nodeProcess.ts';

const [requestJson, resultPath] = process.argv.slice(2);
const request = JSON.parse(requestJson) as NodeRequest;
const ready = await startNodeBackend(request.backend);
tf.enableProdMode();
const result: NodeResult =
  request.type === 'measure'
    ? { type: 'measure', adapter: ready.adapter, measurement: await measure(request.options) }
    : {
        type: 'formulations',
        adapter: ready.adapter,
        timings: await measureFormulations(request.shape, request.plan),
      };
await writeFile(resultPath, JSON.stringify(result));
