import { parseArgs } from 'node:util';
import { certifiedAccuracy, naturalAccuracy } from '../../sll/certify.ts';
import { parseEpsList } from '../eps.ts';
import { SllModel } from '../../kernels/model.ts';
import { CliError } from '../errors.ts';
import { integerOption, weightsHelp, readWeightsFile } from '../io.ts';
import { NODE_BACKEND_USAGE, backendOption, startNodeBackend } from '../nodeBackend.ts';
import { Progress, type ProgressStream, processStderr, progressStream } from '../progress.ts';
import { resolveArch } from './init.ts';
import { EVALUATION_OPTIONS, IMAGE_HELP, certifyAll, loadImages } from '../images.ts';

export const CERTIFY_HELP = `Usage:
  sll-lab certify --weights W.json|W.pth --images X.npy [--labels Y.npy] [--eps LIST] [--json]
  sll-lab certify --weights W.json|W.pth --dataset cifar10 [--split test] [--limit N] [--eps LIST] [--json]
                  [--backend ${NODE_BACKEND_USAGE}]

Evaluates a network and certifies each prediction: the certified L2 radius of the predicted
class (docs/math.md §4). With labels, prints natural accuracy and certified accuracy (a fraction
in [0, 1]: correct and radius > eps). On a terminal, progress (images done, images/s, ETA) is
drawn on stderr unless --json is given.

Options:
${weightsHelp()}
${IMAGE_HELP}
  --eps LIST      comma-separated radii, as decimals or fractions (0.1412,36/255);
                  default: the paper's 36/255, 72/255, 108/255, 255/255
  --batch N       images per forward pass (default 256)
  --json          print one JSON object: logits, predictions, radii (null = infinite),
                  and with labels naturalAccuracy and certifiedAccuracy keyed by eps
  -h, --help      show this help`;

export async function runCertify(
  argv: string[],
  out: (line: string) => void,
  stderr: ProgressStream = processStderr,
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...EVALUATION_OPTIONS,
      arch: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    out(CERTIFY_HELP);
    return;
  }
  if (!values.weights) throw new CliError('--weights FILE is required');
  const epsList = parseEpsList(values.eps);
  const batch = Math.max(1, integerOption(values.batch, 'batch', 256));
  const givenArch = values.arch === undefined ? undefined : await resolveArch(undefined, values.arch);
  const { arch, params } = await readWeightsFile(values.weights, givenArch);
  await startNodeBackend(backendOption(values.backend));
  const images = await loadImages(arch, values);

  const model = new SllModel(arch, params);
  const progress = new Progress(progressStream(stderr, values.json), 'certify', images.n);
  const { logits, predictions, radii } = await certifyAll(model, images, batch, (done) =>
    progress.update(done),
  ).finally(() => {
    progress.close(); // the last batch drew the total
    model.dispose();
  });
  const { nClasses } = arch;
  const certificates = { predictions, radii };
  const report: Record<string, unknown> = {
    logits: Array.from({ length: images.n }, (_, i) =>
      Array.from(logits.subarray(i * nClasses, (i + 1) * nClasses)),
    ),
    predictions: Array.from(predictions),
    radii: Array.from(radii, (r) => (Number.isFinite(r) ? r : null)),
  };
  if (images.labels) {
    report.naturalAccuracy = naturalAccuracy(predictions, images.labels);
    report.certifiedAccuracy = Object.fromEntries(
      epsList.map((e) => [e.key, certifiedAccuracy(certificates, images.labels as Int32Array, e.value)]),
    );
  }
  if (values.json) {
    out(JSON.stringify(report));
    return;
  }
  out(`${images.n} images, ${nClasses} classes`);
  const sorted = Float64Array.from(radii).sort();
  out(`median certified radius of the predictions: ${sorted[Math.floor(images.n / 2)]?.toFixed(4) ?? '-'}`);
  if (images.labels) {
    out(`natural accuracy: ${((report.naturalAccuracy as number) * 100).toFixed(2)}%`);
    for (const e of epsList) {
      const acc = (report.certifiedAccuracy as Record<string, number>)[e.key];
      out(`certified accuracy at eps ${e.key}: ${(acc * 100).toFixed(2)}%`);
    }
  }
}
