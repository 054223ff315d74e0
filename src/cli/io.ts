import { readFile } from 'node:fs/promises';
import type { Arch } from '../sll/arch.ts';
import { readWeights } from '../sll/weightsFile.ts';
import type { LoadedWeights } from '../sll/weightsJson.ts';
import { CliError } from './errors.ts';

export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CliError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Parses a non-negative integer option, or says which option is wrong. */
export function integerOption(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new CliError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

/**
 * Reads `--weights`: an sll-lab/weights JSON file, or a PyTorch `torch.save` file (a `.pth`
 * checkpoint or state_dict), told apart by its first bytes, not its name. `arch` (from `--arch`)
 * is for a `.pth` whose tensor shapes do not settle the network.
 */
export async function readWeightsFile(path: string, arch?: Arch): Promise<LoadedWeights> {
  return readWeights(await readInputFile(path, 'weights'), arch);
}

/** The `--weights` and `--arch` lines of a command's help, options padded to `column`. */
export function weightsHelp(column = 18): string {
  const pad = (option: string) => `  ${option}`.padEnd(column);
  const cont = ' '.repeat(column);
  return [
    `${pad('--weights FILE')}sll-lab/weights v1 JSON, or a PyTorch .pth (torch.save of a`,
    `${cont}state_dict or of the official {model_state_dict, ...} checkpoint)`,
    `${pad('--arch FILE')}architecture JSON, only for a .pth whose shapes leave it open`,
    `${cont}(no convolutions, or neither 10 nor 100 classes)`,
  ].join('\n');
}
