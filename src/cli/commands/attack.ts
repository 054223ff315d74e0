import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { certifiedAccuracy } from '../../sll/certify.ts';
import { Evaluator } from '../../kernels/evaluator.ts';
import { SllModel } from '../../kernels/model.ts';
import { pgdAttack } from '../../kernels/pgd.ts';
import { createRng } from '../../sll/rng.ts';
import { CliError } from '../errors.ts';
import { EVALUATION_OPTIONS, IMAGE_HELP, certifyAll, imageBatch, loadImages } from '../images.ts';
import { integerOption, weightsHelp, readWeightsFile } from '../io.ts';
import { NODE_BACKEND_USAGE, backendOption, startNodeBackend } from '../nodeBackend.ts';
import { Progress, type ProgressStream, processStderr, progressStream } from '../progress.ts';
import { resolveArch } from './init.ts';
import { parseEpsList } from '../eps.ts';

export const ATTACK_HELP = `Usage: sll-lab attack --weights W.json (--images X.npy --labels Y.npy | --dataset cifar10 [--limit N])
                      --eps E [--steps 100] [--seed S] [--backend ${NODE_BACKEND_USAGE}] [--json]

Empirical robustness: untargeted L2 PGD (random start, step 2*eps/steps, images kept in [0, 1]),
as the official evaluation. Prints the accuracy under attack next to the certified accuracy at
the same eps; a sound certificate never exceeds the attacked accuracy. On a terminal, progress
(images done, images/s, ETA) is drawn on stderr unless --json is given.

Options:
${weightsHelp()}
${IMAGE_HELP}
  --eps E         attack radius (L2, pixels in [0, 1]); a decimal or a fraction like 36/255
  --steps N       PGD steps (default 100)
  --seed S        seed of the random start (default 0)
  --batch N       images per attack batch (default 100)
  --json          print one JSON object
  -h, --help      show this help`;

export async function runAttack(
  argv: string[],
  out: (line: string) => void,
  stderr: ProgressStream = processStderr,
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...EVALUATION_OPTIONS,
      steps: { type: 'string' },
      seed: { type: 'string' },
      arch: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    out(ATTACK_HELP);
    return;
  }
  if (!values.weights) throw new CliError('--weights FILE is required');
  if (values.eps === undefined) throw new CliError('--eps E is required');
  const [eps] = parseEpsList(values.eps);
  const steps = integerOption(values.steps, 'steps', 100);
  const rng = createRng(integerOption(values.seed, 'seed', 0));
  const batch = Math.max(1, integerOption(values.batch, 'batch', 100));
  const givenArch = values.arch === undefined ? undefined : await resolveArch(undefined, values.arch);
  const { arch, params } = await readWeightsFile(values.weights, givenArch);
  await startNodeBackend(backendOption(values.backend));
  const images = await loadImages(arch, values);
  if (!images.labels) throw new CliError('an attack needs labels (--labels or --dataset)');
  const labels = images.labels;

  const model = new SllModel(arch, params);
  const stream = progressStream(stderr, values.json);
  const certifying = new Progress(stream, 'certify', images.n);
  const clean = await certifyAll(model, images, batch, (done) => certifying.update(done)).finally(
    () => certifying.close(), // the last batch drew the total
  );
  const evaluator = await Evaluator.create(model);
  const attacking = new Progress(stream, `attack (PGD, ${steps} steps)`, images.n);
  let robust = 0;
  try {
    for (let start = 0; start < images.n; start += batch) {
      const count = Math.min(batch, images.n - start);
      const x = imageBatch(arch, images, start, count);
      const y = tf.tensor1d(labels.subarray(start, start + count), 'int32');
      const adversarial = await pgdAttack((z) => evaluator.logits(z), x, y, { eps: eps.value, steps, rng });
      const attacked = await evaluator.certifyBatch(adversarial);
      attacked.predictions.forEach((p, i) => {
        if (p === labels[start + i]) robust++;
      });
      tf.dispose([x, y, adversarial]);
      attacking.update(start + count);
    }
  } finally {
    attacking.close();
    evaluator.dispose();
    model.dispose();
  }
  const report = {
    eps: eps.value,
    steps,
    naturalAccuracy: clean.predictions.filter((p, i) => p === labels[i]).length / images.n,
    robustAccuracy: robust / images.n,
    certifiedAccuracy: certifiedAccuracy(clean, labels, eps.value),
  };
  if (values.json) {
    out(JSON.stringify(report));
    return;
  }
  out(`${images.n} images, L2 PGD at eps ${eps.key} (${steps} steps)`);
  out(`natural accuracy:       ${(report.naturalAccuracy * 100).toFixed(2)}%`);
  out(`accuracy under attack:  ${(report.robustAccuracy * 100).toFixed(2)}%`);
  out(`certified accuracy:     ${(report.certifiedAccuracy * 100).toFixed(2)}%`);
}
