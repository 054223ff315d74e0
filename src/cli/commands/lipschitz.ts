import { parseArgs } from 'node:util';
import { layerLipschitzEstimates } from '../../kernels/lipschitz.ts';
import { SllModel } from '../../kernels/model.ts';
import { LIPSCHITZ_TOLERANCE } from '../../sll/auditDefaults.ts';
import { CliError } from '../errors.ts';
import { integerOption, weightsHelp, readWeightsFile } from '../io.ts';
import { NODE_BACKEND_USAGE, backendOption, startNodeBackend } from '../nodeBackend.ts';
import { Progress, type ProgressStream, processStderr, progressStream } from '../progress.ts';
import { resolveArch } from './init.ts';

export const LIPSCHITZ_HELP = `Usage: sll-lab lipschitz --weights W.json [--iterations 500] [--points 2]
                         [--backend ${NODE_BACKEND_USAGE}] [--json]

Checks that every SLL layer is 1-Lipschitz: power iteration on the gradient of
||f(c + v) - f(c)||^2 gives each layer's largest gain, at c = 0 with unit v (the official
check) and at random points c with small v (the layer's Jacobian there). Exit code 3 if any
layer exceeds 1 + 1e-4. On a terminal, progress (power iterations done, rate, ETA) is drawn on
stderr unless --json is given.

Options:
${weightsHelp(20)}
  --iterations N    power-iteration steps per estimate (default 500, as the official tool)
  --points N        random centres per layer (default 2)
  --backend NAME    wasm (default), cpu (tfjs's plain JavaScript backend, many times slower) or
                    webgpu (Dawn; docs/cli.md says how to run it without a GPU)
  --json            print a JSON array
  -h, --help        show this help`;

export async function runLipschitz(
  argv: string[],
  out: (line: string) => void,
  stderr: ProgressStream = processStderr,
): Promise<number | void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string' },
      arch: { type: 'string' },
      iterations: { type: 'string' },
      points: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(LIPSCHITZ_HELP);
    return;
  }
  if (!values.weights) throw new CliError('--weights FILE is required');
  const givenArch = values.arch === undefined ? undefined : await resolveArch(undefined, values.arch);
  const maxIterations = integerOption(values.iterations, 'iterations', 500);
  const randomPoints = integerOption(values.points, 'points', 2);
  const { arch, params } = await readWeightsFile(values.weights, givenArch);
  await startNodeBackend(backendOption(values.backend));
  const model = new SllModel(arch, params);
  const stream = progressStream(stderr, values.json);
  let progress: Progress | null = null;
  const estimates = await layerLipschitzEstimates(model, {
    maxIterations,
    randomPoints,
    onProgress: (done, total) => {
      progress ??= new Progress(stream, 'lipschitz', total, { unit: 'power iterations' });
      progress.update(done);
    },
  }).finally(() => {
    progress?.close();
    model.dispose();
  });
  const worst = Math.max(0, ...estimates.map((e) => Math.max(e.atZero, e.atRandomPoints)));
  if (values.json) out(JSON.stringify(estimates));
  else {
    for (const e of estimates) {
      out(
        `${e.name.padEnd(10)} ${e.kind.padEnd(5)} at 0: ${e.atZero.toFixed(6)}  at random points: ${e.atRandomPoints.toFixed(6)}`,
      );
    }
    out(
      `largest: ${worst.toFixed(6)} (${worst <= 1 + LIPSCHITZ_TOLERANCE ? 'ok: every SLL layer is 1-Lipschitz' : 'FAILED'})`,
    );
  }
  return worst <= 1 + LIPSCHITZ_TOLERANCE ? 0 : 3;
}
