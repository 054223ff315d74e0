/**
 * `--weights` takes a PyTorch `.pth` (told apart by its zip magic, not its name): certifying the
 * authors' checkpoint of a network gives exactly what its weights JSON gives. Needs Debian's
 * python3-torch to write the .pth files (skipped, with the reason, where it is missing).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialParams } from '../../src/sll/init.ts';
import { parseWeights, serializeWeights } from '../../src/sll/weightsJson.ts';
import { readWeightsFile } from '../../src/cli/io.ts';
import { smallArch } from '../helpers/tensors.ts';
import { runCli } from '../helpers/cli.ts';
import { PYTHON, pythonCanImport } from '../helpers/python.ts';

/** `JSON OUT [EXTRA]...`: the authors' checkpoint layout (module.model. names, epoch, global_step). */
const TO_PTH = String.raw`
import base64, collections, json, os, sys
import numpy as np, torch
src, dst = sys.argv[1], sys.argv[2]
doc = json.load(open(src))
state = collections.OrderedDict(
    ('module.model.' + t['name'],
     torch.from_numpy(np.frombuffer(base64.b64decode(t['data']), dtype='<f4').reshape(t['shape']).copy()))
    for t in doc['tensors'])
extra = {}
if len(sys.argv) > 3:
    class Shell:
        def __reduce__(self):
            return (os.system, ('touch ' + sys.argv[3],))
    extra['hook'] = Shell()
torch.save({'epoch': 2, 'global_step': 300, 'model_state_dict': state, **extra}, dst)
`;

const hasTorch = pythonCanImport('torch, numpy');
if (!hasTorch) {
  console.warn(`sll-lab .pth tests skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);
}

describe.skipIf(!hasTorch)('sll-lab with PyTorch .pth weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sll-cli-pth-'));
  const json = join(dir, 'tiny.json');
  const pth = join(dir, 'model.ckpt-300.pth');
  const toPth = (src: string, dst: string, ...extra: string[]) => {
    const script = join(dir, 'to_pth.py');
    writeFileSync(script, TO_PTH);
    execFileSync(PYTHON, [script, src, dst, ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  };

  beforeAll(async () => {
    expect((await runCli('init', '--preset', 'tiny', '--seed', '3', '--out', json)).code).toBe(0);
    toPth(json, pth);
  }, 120_000);

  it('certify gives the same output for the checkpoint and the weights JSON', async () => {
    const args = ['--dataset', 'cifar10', '--limit', '100', '--json'];
    const fromJson = await runCli('certify', '--weights', json, ...args);
    const fromPth = await runCli('certify', '--weights', pth, ...args);
    expect(fromJson.code).toBe(0);
    expect(fromPth).toEqual(fromJson);
    // Told apart by content, not by name.
    const renamed = join(dir, 'weights.json');
    copyFileSync(pth, renamed);
    const loaded = await readWeightsFile(renamed);
    expect(loaded.params).toEqual(parseWeights(readFileSync(json, 'utf8')).params);
    expect(loaded.extras).toEqual({ source: 'pytorch', epoch: 2, global_step: 300 });
  });

  it('attack and lipschitz read it too', async () => {
    const attack = ['--dataset', 'cifar10', '--limit', '4', '--eps', '36/255', '--steps', '2', '--json'];
    const a = await runCli('attack', '--weights', pth, ...attack);
    expect(a.code).toBe(0);
    expect(a).toEqual(await runCli('attack', '--weights', json, ...attack));
    const lipschitz = ['--iterations', '10', '--points', '1', '--json'];
    const l = await runCli('lipschitz', '--weights', pth, ...lipschitz);
    expect(l.code).toBe(0);
    expect(l).toEqual(await runCli('lipschitz', '--weights', json, ...lipschitz));
  });

  it('asks for --arch where the shapes leave the network open, and uses it', async () => {
    const arch = smallArch({ nConv: 0, nClasses: 10, width: 4, imageSize: 32 });
    const noConvJson = join(dir, 'noconv.json');
    const noConvPth = join(dir, 'noconv.pth');
    const archFile = join(dir, 'arch.json');
    writeFileSync(noConvJson, serializeWeights(arch, initialParams(arch, 5)));
    writeFileSync(archFile, JSON.stringify(arch));
    toPth(noConvJson, noConvPth);
    const args = ['--dataset', 'cifar10', '--limit', '20', '--json'];
    const refused = await runCli('certify', '--weights', noConvPth, ...args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no convolutions.*--arch FILE\.json/);
    const given = await runCli('certify', '--weights', noConvPth, '--arch', archFile, ...args);
    expect(given.code).toBe(0);
    expect(given.stdout).toBe((await runCli('certify', '--weights', noConvJson, ...args)).stdout);
    expect(parseWeights(readFileSync(noConvJson, 'utf8')).arch).toEqual(arch);
    const withJson = await runCli('certify', '--weights', json, '--arch', archFile, ...args);
    expect(withJson.code).toBe(2);
    expect(withJson.stderr).toMatch(/an architecture is only needed for PyTorch weights/);
  });

  it('refuses a hostile pickle with exit code 2, naming the global, running nothing', async () => {
    const hostile = join(dir, 'hostile.pth');
    const marker = join(dir, 'pwned');
    toPth(json, hostile, marker);
    const r = await runCli('certify', '--weights', hostile, '--dataset', 'cifar10', '--limit', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sll-lab certify: refused: the pickle names the global (posix|os)\.system/);
    expect(existsSync(marker)).toBe(false);
    const truncated = join(dir, 'truncated.pth');
    const bytes = readFileSync(pth);
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 200));
    const t = await runCli('certify', '--weights', truncated, '--dataset', 'cifar10', '--limit', '5');
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/not a readable zip archive/);
  });
});
