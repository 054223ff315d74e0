/**
 * The certificate audit's acceptance test (issue 15): a `tiny` network trained for 300 steps on
 * CIFAR-10, its first 200 test images attacked with the official L2 PGD (random start, 100 steps) at
 * each paper radius and bisected for an empirical radius (20 steps a probe, 6 rounds: the CLI's
 * defaults, which keep this within minutes on two cores). No attack may succeed inside a certified
 * radius, and PGD accuracy may never fall below certified accuracy.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insideCertificate } from '../../src/sll/audit.ts';
import { runCli } from '../helpers/cli.ts';

describe('certificates of a trained network against PGD', () => {
  it(
    'no PGD attack succeeds inside a certified radius over 200 test images',
    { timeout: 900_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sll-soundness-'));
      const weights = join(dir, 'tiny.json');
      // 300 steps of 64: one epoch over the first 19,200 training images.
      const train = ['train', '--preset', 'tiny', '--epochs', '1', '--train-limit', '19200', '--seed', '1'];
      expect((await runCli(...train, '--eval-subset', '100', '--json', '--out', weights)).code).toBe(0);

      const { code, stdout } = await runCli(
        'audit',
        '--weights',
        weights,
        '--dataset',
        'cifar10',
        '--limit',
        '200',
        '--json',
      );
      const report = JSON.parse(stdout);
      const { summary } = report;
      expect(summary.n).toBe(200);
      // The network learned enough for the check to mean something: images certified, images broken.
      expect(summary.certified[0].accuracy).toBeGreaterThan(0.1);
      expect(summary.pgd[3].accuracy).toBeLessThan(summary.naturalAccuracy);
      expect(summary.violations).toEqual([]);
      for (const image of report.images) {
        if (image.prediction !== image.label) continue;
        const certified = image.certifiedRadius ?? Infinity;
        expect(insideCertificate(image.empiricalRadius ?? Infinity, certified)).toBe(false);
      }
      summary.pgd.forEach((pgd: { eps: number; accuracy: number }, k: number) => {
        expect(pgd.eps).toBe(summary.certified[k].eps);
        expect(pgd.accuracy).toBeGreaterThanOrEqual(summary.certified[k].accuracy);
      });
      expect(code).toBe(0);
    },
  );
});
