import { parseArgs } from 'node:util';
import { auditBatch, auditBatchSteps } from '../../kernels/auditBatch.ts';
import { CURVE_BISECTION, RADIUS_SEARCH } from '../../kernels/empiricalRadius.ts';
import { Evaluator } from '../../kernels/evaluator.ts';
import { layerLipschitzEstimates } from '../../kernels/lipschitz.ts';
import { SllModel } from '../../kernels/model.ts';
import { type AuditSummary, auditSummary } from '../../sll/audit.ts';
import { LIPSCHITZ_TOLERANCE, PGD_STEPS } from '../../sll/auditDefaults.ts';
import { createRng } from '../../sll/rng.ts';
import { CliError } from '../errors.ts';
import { IMAGE_HELP, IMAGE_OPTIONS, imageBatch, loadImages } from '../images.ts';
import { integerOption, readWeightsFile, weightsHelp } from '../io.ts';
import { NODE_BACKEND_USAGE, backendOption, startNodeBackend } from '../nodeBackend.ts';
import { Progress, type ProgressStream, processStderr, progressStream } from '../progress.ts';
import { resolveArch } from './init.ts';

export const AUDIT_HELP = `Usage: sll-lab audit --weights W.json (--dataset cifar10 [--limit N] | --images X.npy --labels Y.npy)
                     [--steps ${PGD_STEPS}] [--bisection-steps ${CURVE_BISECTION.bisectionSteps}] [--rounds ${CURVE_BISECTION.rounds}] [--seed S]
                     [--backend ${NODE_BACKEND_USAGE}] [--json]

Audits the certificates (docs/audit.md): for each image its label, prediction, certified radius and
empirical radius (the smallest radius at which L2 PGD changed a correct prediction, by bisection;
0 when wrong already, "inf" when PGD never did up to ${RADIUS_SEARCH.RADIUS_CAP}); then natural, certified and PGD accuracy
at 36/72/108/255 (/255; PGD run directly at each radius, random start), the soundness violations
(a correct prediction PGD changed inside its certified radius), the largest per-layer gain (power
iteration, as "sll-lab lipschitz") and the mean ratio certified / empirical radius. Exit code 3 on
any violation or a layer above 1 + ${LIPSCHITZ_TOLERANCE}. On a terminal, progress is drawn on stderr
unless --json is given.

Options:
${weightsHelp()}
${IMAGE_HELP}
  --steps N            PGD steps at each paper radius (default ${PGD_STEPS}, as the official evaluation)
  --bisection-steps N  PGD steps of each bisection probe (default ${CURVE_BISECTION.bisectionSteps})
  --rounds N           bisection rounds after PGD first succeeds (default ${CURVE_BISECTION.rounds})
  --seed S             seed of the random starts (default 0)
  --batch N            images attacked together (default 100)
  --json               print one JSON object (radii: null = infinite)
  -h, --help           show this help`;

const radiusText = (r: number) => (Number.isFinite(r) ? r.toFixed(4) : 'inf');
const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
const radiusKey = (eps: number) => `${Math.round(eps * 255)}/255`;

export async function runAudit(
  argv: string[],
  out: (line: string) => void,
  stderr: ProgressStream = processStderr,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string' },
      arch: { type: 'string' },
      ...IMAGE_OPTIONS,
      steps: { type: 'string' },
      'bisection-steps': { type: 'string' },
      rounds: { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(AUDIT_HELP);
    return 0;
  }
  if (!values.weights) throw new CliError('--weights FILE is required');
  const positive = (value: string | undefined, name: string, fallback: number) => {
    const n = integerOption(value, name, fallback);
    if (n < 1) throw new CliError(`--${name} must be at least 1, got ${value}`);
    return n;
  };
  const budget = {
    steps: positive(values.steps, 'steps', PGD_STEPS),
    bisectionSteps: positive(values['bisection-steps'], 'bisection-steps', CURVE_BISECTION.bisectionSteps),
    rounds: integerOption(values.rounds, 'rounds', CURVE_BISECTION.rounds),
    rng: createRng(integerOption(values.seed, 'seed', 0)),
  };
  const batch = positive(values.batch, 'batch', 100);
  const givenArch = values.arch === undefined ? undefined : await resolveArch(undefined, values.arch);
  const { arch, params } = await readWeightsFile(values.weights, givenArch);
  await startNodeBackend(backendOption(values.backend));
  const images = await loadImages(arch, values);
  if (!images.labels) throw new CliError('an audit needs labels (--labels or --dataset)');
  const labels = images.labels;

  const started = performance.now();
  const model = new SllModel(arch, params);
  const stream = progressStream(stderr, values.json);
  const predictions = new Int32Array(images.n);
  const certified = new Float64Array(images.n);
  const empirical = new Float64Array(images.n);
  const attacked = new Map<number, Int32Array>();
  let estimates: Awaited<ReturnType<typeof layerLipschitzEstimates>>;
  try {
    const batchSteps = auditBatchSteps(budget);
    const total = Math.ceil(images.n / batch) * batchSteps;
    const attacking = new Progress(stream, `audit (PGD, ${budget.steps} steps)`, total, {
      unit: 'PGD steps',
    });
    const evaluator = await Evaluator.create(model);
    try {
      for (let start = 0; start < images.n; start += batch) {
        const count = Math.min(batch, images.n - start);
        const x = imageBatch(arch, images, start, count);
        const before = (start / batch) * batchSteps;
        const audit = await auditBatch(evaluator, x, labels.subarray(start, start + count), {
          ...budget,
          onStep: (done) => attacking.update(before + done),
        }).finally(() => x.dispose());
        predictions.set(audit.predictions, start);
        certified.set(audit.certified, start);
        empirical.set(audit.empirical, start);
        for (const a of audit.attacks) {
          const all = attacked.get(a.eps) ?? new Int32Array(images.n);
          all.set(a.adversarialPredictions, start);
          attacked.set(a.eps, all);
        }
      }
      attacking.update(total);
    } finally {
      attacking.close();
      evaluator.dispose();
    }
    let lipschitz: Progress | null = null;
    estimates = await layerLipschitzEstimates(model, {
      onProgress: (done, totalIterations) => {
        lipschitz ??= new Progress(stream, 'lipschitz', totalIterations, { unit: 'power iterations' });
        lipschitz.update(done);
      },
    }).finally(() => lipschitz?.close());
  } finally {
    model.dispose();
  }
  const attacks = [...attacked].map(([eps, adversarialPredictions]) => ({ eps, adversarialPredictions }));
  const summary = auditSummary({ labels, predictions, certified, empirical }, attacks);
  const largestLayerGain = Math.max(0, ...estimates.map((e) => Math.max(e.atZero, e.atRandomPoints)));
  const seconds = (performance.now() - started) / 1000;
  const sound = summary.violations.length === 0 && largestLayerGain <= 1 + LIPSCHITZ_TOLERANCE;
  if (values.json) {
    const finite = (r: number) => (Number.isFinite(r) ? r : null);
    out(
      JSON.stringify({
        steps: budget.steps,
        bisectionSteps: budget.bisectionSteps,
        rounds: budget.rounds,
        images: Array.from(labels, (label, i) => ({
          label,
          prediction: predictions[i],
          certifiedRadius: finite(certified[i]),
          empiricalRadius: finite(empirical[i]),
        })),
        summary,
        layers: estimates,
        largestLayerGain,
        seconds,
      }),
    );
  } else {
    out('image  label  prediction  certified  empirical');
    for (let i = 0; i < images.n; i++) {
      out(
        `${String(i).padStart(5)}  ${String(labels[i]).padStart(5)}  ${String(predictions[i]).padStart(10)}  ${radiusText(certified[i]).padStart(9)}  ${radiusText(empirical[i]).padStart(9)}`,
      );
    }
    printSummary(summary, largestLayerGain, out);
  }
  return sound ? 0 : 3;
}

function printSummary(summary: AuditSummary, largestLayerGain: number, out: (line: string) => void): void {
  out(`${summary.n} images; natural accuracy ${percent(summary.naturalAccuracy)}`);
  out(`radius      ${summary.certified.map((c) => radiusKey(c.eps).padStart(9)).join('')}`);
  out(`certified   ${summary.certified.map((c) => percent(c.accuracy).padStart(9)).join('')}`);
  out(`PGD         ${summary.pgd.map((c) => percent(c.accuracy).padStart(9)).join('')}`);
  out(
    `mean certified / empirical radius: ${summary.meanRatio === null ? '-' : summary.meanRatio.toFixed(3)}`,
  );
  out(
    `largest per-layer gain: ${largestLayerGain.toFixed(6)}${largestLayerGain <= 1 + LIPSCHITZ_TOLERANCE ? '' : ' (above 1: FAILED)'}`,
  );
  out(
    summary.violations.length === 0
      ? 'soundness violations: none'
      : `soundness violations: ${summary.violations.length} (images ${summary.violations.join(', ')}): FAILED`,
  );
}
