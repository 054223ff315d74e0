import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Progress, type ProgressStream, formatDuration } from '../../src/cli/progress.ts';
import { initialParams } from '../../src/sll/init.ts';
import { serializeWeights } from '../../src/sll/weightsJson.ts';
import { encodeNpy } from '../helpers/npy.ts';
import { randomImagesNchw, smallArch } from '../helpers/tensors.ts';

/** A stand-in for stderr that records what is written, a terminal or not. */
function fakeStderr(isTTY: boolean): ProgressStream & { text: string } {
  return {
    isTTY,
    text: '',
    write(t) {
      this.text += t;
    },
  };
}

/** Runs `sll-lab` with stderr a terminal or not; returns the exit code, stdout lines and what stderr got. */
async function run(isTTY: boolean, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stderr = fakeStderr(isTTY);
  const code = await main(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
    stderr,
  );
  return { code, stdout: out.join('\n'), messages: err.join('\n'), progress: stderr.text };
}

describe('Progress', () => {
  it('rewrites one line in place at most once per interval, always draws the total, and ends the line', () => {
    const stream = fakeStderr(true);
    let now = 0;
    const p = new Progress(stream, 'certify', 10_000, { intervalMs: 250, now: () => now });
    now = 100;
    p.update(1000); // within 250 ms of the first drawing: skipped
    now = 1000;
    p.update(2500);
    now = 1100;
    p.update(2600); // skipped
    now = 4000;
    p.update(10_000);
    p.close();
    const lines = stream.text.split('\r').slice(1);
    expect(lines.map((l) => l.trimEnd())).toEqual([
      'certify: 0/10,000 images',
      'certify: 2,500/10,000 images  2500 images/s  ETA 3 s',
      'certify: 10,000/10,000 images  2500 images/s  in 4 s',
    ]);
    expect(stream.text.endsWith('\n')).toBe(true);
    // A shorter line covers the longer one before it with spaces.
    expect(lines[1].length).toBeGreaterThanOrEqual(lines[0].length);
    p.close(); // a second close adds nothing
    expect(stream.text.match(/\n/g)).toHaveLength(1);
  });

  it('draws nothing without a stream', () => {
    const p = new Progress(null, 'certify', 3);
    p.update(3);
    p.close();
  });

  it('formats durations', () => {
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7440)).toBe('2 h 04 min');
    expect(formatDuration(Infinity)).toBe('unknown');
  });
});

describe('sll-lab progress and --backend', () => {
  const arch = smallArch({ nClasses: 3 });
  const n = 6;
  let weights: string;
  let x: string;
  let y: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sll-progress-'));
    weights = join(dir, 'w.json');
    await writeFile(weights, serializeWeights(arch, initialParams(arch, 3)));
    x = join(dir, 'x.npy');
    await writeFile(x, encodeNpy(randomImagesNchw(arch, n, 2), [n, 3, 8, 8], 'float32'));
    y = join(dir, 'y.npy');
    await writeFile(y, encodeNpy([0, 1, 2, 0, 1, 2], [n], 'int32'));
  });

  it('certify draws progress on a terminal stderr, not with --json nor off a terminal', async () => {
    const argv = ['certify', '--weights', weights, '--images', x, '--labels', y, '--batch', '4'];
    const tty = await run(true, ...argv);
    expect(tty.code, tty.messages).toBe(0);
    expect(tty.progress).toMatch(/^\rcertify: 0\/6 images/);
    expect(tty.progress).toMatch(/\rcertify: 6\/6 images {2}\S+ images\/s {2}in \d+ s *\n$/);
    expect(tty.stdout).toMatch(/natural accuracy/);
    expect(tty.stdout).not.toMatch(/\r/);

    const json = await run(true, ...argv, '--json');
    expect(json.code).toBe(0);
    expect(json.progress).toBe('');
    expect(JSON.parse(json.stdout).predictions).toHaveLength(n);
    expect((await run(false, ...argv)).progress).toBe('');
  });

  it('attack draws the clean pass and the attack', async () => {
    const argv = [
      'attack',
      '--weights',
      weights,
      '--images',
      x,
      '--labels',
      y,
      '--eps',
      '0.1',
      '--steps',
      '3',
    ];
    const tty = await run(true, ...argv);
    expect(tty.code, tty.messages).toBe(0);
    expect(tty.progress).toMatch(/\rcertify: 6\/6 images.*\n/);
    expect(tty.progress).toMatch(/\rattack \(PGD, 3 steps\): 6\/6 images.*\n$/);
    expect((await run(true, ...argv, '--json')).progress).toBe('');
    expect((await run(false, ...argv)).progress).toBe('');
  });

  it('lipschitz runs on WASM by default and counts power iterations', async () => {
    const argv = ['lipschitz', '--weights', weights, '--iterations', '20', '--points', '1'];
    const tty = await run(true, ...argv);
    expect(tty.code, tty.messages).toBe(0);
    // model.1, model.2 and model.5, each at 0 and at one random point.
    expect(tty.progress).toMatch(/\rlipschitz: 6\/6 power iterations.*\n$/);
    const json = await run(true, ...argv, '--json');
    expect(json.progress).toBe('');
    const cpu = await run(false, ...argv, '--backend', 'cpu', '--json');
    expect(cpu.progress).toBe('');
    const [onWasm, onCpu] = [JSON.parse(json.stdout), JSON.parse(cpu.stdout)];
    onWasm.forEach((e: { atZero: number }, i: number) => expect(e.atZero).toBeCloseTo(onCpu[i].atZero, 3));
  });

  it('every command that computes names a bad --backend with the same message', async () => {
    const commands = [
      ['certify', '--weights', weights, '--images', x],
      ['attack', '--weights', weights, '--images', x, '--labels', y, '--eps', '0.1'],
      ['lipschitz', '--weights', weights],
      ['train', '--preset', 'tiny', '--epochs', '1', '--out', join(tmpdir(), 'never.json')],
      ['export', '--weights', weights, '--out', join(tmpdir(), 'never.onnx')],
    ];
    for (const argv of commands) {
      const r = await run(true, ...argv, '--backend', 'nope');
      expect(r.code, argv[0]).toBe(2);
      expect(r.messages).toBe(`sll-lab ${argv[0]}: --backend must be wasm, cpu or webgpu, got "nope"`);
      expect(r.progress).toBe('');
    }
  });
});
