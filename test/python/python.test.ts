/**
 * The Python package (python/sll_lab: the lab's networks, weights and checkpoint files in PyTorch,
 * and a DistributedDataParallel trainer) has its own unittest suite in python/tests; this runs it.
 * It compares against the lab's CLI and runs torchrun on the CPU (Gloo). Needs Debian's
 * python3-torch, python3-numpy and python3-pil (.ci/run installs them); skipped, with the reason,
 * where they are missing.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, pythonCanImport } from '../helpers/python.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const ready = pythonCanImport('torch, numpy, PIL');
if (!ready)
  console.warn(
    `Python tests skipped: ${PYTHON} cannot import torch, numpy and PIL (apt-get install python3-torch python3-pil)`,
  );

function runSuite(): Promise<{ code: number; output: string }> {
  const pythonPath = [resolve(ROOT, 'python'), process.env.PYTHONPATH].filter(Boolean).join(':');
  return new Promise((done) => {
    execFile(
      PYTHON,
      ['-m', 'unittest', 'discover', '-s', 'python/tests', '-t', 'python', '-v'],
      { cwd: ROOT, env: { ...process.env, PYTHONPATH: pythonPath }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe.skipIf(!ready)('Python package (python/tests)', () => {
  // About 3 minutes on 2 busy cores: the lab trains a checkpoint, certifies on every preset's
  // shapes, and torchrun starts two processes.
  it('passes its unittest suite', { timeout: 15 * 60_000 }, async () => {
    const { code, output } = await runSuite();
    // The measured parities, also on success.
    for (const line of output.split('\n'))
      if (/max relative|max \|parameter|^Ran \d+ tests/.test(line)) console.log(line.trim());
    expect(code, output).toBe(0);
  });
});
