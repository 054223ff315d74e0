/**
 * Interoperability with PyTorch and NumPy: our weights load into a spec-faithful PyTorch module
 * (python/sll_lab/logits.py) with the official state_dict names, and give the same logits; .npy
 * files written by NumPy read back exactly. Needs Debian's python3-torch (.ci/run installs it);
 * skipped, with the reason, where it is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetArch } from '../../src/sll/arch.ts';
import { initialParams } from '../../src/sll/init.ts';
import { maxRelativeError, randomImagesNchw, smallArch } from '../helpers/tensors.ts';
import { serializeWeights } from '../../src/sll/weightsJson.ts';
import { main } from '../../src/cli/main.ts';
import { parseNpy } from '../../src/cli/npy.ts';
import { encodeNpy } from '../helpers/npy.ts';
import { PYTHON, pythonCanImport } from '../helpers/python.ts';

const hasTorch = pythonCanImport('torch, numpy');
if (!hasTorch)
  console.warn(`PyTorch parity skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);

describe.skipIf(!hasTorch)('PyTorch parity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sll-torch-'));

  it.each([
    ['tiny preset', presetArch('tiny')],
    ['conv inner 5, no dense, 100 classes', smallArch({ convInnerDim: 5, nDense: 0, nClasses: 100 })],
    ['std != 1, width 7, 16x16', smallArch({ width: 7, imageSize: 16, std: [0.5, 1, 2] })],
  ])('%s: certify logits equal the PyTorch module loading the same file', async (_name, arch) => {
    const weights = join(dir, 'w.json');
    writeFileSync(weights, serializeWeights(arch, initialParams(arch, 21)));
    const n = 4;
    const images = randomImagesNchw(arch, n, 22);
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy(images, [n, arch.inChannels, arch.imageSize, arch.imageSize], 'float32'));
    const out = join(dir, 'l.npy');
    execFileSync(PYTHON, [
      'python/sll_lab/logits.py',
      'logits',
      '--weights',
      weights,
      '--images',
      x,
      '--out',
      out,
      '--float64',
    ]);
    const torchLogits = parseNpy(new Uint8Array(readFileSync(out)));
    const lines: string[] = [];
    expect(await main(['certify', '--weights', weights, '--images', x, '--json'], (l) => lines.push(l))).toBe(
      0,
    );
    const ours = JSON.parse(lines.join('')).logits.flat();
    expect(torchLogits.shape).toEqual([n, arch.nClasses]);
    expect(maxRelativeError(ours, torchLogits.values)).toBeLessThan(1e-4);
  });

  it('reads .npy files written by NumPy (float32, float64, int64, uint8, version 1)', () => {
    const file = join(dir, 'np.npy');
    const cases: [string, string, number[]][] = [
      ['np.arange(6, dtype=np.float32).reshape(2, 3) / 4', 'float32', [2, 3]],
      ['np.arange(6, dtype=np.float64).reshape(1, 2, 3) / 4', 'float64', [1, 2, 3]],
      ['np.arange(6, dtype=np.int64)', 'int64', [6]],
      ['np.arange(6, dtype=np.uint8)', 'uint8', [6]],
    ];
    for (const [expr, dtype, shape] of cases) {
      execFileSync(PYTHON, ['-c', `import numpy as np; np.save(${JSON.stringify(file)}, ${expr})`]);
      const arr = parseNpy(new Uint8Array(readFileSync(file)));
      expect(arr.dtype).toBe(dtype);
      expect(arr.shape).toEqual(shape);
      const scale = dtype.startsWith('float') ? 4 : 1;
      expect(Array.from(arr.values)).toEqual([0, 1, 2, 3, 4, 5].map((v) => v / scale));
    }
  });
});
