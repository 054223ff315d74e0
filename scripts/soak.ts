// `npm run soak`: the long soak (test/soak runs 2,000 steps in CI). Trains `tiny` on CIFAR-10 with
// the WASM backend, evaluating and checkpointing as it goes, and prints a CSV of tensors, tensor
// bytes, WASM memory and heap over time (to stdout, or --csv FILE), then on stderr a summary from
// the first sample after warm-up to the last; exits with 1 unless that is flat.
//
//   npm run soak -- [--minutes 60] [--batch 16] [--train 1024] [--every 50] [--eval-every 200]
//                   [--eval-images 200] [--warm-up 3000] [--csv soak.csv]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { type SoakSample, samplesCsv, soakSummary } from '../test/soak/soakLoop.ts';
import { runSoak } from '../test/soak/soakRun.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    batch: { type: 'string', default: '16' },
    train: { type: 'string', default: '1024' },
    every: { type: 'string', default: '50' },
    'eval-every': { type: 'string', default: '200' },
    'eval-images': { type: 'string', default: '200' },
    // V8 goes on optimising tfjs's functions for the first few thousand steps (its code and the
    // dependency lists grow, then stop): the baseline is taken after that (docs/robustness.md).
    'warm-up': { type: 'string', default: '3000' },
    csv: { type: 'string' },
  },
});

const number = (name: keyof typeof values): number => {
  const value = Number(values[name]);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got ${values[name]}`);
  return value;
};

const backend = await startNodeBackend('wasm');
console.error(`soak: tiny on ${backend.adapter ?? backend.backend} for ${values.minutes} minutes`);
const result = await runSoak({
  minutes: number('minutes'),
  sampleEvery: number('every'),
  batchSize: number('batch'),
  trainImages: number('train'),
  evalEvery: number('eval-every'),
  evalImages: number('eval-images'),
  onSample: (s: SoakSample) =>
    console.error(
      `step ${s.step}  ${s.seconds.toFixed(0)} s  ${s.tensors} tensors  ${s.bytes} B  heap ${s.heapBytes} B`,
    ),
});
if (!result.forcedGc) console.error('soak: no full collection could be forced: heap figures include garbage');
const csv = samplesCsv(result.samples);
if (values.csv) await writeFile(values.csv, csv);
else process.stdout.write(csv);
const summary = soakSummary(result, number('warm-up'));
console.error(summary.lines.join('\n'));
process.exitCode = summary.flat ? 0 : 1;
