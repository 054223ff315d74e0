import { TrainerError } from '../engine/errors.ts';
import { ArchError } from '../sll/arch.ts';
import { WeightsFileError } from '../sll/weightsJson.ts';
import { NpyError } from './npy.ts';

/** A problem with the user's input: printed plainly, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

export function isUserError(e: unknown): e is Error {
  return (
    e instanceof CliError ||
    e instanceof WeightsFileError ||
    e instanceof NpyError ||
    e instanceof ArchError ||
    // The engine's refusals (a bad config, a network too large for the backend) are about the input too.
    e instanceof TrainerError
  );
}
