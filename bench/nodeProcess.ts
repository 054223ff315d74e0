/** Runs a Node measurement in a child process (bench/nodeChild.ts), so a crash becomes an error. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConvShape } from './convShape.ts';
import type { FormulationTiming } from './formulations.ts';
import type { Measurement, MeasureOptions } from './measure.ts';
import type { TimingPlan } from './timing.ts';
import type { NodeBackendName } from '../src/cli/nodeBackend.ts';

export type NodeRequest = { backend: NodeBackendName } & (
  { type: 'measure'; options: MeasureOptions } | { type: 'formulations'; shape: ConvShape; plan: TimingPlan }
);

export type NodeResult = { adapter: string | null } & (
  { type: 'measure'; measurement: Measurement } | { type: 'formulations'; timings: FormulationTiming[] }
);

const CHILD = fileURLToPath(new URL('./nodeChild.ts', import.meta.url));
const STDERR_TAIL = 2000;

/** The error line of a Node crash report (not its stack frames or the closing "Node.js v20"). */
export function mostTellingLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const telling = lines.filter((l) => !l.startsWith('at ') && !/^Node\.js v\d/.test(l));
  return telling.findLast((l) => /error/i.test(l)) ?? telling.at(-1) ?? 'no message';
}

export async function inChildProcess<T extends NodeRequest['type']>(
  request: NodeRequest & { type: T },
  timeoutMs: number,
): Promise<NodeResult & { type: T }> {
  const dir = await mkdtemp(join(tmpdir(), 'sll-bench-'));
  const resultPath = join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(request), resultPath], {
      stdio: ['ignore', 'inherit', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal }));
      },
    );
    if (code !== 0) {
      const why =
        signal === 'SIGKILL' ? `ran past ${Math.round(timeoutMs / 1000)} s` : `exit ${code ?? signal}`;
      throw new Error(`the measuring process failed (${why}): ${mostTellingLine(stderr)}`);
    }
    return JSON.parse(await readFile(resultPath, 'utf8')) as NodeResult & { type: T };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
