/**
 * `sll-lab`: the lab from the command line (Node; tfjs's WASM backend, or its CPU backend on request).
 */
import * as tf from '@tensorflow/tfjs';
import { runAttack } from './commands/attack.ts';
import { runAudit } from './commands/audit.ts';
import { runCertify } from './commands/certify.ts';
import { runExport } from './commands/export.ts';
import { runInit } from './commands/init.ts';
import { runLipschitz } from './commands/lipschitz.ts';
import { runTrain } from './commands/train.ts';
import { TrainerError } from '../engine/errors.ts';
import { isUserError } from './errors.ts';
import { type ProgressStream, processStderr } from './progress.ts';

const HELP = `Usage: sll-lab <command> [options]

Commands:
  init       write a freshly initialised network as weights JSON
  certify    evaluate and certify a network on images (.npy) or a shipped dataset
  attack     L2 PGD attack: accuracy under attack next to certified accuracy
  lipschitz  check that every SLL layer is 1-Lipschitz (power iteration)
  audit      certified against empirical radius per image: PGD bisection, soundness, the paper's table
  train      train with the official recipe (same Trainer as the page), write weights
  export     write a network as ONNX for inference elsewhere (t-vectors folded in)

Run "sll-lab <command> --help" for a command's options.`;

/** A command prints results with `out`, progress on `stderr`, and returns its exit code (nothing: 0). */
type Command = (
  argv: string[],
  out: (line: string) => void,
  stderr: ProgressStream,
) => Promise<number | void>;

const COMMANDS: Record<string, Command> = {
  init: runInit,
  certify: runCertify,
  attack: runAttack,
  lipschitz: runLipschitz,
  audit: runAudit,
  train: runTrain,
  export: runExport,
};

/**
 * Runs the CLI and returns its exit code: 0 success, 2 bad input, 1 anything else. Results go to
 * `out`, messages to `err`, progress of long runs to `stderr` (drawn only when it is a terminal).
 */
export async function main(
  argv: string[],
  out = (l: string) => console.log(l),
  err = (l: string) => console.error(l),
  stderr: ProgressStream = processStderr,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`sll-lab: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  // Production mode also silences tfjs's "install tfjs-node" banner, which would pollute output.
  tf.enableProdMode();
  if (name !== 'train') await tf.setBackend('cpu');
  try {
    return (await command(rest, out, stderr)) ?? 0;
  } catch (e) {
    if (isUserError(e) || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const hint = e instanceof TrainerError && e.hint ? `\n  ${e.hint}` : '';
      err(`sll-lab ${name}: ${(e as Error).message}${hint}`);
      return 2;
    }
    err(`sll-lab ${name}: unexpected error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
