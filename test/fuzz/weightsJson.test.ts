/**
 * Weights JSON files into the page's Trainer (`importWeights`, as the worker loads a dropped
 * file): every broken file is refused with a WeightsFileError or TrainerError of its own, within
 * 2 s a file, and the current model stays bit for bit as it was.
 */
import { describe } from 'vitest';
import { itFuzzes } from './ci.ts';
import { weightsJsonTarget } from './targets/weights.ts';

describe('fuzz: weights JSON', () => {
  itFuzzes(
    'refuses every broken file with its own message, the current model untouched',
    weightsJsonTarget,
    300,
  );
});
