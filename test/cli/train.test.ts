import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWeights } from '../../src/sll/weightsJson.ts';
import { main } from '../../src/cli/main.ts';

describe('sll-lab train', () => {
  it('trains on CIFAR-10 (WASM), streams JSON lines, and writes weights that certify reproduces', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sll-train-'));
    const out = join(dir, 'w.json');
    const lines: string[] = [];
    const code = await main(
      [
        'train',
        '--preset',
        'tiny',
        '--epochs',
        '2',
        '--batch',
        '32',
        '--train-limit',
        '320',
        '--eval-subset',
        '100',
        '--seed',
        '4',
        '--json',
        '--out',
        out,
      ],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    const events = lines.map((l) => JSON.parse(l));
    const metrics = events.filter((e) => e.type === 'metrics');
    expect(metrics.at(-1)).toMatchObject({ step: 20, totalSteps: 20 });
    const evaluations = events.filter((e) => e.type === 'evaluation');
    expect(evaluations.map((e) => e.n)).toEqual([100, 100, 10000]); // each epoch, then the full test set
    expect(events.filter((e) => e.type === 'state').map((e) => e.state)).toEqual([
      'loading',
      'running',
      'done',
    ]);

    const weights = parseWeights(await readFile(out, 'utf8'));
    expect(weights.extras.config).toMatchObject({
      preset: 'tiny',
      epochs: 2,
      batchSize: 32,
      seed: 4,
      augment: true,
    });
    const final = evaluations.at(-1);
    expect(weights.extras.evaluation).toMatchObject({ n: 10000, naturalAccuracy: final.naturalAccuracy });

    // The CLI's certify on the same file agrees with the trainer's evaluation.
    const certifyLines: string[] = [];
    expect(
      await main(['certify', '--weights', out, '--dataset', 'cifar10', '--limit', '100', '--json'], (l) =>
        certifyLines.push(l),
      ),
    ).toBe(0);
    const report = JSON.parse(certifyLines.join(''));
    expect(report.naturalAccuracy).toBeCloseTo(evaluations[1].naturalAccuracy, 10);
    expect(report.certifiedAccuracy['0.1412']).toBeCloseTo(evaluations[1].certified[0].accuracy, 10);
  });

  it('refuses bad options with exit code 2', async () => {
    const err: string[] = [];
    const run = (...argv: string[]) =>
      main(
        ['train', ...argv],
        () => {},
        (l) => err.push(l),
      );
    expect(await run('--preset', 'tiny', '--epochs', '1')).toBe(2);
    expect(err.at(-1)).toMatch(/--out FILE is required/);
    expect(await run('--preset', 'tiny', '--epochs', '1', '--out', 'x', '--loss', 'hinge')).toBe(2);
    expect(await run('--preset', 'tiny', '--epochs', '1', '--out', 'x', '--backend', 'gpu')).toBe(2);
    expect(await run('--preset', 'tiny', '--out', 'x')).toBe(2);
    expect(err.at(-1)).toMatch(/--epochs is required/);
    // A network too large for WASM is refused with the way out, before any data is read.
    expect(await run('--preset', 'small', '--epochs', '1', '--out', 'x')).toBe(2);
    expect(err.at(-1)).toMatch(/too large for WASM's 4 GB[\s\S]*GPU backend/);
  });
});
