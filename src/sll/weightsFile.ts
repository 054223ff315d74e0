/**
 * A weights file as a user hands it over: the lab's `sll-lab/weights` JSON, or a PyTorch
 * `torch.save` file (a `.pth` checkpoint or state dict), told apart by their first bytes rather
 * than by the file's name. The page's worker and the CLI both read files through here.
 */
import type { Arch } from './arch.ts';
import { isPthFile, readPthWeights } from './pth.ts';
import { type LoadedWeights, WeightsFileError, parseWeights } from './weightsJson.ts';

/** `arch` is for a PyTorch file whose tensor shapes do not settle the network. */
export function readWeights(file: string | Uint8Array, arch?: Arch): LoadedWeights {
  if (typeof file !== 'string' && isPthFile(file)) return readPthWeights(file, { arch });
  if (arch !== undefined) {
    throw new WeightsFileError(
      'an architecture is only needed for PyTorch weights: this file is a weights JSON, which names its own',
    );
  }
  return parseWeights(typeof file === 'string' ? file : new TextDecoder().decode(file));
}
