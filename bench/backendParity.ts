// The same training steps on two backends, side by side: the loss of every step, the weights after
// them and the certified radii of a batch, with the largest relative differences:
//   npm run bench:parity -- [--preset lab] [--steps 20] [--batch 64] [--backends wasm,webgpu]
// WebGPU runs through Dawn (set VK_ICD_FILENAMES without a GPU; docs/performance.md).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { type NodeBackendName, backendOption, startNodeBackend } from '../src/cli/nodeBackend.ts';
import { Adam } from '../src/kernels/adam.ts';
import { Evaluator } from '../src/kernels/evaluator.ts';
import { SllModel } from '../src/kernels/model.ts';
import { isPresetName, presetArch } from '../src/sll/arch.ts';
import { randomBatch, trainingStepRunner } from './measure.ts';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'lab' },
    steps: { type: 'string', default: '20' },
    batch: { type: 'string', default: '64' },
    backends: { type: 'string', default: 'wasm,webgpu' },
  },
});
if (!isPresetName(values.preset)) throw new Error(`unknown preset ${values.preset}`);
const arch = presetArch(values.preset);
const steps = Number(values.steps);
const batch = Number(values.batch);

async function run(backend: NodeBackendName) {
  await startNodeBackend(backend);
  const model = SllModel.initialize(arch, 0);
  const adam = new Adam(model.variables);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { step, losses: stepLosses } = trainingStepRunner(
      model,
      adam,
      randomBatch(batch, arch.imageSize, arch.inChannels, s + 1),
    );
    await step();
    losses.push(...stepLosses);
  }
  const weights = await Promise.all(model.variables.map(async (v) => Array.from(await v.data())));
  const evaluator = await Evaluator.create(model);
  const test = randomBatch(batch, arch.imageSize, arch.inChannels, 1000);
  const x = tf.tensor4d(test.images, test.shape);
  const { radii } = await evaluator.certifyBatch(x);
  tf.dispose(x);
  evaluator.dispose();
  adam.dispose();
  model.dispose();
  return { losses, weights: weights.flat(), radii: Array.from(radii) };
}

const relative = (a: number[], b: number[]) => {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / scale;
};

const names = values.backends.split(',').map(backendOption);
if (names.length !== 2) throw new Error('--backends takes two backends, e.g. wasm,webgpu');
const reference = await run(names[0]);
const other = await run(names[1]);
console.log(`${values.preset}, batch ${batch}, ${steps} steps: ${names[0]} vs ${names[1]}`);
reference.losses.forEach((loss, s) =>
  console.log(
    `  step ${s + 1}: ${loss.toFixed(7)} ${other.losses[s].toFixed(7)}  (${(Math.abs(other.losses[s] - loss) / Math.abs(loss)).toExponential(1)})`,
  ),
);
console.log(
  `largest relative difference: losses ${Math.max(...reference.losses.map((l, s) => Math.abs(other.losses[s] - l) / Math.abs(l))).toExponential(2)}, ` +
    `weights ${relative(other.weights, reference.weights).toExponential(2)}, radii ${relative(other.radii, reference.radii).toExponential(2)}`,
);
process.exit(0);
