// Dispatches per training step and per certified batch by tfjs kernel, and the JavaScript time of a
// step (enqueueing its work, without waiting for the GPU), per preset, on WebGPU through Dawn:
//   npm run bench:dispatches -- [--presets tiny,lab,small] [--batch 64] [--steps 5] [--narrow] [--out FILE.json]
// --narrow keeps each preset's layers at small widths (`narrowed` in bench/dispatches.ts): the same
// counts in seconds, where `small` at its real widths takes minutes a step on SwiftShader.
// Without a GPU, set VK_ICD_FILENAMES (docs/performance.md): the counts are the same on any
// adapter, while the JavaScript time on SwiftShader includes the software driver's work inside
// each submit, so it is only an upper bound of what a real GPU would show.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { startNodeBackend } from '../src/cli/nodeBackend.ts';
import { Adam } from '../src/kernels/adam.ts';
import { Evaluator } from '../src/kernels/evaluator.ts';
import { SllModel } from '../src/kernels/model.ts';
import { isPresetName, presetArch } from '../src/sll/arch.ts';
import { countDispatches, narrowed } from './dispatches.ts';
import { randomBatch, trainingStepRunner } from './measure.ts';
import { median } from './timing.ts';

const { values } = parseArgs({
  options: {
    presets: { type: 'string', default: 'tiny,lab,small' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '5' },
    narrow: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const ready = await startNodeBackend('webgpu');
tf.enableProdMode();

interface PresetDispatches {
  preset: string;
  trainDispatches: number;
  trainKernels: number;
  trainByKernel: Record<string, number>;
  certifyDispatches: number;
  certifyByKernel: Record<string, number>;
  /** Median over `steps` steps of the synchronous part of a step: uploads, forward, backward, Adam. */
  jsMsPerStep: number;
  /**
   * The same with no submit inside the step (tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE raised past
   * its dispatches), so that a software driver's work in each submit stays out: what is left is
   * tfjs and Dawn recording the step, the part a real GPU cannot hide.
   */
  jsMsNoSubmit: number;
  /** The same steps until their loss was read back. */
  stepMs: number;
}

const rows: PresetDispatches[] = [];
for (const preset of values.presets.split(',')) {
  if (!isPresetName(preset)) throw new Error(`unknown preset ${preset}`);
  const arch = values.narrow ? narrowed(presetArch(preset)) : presetArch(preset);
  const model = SllModel.initialize(arch, 0);
  const adam = new Adam(model.variables);
  const data = randomBatch(batch, arch.imageSize, arch.inChannels, 1);
  const { step, jsMs } = trainingStepRunner(model, adam, data);
  await step(); // compiles every program
  const train = await countDispatches(step);
  jsMs.length = 0;
  const stepMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await step();
    stepMs.push(performance.now() - start);
  }
  const submitBatch = tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1_000_000);
  const jsMsSubmitting = jsMs.splice(0);
  for (let i = 0; i < steps; i++) await step();
  const jsMsNoSubmit = median(jsMs.splice(0));
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', submitBatch);
  const evaluator = await Evaluator.create(model);
  const certifyOnce = async () => {
    const x = tf.tensor4d(data.images, data.shape);
    await evaluator.certifyBatch(x);
    x.dispose();
  };
  await certifyOnce();
  const certify = await countDispatches(certifyOnce);
  evaluator.dispose();
  adam.dispose();
  model.dispose();
  const row: PresetDispatches = {
    preset,
    trainDispatches: train.dispatches ?? 0,
    trainKernels: train.kernels,
    trainByKernel: train.byKernel,
    certifyDispatches: certify.dispatches ?? 0,
    certifyByKernel: certify.byKernel,
    jsMsPerStep: median(jsMsSubmitting),
    jsMsNoSubmit,
    stepMs: median(stepMs),
  };
  rows.push(row);
  console.log(
    `${preset}: ${row.trainDispatches} dispatches per training step (${row.trainKernels} kernels), ` +
      `${row.certifyDispatches} per certified batch; JavaScript ${row.jsMsPerStep.toFixed(1)} ms ` +
      `(${row.jsMsNoSubmit.toFixed(1)} ms without a submit) of a ${row.stepMs.toFixed(1)} ms step (batch ${batch})`,
  );
  const top = Object.entries(row.trainByKernel).sort((a, b) => b[1] - a[1]);
  console.log(`  by kernel: ${top.map(([k, n]) => `${k} ${n}`).join(', ')}`);
}
if (values.out) {
  await writeFile(
    values.out,
    JSON.stringify({ adapter: ready.adapter, batch, narrow: values.narrow, rows }, null, 2) + '\n',
  );
  console.log(`wrote ${values.out}`);
}
process.exit(0);
