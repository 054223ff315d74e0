import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAPER_EPSILONS } from '../../src/sll/certify.ts';
import { initialParams } from '../../src/sll/init.ts';
import { serializeWeights } from '../../src/sll/weightsJson.ts';
import { runCli } from '../helpers/cli.ts';
import { encodeNpy } from '../helpers/npy.ts';
import { randomImagesNchw, smallArch } from '../helpers/tensors.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sll-audit-'));
});

interface AuditedImage {
  label: number;
  prediction: number;
  certifiedRadius: number | null;
  empiricalRadius: number | null;
}

/** Each correct image's empirical radius is at least its certified one; a wrong one's is 0. */
function expectSound(images: AuditedImage[]): void {
  for (const image of images) {
    if (image.prediction !== image.label) expect(image.empiricalRadius).toBe(0);
    else expect(image.empiricalRadius ?? Infinity).toBeGreaterThanOrEqual(image.certifiedRadius ?? Infinity);
  }
}

describe('sll-lab audit', () => {
  it('audits .npy images: radii per image, the paper table, exit code 0 when sound', async () => {
    const arch = smallArch({ nClasses: 4 });
    const n = 6;
    const weights = join(dir, 'small.json');
    await writeFile(weights, serializeWeights(arch, initialParams(arch, 8)));
    const x = join(dir, 'x.npy');
    await writeFile(
      x,
      encodeNpy(randomImagesNchw(arch, n, 3), [n, 3, arch.imageSize, arch.imageSize], 'float32'),
    );
    const y = join(dir, 'y.npy');
    await writeFile(y, encodeNpy([0, 1, 2, 3, 0, 1], [n], 'int32'));
    const args = [
      'audit',
      '--weights',
      weights,
      '--images',
      x,
      '--labels',
      y,
      '--steps',
      '10',
      '--rounds',
      '3',
    ];
    const { code, stdout } = await runCli(...args, '--bisection-steps', '10', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ steps: 10, bisectionSteps: 10, rounds: 3 });
    expect(report.images.map((i: AuditedImage) => i.label)).toEqual([0, 1, 2, 3, 0, 1]);
    expectSound(report.images);
    expect(report.summary.n).toBe(n);
    expect(report.summary.violations).toEqual([]);
    expect(report.summary.certified.map((c: { eps: number }) => c.eps)).toEqual(PAPER_EPSILONS);
    report.summary.pgd.forEach((p: { accuracy: number }, k: number) =>
      expect(p.accuracy).toBeGreaterThanOrEqual(report.summary.certified[k].accuracy),
    );
    expect(report.layers).toHaveLength(arch.nConv + arch.nDense);
    expect(report.largestLayerGain).toBeLessThanOrEqual(1 + 1e-4);
    expect(report.largestLayerGain).toBeGreaterThan(0.5);

    const text = await runCli(...args, '--bisection-steps', '10');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^image {2}label {2}prediction {2}certified {2}empirical$/m);
    expect(text.stdout).toMatch(/^radius +36\/255 +72\/255 +108\/255 +255\/255$/m);
    expect(text.stdout).toMatch(/soundness violations: none/);
  });

  it('audits the first N CIFAR-10 test images', async () => {
    const weights = join(dir, 'tiny.json');
    expect((await runCli('init', '--preset', 'tiny', '--seed', '2', '--out', weights)).code).toBe(0);
    const { code, stdout } = await runCli(
      'audit',
      '--weights',
      weights,
      '--dataset',
      'cifar10',
      '--limit',
      '3',
      '--steps',
      '5',
      '--bisection-steps',
      '5',
      '--rounds',
      '2',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.images).toHaveLength(3);
    expect(report.images.map((i: AuditedImage) => i.label)).toEqual([3, 8, 8]); // CIFAR-10's first test labels
    expectSound(report.images);
  });

  it('refuses bad options with exit code 2', async () => {
    const bad = async (...argv: string[]) => runCli('audit', ...argv);
    expect((await bad('--dataset', 'cifar10')).stderr).toMatch(/--weights FILE is required/);
    const weights = join(dir, 'w.json');
    const arch = smallArch({ nClasses: 4 });
    await writeFile(weights, serializeWeights(arch, initialParams(arch, 1)));
    const x = join(dir, 'x2.npy');
    await writeFile(
      x,
      encodeNpy(randomImagesNchw(arch, 2, 1), [2, 3, arch.imageSize, arch.imageSize], 'float32'),
    );
    const noLabels = await bad('--weights', weights, '--images', x);
    expect(noLabels).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs labels/) });
    expect((await bad('--weights', weights, '--images', x, '--steps', '0')).stderr).toMatch(
      /--steps must be at least 1/,
    );
    expect((await bad('--weights', weights, '--images', x, '--eps', '0.1')).code).toBe(2);
    expect((await bad('--help')).stdout).toMatch(/Usage: sll-lab audit/);
  });
});
