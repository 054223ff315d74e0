import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { certify, classPairDistances } from '../../src/sll/certify.ts';
import { initialParams } from '../../src/sll/init.ts';
import { oracleLogits, oracleNormalizedRows } from '../oracle/oracle.ts';
import { maxRelativeError, randomImagesNchw, smallArch } from '../helpers/tensors.ts';
import { parseWeights, serializeWeights } from '../../src/sll/weightsJson.ts';
import { encodeNpy } from '../helpers/npy.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sll-cli-'));
});

describe('sll-lab init', () => {
  it('writes reproducible weights from a preset or an arch file', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect((await runCli('init', '--preset', 'tiny', '--seed', '5', '--out', a)).code).toBe(0);
    const archFile = join(dir, 'arch.json');
    await writeFile(archFile, JSON.stringify(parseWeights(await readFile(a, 'utf8')).arch));
    expect((await runCli('init', '--arch', archFile, '--seed', '5', '--out', b)).code).toBe(0);
    const wa = parseWeights(await readFile(a, 'utf8'));
    const wb = parseWeights(await readFile(b, 'utf8'));
    for (const [name, v] of wa.params) expect(wb.params.get(name)).toEqual(v);
  });

  it('refuses unclear input with exit code 2', async () => {
    expect((await runCli('init', '--seed', '1', '--out', join(dir, 'x.json'))).stderr).toMatch(
      /exactly one of --preset/,
    );
    expect((await runCli('init', '--preset', 'huge', '--seed', '1', '--out', 'x')).code).toBe(2);
    expect((await runCli('init', '--preset', 'tiny', '--seed=-1', '--out', 'x')).stderr).toMatch(
      /--seed must be/,
    );
    expect((await runCli('init', '--bogus')).code).toBe(2);
    expect((await runCli('frobnicate')).code).toBe(2);
    expect((await runCli('init', '--help')).stdout).toMatch(/Usage: sll-lab init/);
    expect((await runCli('certify', '--help')).stdout).toMatch(/Usage:\n {2}sll-lab certify/);
  });
});

describe('sll-lab certify', () => {
  const arch = smallArch({ nClasses: 4 });
  const n = 6;
  const images = randomImagesNchw(arch, n, 3);
  const labels = [0, 1, 2, 3, 0, 1];

  async function files(dtype: 'float32' | 'float64' = 'float32') {
    const weights = join(dir, 'small.json');
    await writeFile(weights, serializeWeights(arch, initialParams(arch, 8)));
    const x = join(dir, `x-${dtype}.npy`);
    await writeFile(x, encodeNpy(images, [n, arch.inChannels, arch.imageSize, arch.imageSize], dtype));
    const y = join(dir, 'y.npy');
    await writeFile(y, encodeNpy(labels, [n], 'int32'));
    return { weights, x, y };
  }

  it('prints logits, predictions, radii and accuracies that match the float64 oracle', async () => {
    const { weights, x, y } = await files('float64');
    const { code, stdout, stderr } = await runCli(
      'certify',
      '--weights',
      weights,
      '--images',
      x,
      '--labels',
      y,
      '--eps',
      '0,0.01,36/255',
      '--json',
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    const params = initialParams(arch, 8);
    const expected = oracleLogits(arch, params, images, n);
    expect(maxRelativeError(report.logits.flat(), expected)).toBeLessThan(1e-4);
    const wn = oracleNormalizedRows(Float64Array.from(params.get('model.6.weight')!), arch.nClasses);
    const oracle = certify(expected, arch.nClasses, classPairDistances(wn, arch.nClasses));
    expect(report.predictions).toEqual(Array.from(oracle.predictions));
    expect(maxRelativeError(report.radii, oracle.radii)).toBeLessThan(1e-3);
    const correct = labels.filter((l, i) => oracle.predictions[i] === l).length;
    expect(report.naturalAccuracy).toBe(correct / n);
    expect(Object.keys(report.certifiedAccuracy)).toEqual(['0', '0.01', '36/255']);
    expect(report.certifiedAccuracy['0']).toBe(correct / n);
  });

  it('certifies on the WASM backend as on the CPU one, and names a bad --backend', async () => {
    const { weights, x, y } = await files('float64');
    const on = async (backend: string) =>
      JSON.parse(
        (
          await runCli(
            'certify',
            '--weights',
            weights,
            '--images',
            x,
            '--labels',
            y,
            '--backend',
            backend,
            '--json',
          )
        ).stdout,
      );
    const [cpu, wasm] = [await on('cpu'), await on('wasm')];
    expect(wasm.predictions).toEqual(cpu.predictions);
    expect(maxRelativeError(wasm.logits.flat(), cpu.logits.flat())).toBeLessThan(1e-5);
    const bad = await runCli('certify', '--weights', weights, '--images', x, '--backend', 'gpu');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--backend must be wasm, cpu or webgpu, got "gpu"/);
  });

  it('omits accuracies without labels and uses the paper epsilons by default', async () => {
    const { weights, x, y } = await files();
    const bare = JSON.parse((await runCli('certify', '--weights', weights, '--images', x, '--json')).stdout);
    expect(bare.naturalAccuracy).toBeUndefined();
    expect(bare.radii).toHaveLength(n);
    const withLabels = JSON.parse(
      (await runCli('certify', '--weights', weights, '--images', x, '--labels', y, '--json')).stdout,
    );
    expect(Object.keys(withLabels.certifiedAccuracy)).toEqual(['0.1412', '0.2824', '0.4235', '1.0000']);
  });

  it('reports an infinite radius as null', async () => {
    const two = smallArch({ nClasses: 2 });
    const params = initialParams(two, 1);
    const w = params.get('model.6.weight')!;
    w.set(w.subarray(0, w.length / 2), w.length / 2); // both rows equal: no class can overtake
    const weights = join(dir, 'two.json');
    await writeFile(weights, serializeWeights(two, params));
    const x = join(dir, 'x2.npy');
    await writeFile(x, encodeNpy(images.subarray(0, 2 * 3 * 64), [2, 3, 8, 8], 'float32'));
    const report = JSON.parse(
      (await runCli('certify', '--weights', weights, '--images', x, '--json')).stdout,
    );
    expect(report.radii).toEqual([null, null]);
  });

  it('rejects malformed inputs with a clear message and exit code 2', async () => {
    const { weights, x, y } = await files();
    const bad = join(dir, 'bad.npy');
    const cases: [string[], RegExp][] = [
      [['--weights', weights, '--images', y], /images must be float32 or float64/],
      [['--weights', weights, '--images', join(dir, 'missing.npy')], /cannot read images .*ENOENT/],
      [['--weights', x, '--images', x], /this file is a NumPy array \(\.npy\), not a weights file/],
      [['--weights', weights, '--images', x, '--labels', x], /labels must be int32 or int64/],
      [['--weights', weights, '--images', x, '--eps', 'abc'], /--eps: "abc"/],
      [['--weights', weights], /exactly one of --images/],
      [['--weights', weights, '--images', bad], /not a .npy file/],
    ];
    await writeFile(bad, 'hello');
    for (const [argv, message] of cases) {
      const r = await runCli('certify', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const wrongShape = join(dir, 'shape.npy');
    await writeFile(wrongShape, encodeNpy(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4], 'float32'));
    expect((await runCli('certify', '--weights', weights, '--images', wrongShape)).stderr).toMatch(
      /expected \(N, 3, 8, 8\)/,
    );
    const outOfRange = join(dir, 'range.npy');
    await writeFile(outOfRange, encodeNpy(new Float32Array(3 * 64).fill(255), [1, 3, 8, 8], 'float32'));
    expect((await runCli('certify', '--weights', weights, '--images', outOfRange)).stderr).toMatch(
      /outside \[0, 1\]/,
    );
    const badLabels = join(dir, 'labels.npy');
    await writeFile(badLabels, encodeNpy([0, 1, 2, 3, 4, 9], [6], 'int32'));
    expect(
      (await runCli('certify', '--weights', weights, '--images', x, '--labels', badLabels)).stderr,
    ).toMatch(/label 4 at index 4 is not in 0..3/);
    const truncated = join(dir, 'trunc.npy');
    await writeFile(truncated, (await readFile(x)).subarray(0, 300));
    expect((await runCli('certify', '--weights', weights, '--images', truncated)).stderr).toMatch(
      /truncated data/,
    );
  });
});

describe('sll-lab attack and lipschitz', () => {
  const arch = smallArch({ nClasses: 3 });

  it('attack reports accuracy under PGD that is never below the certified accuracy', async () => {
    const weights = join(dir, 'attack.json');
    await writeFile(weights, serializeWeights(arch, initialParams(arch, 2)));
    const n = 6;
    const x = join(dir, 'xa.npy');
    await writeFile(x, encodeNpy(randomImagesNchw(arch, n, 1), [n, 3, 8, 8], 'float32'));
    const y = join(dir, 'ya.npy');
    await writeFile(y, encodeNpy([0, 1, 2, 0, 1, 2], [n], 'int32'));
    for (const eps of ['0.001', '0.5']) {
      const r = await runCli(
        'attack',
        '--weights',
        weights,
        '--images',
        x,
        '--labels',
        y,
        '--eps',
        eps,
        '--steps',
        '10',
        '--json',
      );
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.robustAccuracy).toBeGreaterThanOrEqual(report.certifiedAccuracy);
      expect(report.robustAccuracy).toBeLessThanOrEqual(report.naturalAccuracy);
    }
    expect((await runCli('attack', '--weights', weights, '--images', x, '--eps', '0.1')).stderr).toMatch(
      /needs labels/,
    );
  });

  it('lipschitz checks every SLL layer of a network and exits 0 when all are <= 1', async () => {
    const params = initialParams(arch, 4);
    const good = join(dir, 'lip.json');
    await writeFile(good, serializeWeights(arch, params));
    const ok = await runCli('lipschitz', '--weights', good, '--iterations', '30', '--points', '1', '--json');
    expect(ok.code).toBe(0);
    const estimates = JSON.parse(ok.stdout);
    expect(estimates.map((e: { name: string }) => e.name)).toEqual(['model.1', 'model.2', 'model.5']);
    expect(estimates[0].atZero).toBeGreaterThan(0.5);
  });
});

describe('the sll-lab executable', () => {
  it('runs from bin/ and exits 2 on bad input', async () => {
    const exec = promisify(execFile);
    const help = await exec(process.execPath, ['bin/sll-lab.js', '--help']);
    expect(help.stdout).toMatch(/Usage: sll-lab <command>/);
    await expect(
      exec(process.execPath, ['bin/sll-lab.js', 'certify', '--weights', 'nope.json', '--images', 'x.npy']),
    ).rejects.toMatchObject({
      code: 2,
    });
  });
});
