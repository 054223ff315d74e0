// The authors' PyTorch checkpoint in the page: a .pth written by torch.save (through the sll_lab
// Python package) opens in the page and is evaluated on all 10,000 test images, and the page's table
// equals what the CLI computes from the same file.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { main } from '../src/cli/main.ts';
import { decodeOnnxModel } from '../test/helpers/onnx.ts';
import { LabPage } from './labPage.ts';
import { expect, test } from './persistentProfile.ts';

const PYTHON = '/usr/bin/python3';
const hasTorch = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const PAPER_EPS = ['36/255', '72/255', '108/255', '255/255'];
const asPercent = (x: number) => `${(x * 100).toFixed(2)}%`;

async function cli(args: string[]): Promise<string> {
  const lines: string[] = [];
  const code = await main(args, (l) => lines.push(l));
  expect(code ?? 0).toBe(0);
  return lines.join('\n');
}

test('a PyTorch .pth checkpoint opens in the page, is evaluated on 10,000 images, and agrees with the CLI', async ({
  profile,
}) => {
  test.skip(!hasTorch, `${PYTHON} cannot import torch (apt-get install python3-torch)`);
  test.setTimeout(300_000);
  const json = test.info().outputPath('tiny.json');
  const pth = test.info().outputPath('model.ckpt-1.pth');
  await cli(['init', '--preset', 'tiny', '--seed', '5', '--out', json]);
  execFileSync(PYTHON, ['-m', 'sll_lab.convert', json, pth], {
    env: { ...process.env, PYTHONPATH: 'python' },
    stdio: 'inherit',
  });

  const report = JSON.parse(
    await cli(['certify', '--weights', pth, '--dataset', 'cifar10', '--eps', PAPER_EPS.join(','), '--json']),
  ) as { n?: number; naturalAccuracy: number; certifiedAccuracy: Record<string, number> };
  const expected = [report.naturalAccuracy, ...PAPER_EPS.map((e) => report.certifiedAccuracy[e])].map(
    asPercent,
  );

  const lab = new LabPage(profile.page);
  await lab.open('backend=wasm&preset=tiny');
  await lab.byId('load-weights').setInputFiles(pth);
  const table = lab.byId('paper-table');
  await expect(table.locator('caption')).toHaveText(/On 10,000 test images/, { timeout: 240_000 });
  expect(await table.locator('td').allTextContents()).toEqual(expected);
  await lab.screenshot('page-pth-loaded');

  // The same model leaves the page as an ONNX graph.
  const downloading = profile.page.waitForEvent('download');
  await lab.byId('download-onnx').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.onnx$/);
  const onnxPath = test.info().outputPath('model.onnx');
  await download.saveAs(onnxPath);
  const graph = decodeOnnxModel(await readFile(onnxPath)).graph;
  expect(graph?.input?.map((i) => i.name)).toEqual(['images']);
  expect(graph?.output?.map((o) => o.name)).toEqual(['logits']);
});
