import { readFile } from 'node:fs/promises';
import { type LoadedWeights, parseWeights } from '../sll/weightsJson.ts';
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

export async function readWeightsFile(path: string): Promise<LoadedWeights> {
  return parseWeights(new TextDecoder().decode(await readInputFile(path, 'weights')));
}
