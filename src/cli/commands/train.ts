import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { OFFICIAL_LEARNING_RATE } from '../../kernels/adam.ts';
import { PRESET_NAMES, isPresetName } from '../../sll/arch.ts';
import { LOSS_NAMES, isLossName } from '../../sll/lossNames.ts';
import type { WorkerEvent } from '../../protocol.ts';
import type { TrainConfig } from '../../sll/trainConfig.ts';
import type { LoadedDataset } from '../../data/dataset.ts';
import { CliError } from '../errors.ts';
import { integerOption } from '../io.ts';
import { NODE_BACKEND_USAGE, backendOption, startNodeBackend } from '../nodeBackend.ts';
import { nodeTrainer } from '../nodeTrainer.ts';
import {
  type ProgressStream,
  StatusLine,
  formatDuration,
  processStderr,
  progressStream,
} from '../progress.ts';
import { resolveArch } from './init.ts';

export const TRAIN_HELP = `Usage: sll-lab train (--preset NAME | --arch FILE.json) --epochs N --out W.json
                     [--batch 64] [--loss xent] [--lr 0.01] [--no-augment] [--seed S]
                     [--backend ${NODE_BACKEND_USAGE}] [--dataset cifar10] [--train-limit N] [--eval-subset N]
                     [--with-optimizer] [--json]

Trains with the official recipe (Adam 0.5/0.9, interp schedule, offset cross-entropy, CIFAR
augmentation) through the same Trainer as the page's worker, then writes the weights with the run's
config and final metrics. Pair it with "sll-lab certify" to reproduce an experiment without a browser.

Options:
  --preset NAME     ${PRESET_NAMES.join(', ')}
  --arch FILE       a JSON architecture object instead of a preset
  --epochs N        epochs (required)
  --batch N         batch size (default 64)
  --loss NAME       ${LOSS_NAMES.join(', ')} (default xent)
  --lr X            peak learning rate (default ${OFFICIAL_LEARNING_RATE})
  --no-augment      train without augmentation
  --seed S          seed for initialisation, shuffling and augmentation (default 0)
  --backend NAME    wasm (default), cpu or webgpu (Dawn; see docs/cli.md)
  --dataset NAME    cifar10 (default)
  --train-limit N   train on the first N training images only
  --eval-subset N   test images per evaluation (default 1000; the final one uses all)
  --out FILE        where to write the weights JSON
  --with-optimizer  also write Adam's state (exp_avg, exp_avg_sq, step): a checkpoint that
                    python3 -m sll_lab.train (or the authors' code, after conversion) continues
  --json            JSON lines (one event per line) instead of a progress bar
                    (the bar is drawn on stderr on a terminal; elsewhere a line every 100 steps)
  -h, --help        show this help`;

/** An evaluation event without its per-image arrays (JSON lines carry the summary). */
function withoutArrays(
  e: Extract<WorkerEvent, { type: 'evaluation' }>,
): Omit<typeof e, 'radii' | 'predictions' | 'labels'> {
  const summary: Partial<typeof e> = { ...e };
  delete summary.radii;
  delete summary.predictions;
  delete summary.labels;
  return summary as Omit<typeof e, 'radii' | 'predictions' | 'labels'>;
}

function bar(fraction: number, width = 30): string {
  const filled = Math.round(fraction * width);
  return '[' + '#'.repeat(filled) + '.'.repeat(width - filled) + ']';
}

export async function runTrain(
  argv: string[],
  out: (line: string) => void,
  stderr: ProgressStream = processStderr,
): Promise<number | void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      arch: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      loss: { type: 'string', default: 'xent' },
      lr: { type: 'string' },
      'no-augment': { type: 'boolean', default: false },
      seed: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      dataset: { type: 'string', default: 'cifar10' },
      'train-limit': { type: 'string' },
      'eval-subset': { type: 'string' },
      out: { type: 'string' },
      'with-optimizer': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(TRAIN_HELP);
    return;
  }
  const arch = await resolveArch(values.preset, values.arch);
  if (!values.out) throw new CliError('--out FILE is required');
  if (!isLossName(values.loss)) throw new CliError(`--loss must be one of ${LOSS_NAMES.join(', ')}`);
  if (values.dataset !== 'cifar10')
    throw new CliError(`unknown dataset "${values.dataset}" (available: cifar10)`);
  const learningRate = values.lr === undefined ? OFFICIAL_LEARNING_RATE : Number(values.lr);
  if (!(learningRate > 0)) throw new CliError(`--lr must be a positive number, got ${values.lr}`);
  const epochs = integerOption(values.epochs, 'epochs');
  const trainLimit =
    values['train-limit'] === undefined ? undefined : integerOption(values['train-limit'], 'train-limit');
  const config: TrainConfig = {
    preset: values.preset && isPresetName(values.preset) ? values.preset : 'custom',
    arch,
    dataset: values.dataset,
    loss: values.loss,
    learningRate,
    batchSize: integerOption(values.batch, 'batch', 64),
    epochs,
    augment: !values['no-augment'],
    seed: integerOption(values.seed, 'seed', 0),
    trainLimit: trainLimit ?? 0,
    evalEvery: 0,
    evalSubset: integerOption(values['eval-subset'], 'eval-subset', 1000),
    checkpointEvery: 0,
    checkpointSeconds: 0,
  };

  const backend = await startNodeBackend(backendOption(values.backend));
  const { loadCifar10Node } = await import('../nodeDataset.ts');
  const loadData = (): Promise<LoadedDataset> => loadCifar10Node({ train: trainLimit });

  const stream = progressStream(stderr, values.json);
  const tty = stream !== null;
  const status = new StatusLine(stream);
  let failure: WorkerEvent | null = null;
  const emit = (e: WorkerEvent) => {
    if (e.type === 'error') failure = e;
    // The page's images and progress bars; this command draws its own status line.
    if (e.type === 'samples' || e.type === 'progress') return;
    if (values.json) {
      out(JSON.stringify(e.type === 'evaluation' ? withoutArrays(e) : e));
      return;
    }
    if (e.type === 'metrics') {
      const line = `${bar(e.step / e.totalSteps)} step ${e.step}/${e.totalSteps}  epoch ${e.epoch.toFixed(2)}  loss ${e.loss.toFixed(4)}  acc ${(e.trainAccuracy * 100).toFixed(1)}%  ${e.imagesPerSecond.toFixed(0)} images/s  ETA ${e.etaSeconds === null ? 'measuring' : formatDuration(e.etaSeconds)}`;
      if (tty) status.draw(line);
      else if (e.step % 100 === 0 || e.step === e.totalSteps) out(line);
    } else if (e.type === 'evaluation') {
      status.end();
      const cert = e.certified
        .slice(0, 4)
        .map((c) => `${(c.accuracy * 100).toFixed(1)}%`)
        .join(' / ');
      out(
        `eval @ step ${e.step} on ${e.n} images: natural ${(e.naturalAccuracy * 100).toFixed(1)}%, certified (36/72/108/255) ${cert}`,
      );
    } else if (e.type === 'error') {
      status.end();
      out(`error: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    }
  };
  if (!values.json)
    out(
      `training ${values.preset ?? values.arch} on ${backend.backend}${backend.adapter ? ` (${backend.adapter})` : ''}`,
    );
  const trainer = nodeTrainer({ emit, loadData, metricsIntervalMs: tty ? 200 : 1000 });
  trainer.configure(config);
  await trainer.start();
  if (trainer.runState !== 'done' || failure) {
    trainer.dispose();
    return 1;
  }
  status.end();
  status.draw('final evaluation on the whole test set...');
  const final = await trainer.evaluate('full');
  status.end();
  await writeFile(values.out, await trainer.exportWeights(values['with-optimizer']));
  trainer.dispose();
  if (!values.json) {
    out(
      `wrote ${values.out}: natural ${(final.naturalAccuracy * 100).toFixed(2)}%, certified at 36/255 ${(final.certified[0].accuracy * 100).toFixed(2)}% on ${final.n} test images`,
    );
  }
}
