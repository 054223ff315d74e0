// `npm run fuzz`: the long fuzz run of every input path (test/fuzz runs the same targets briefly in
// CI). Prints one line a path (cases, refused with a message, valid survivors, slowest case, heap
// growth) and every failure; exits with 1 if any case failed or a limit was broken.
//
//   npm run fuzz -- [--cases 2000] [--seed 17] [--only weights,pth,cifar,npy,url,checkpoint]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { type FuzzTarget, formatReport, reportProblems, runFuzz } from '../test/fuzz/harness.ts';
import { checkpointTarget } from '../test/fuzz/targets/checkpoints.ts';
import { cifarTarget } from '../test/fuzz/targets/cifar.ts';
import { npyTarget } from '../test/fuzz/targets/npy.ts';
import { urlTarget } from '../test/fuzz/targets/url.ts';
import { pthTarget, weightsJsonTarget } from '../test/fuzz/targets/weights.ts';

type AnyTarget = FuzzTarget<never> & { dispose?(): void };

const TARGETS: Record<string, () => Promise<unknown> | unknown> = {
  weights: weightsJsonTarget,
  pth: pthTarget,
  cifar: cifarTarget,
  npy: npyTarget,
  url: urlTarget,
  checkpoint: checkpointTarget,
};

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '17' },
    only: { type: 'string', default: Object.keys(TARGETS).join(',') },
  },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
const only = values.only.split(',');
const unknown = only.filter((name) => !(name in TARGETS));
if (!Number.isInteger(cases) || cases < 0 || !Number.isInteger(seed) || unknown.length > 0) {
  console.error(`usage: npm run fuzz -- [--cases N] [--seed S] [--only ${Object.keys(TARGETS).join(',')}]`);
  process.exit(2);
}

// The Trainer's targets run the toy network on tfjs's plain CPU backend, as the unit tests do.
await tf.setBackend('cpu');
console.log(`fuzz: ${cases} mutated cases a path (plus seeds and hand-made cases), seed ${seed}`);
let failed = false;
for (const name of only) {
  const target = (await TARGETS[name]()) as AnyTarget;
  try {
    const report = await runFuzz(target, { seed, cases });
    console.log(formatReport(report));
    console.log(`  slowest: ${report.slowest.slice(0, 120)}`);
    for (const problem of reportProblems(report)) {
      failed = true;
      console.log(`  FAIL ${problem.slice(0, 400)}`);
    }
  } finally {
    target.dispose?.();
  }
}
process.exit(failed ? 1 : 0);
