/** Runs bench/pytorch/bench_torch.py with Debian's python3-torch, or says why it cannot. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Arch } from '../src/sll/arch.ts';
import type { PytorchResult } from './rows.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./pytorch/bench_torch.py', import.meta.url));
export const PYTHON = process.env.SLL_LAB_PYTHON ?? '/usr/bin/python3';

/** The torch version, or null (with the reason) when torch cannot be imported. */
export async function torchVersion(): Promise<{ version: string | null; reason?: string }> {
  try {
    const { stdout } = await run(PYTHON, ['-c', 'import torch; print(torch.__version__)']);
    return { version: stdout.trim() };
  } catch (e) {
    return {
      version: null,
      reason: `${PYTHON} cannot import torch (apt-get install python3-torch): ${(e as Error).message.split('\n')[0]}`,
    };
  }
}

export async function measurePytorch(
  arch: Arch,
  options: { batch: number; evalBatch: number; steps: number; budgetMs: number },
): Promise<PytorchResult> {
  const { stdout } = await run(
    PYTHON,
    [
      SCRIPT,
      '--arch',
      JSON.stringify(arch),
      '--batch',
      String(options.batch),
      '--eval-batch',
      String(options.evalBatch),
      '--steps',
      String(options.steps),
      '--budget-s',
      String(options.budgetMs / 1000),
    ],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as PytorchResult;
}
