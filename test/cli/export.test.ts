/**
 * `sll-lab export`: the executable writes an ONNX file that Debian's python3-onnx accepts
 * (`check_model` with full_check, strict shape inference) and that a small NumPy interpreter of its
 * ops, written here and independent of onnxruntime and tfjs, evaluates to the logits of
 * `sll-lab certify`. Skipped, with the reason, where python3 cannot import onnx.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel } from '../helpers/onnx.ts';
import { presetArch } from '../../src/sll/arch.ts';
import { encodeNpy } from '../helpers/npy.ts';
import { maxRelativeError, randomImagesNchw } from '../helpers/tensors.ts';
import { runCli } from '../helpers/cli.ts';
import { PYTHON, pythonCanImport } from '../helpers/python.ts';

const exec = promisify(execFile);

const hasOnnx = pythonCanImport('onnx, numpy');
if (!hasOnnx) {
  console.warn(`ONNX checker skipped: ${PYTHON} cannot import onnx and numpy (apt-get install python3-onnx)`);
}

/**
 * Checks the model, then runs it in float64 NumPy: argv = model, images .npy. Prints JSON.
 * ConvTranspose with stride 1 is the convolution with the flipped, transposed kernel and padding k-1-p.
 */
const CHECK_SCRIPT = `
import json, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper

model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
g = model.graph

def dims(v):
    return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

def conv(x, w, p):
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    h, wd = xp.shape[2] - k + 1, xp.shape[3] - k + 1
    out = np.zeros((x.shape[0], w.shape[0], h, wd))
    for u in range(k):
        for v in range(k):
            out += np.einsum('nchw,oc->nohw', xp[:, :, u:u + h, v:v + wd], w[:, :, u, v])
    return out

env = {t.name: numpy_helper.to_array(t).astype(np.float64 if t.data_type == 1 else np.int64)
       for t in g.initializer}
env[g.input[0].name] = np.load(sys.argv[2]).astype(np.float64)
for n in g.node:
    a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
    i = [env[name] for name in n.input]
    op = n.op_type
    if op == 'Sub': y = i[0] - i[1]
    elif op == 'Mul': y = i[0] * i[1]
    elif op == 'Pad': y = np.pad(i[0], list(zip(i[1][:4], i[1][4:])))
    elif op == 'Conv': y = conv(i[0], i[1], a['pads'][0]) + i[2].reshape(1, -1, 1, 1)
    elif op == 'ConvTranspose':
        k = i[1].shape[2]
        y = conv(i[0], i[1].transpose(1, 0, 2, 3)[:, :, ::-1, ::-1], k - 1 - a['pads'][0])
    elif op == 'Relu': y = np.maximum(i[0], 0)
    elif op == 'AveragePool':
        s = a['kernel_shape'][0]
        nb, c, h, w = i[0].shape
        y = i[0].reshape(nb, c, h // s, s, w // s, s).mean(axis=(3, 5))
    elif op == 'Flatten': y = i[0].reshape(i[0].shape[0], -1)
    elif op == 'Gemm': y = i[0] @ (i[1].T if a.get('transB') else i[1]) + i[2]
    elif op == 'MatMul': y = i[0] @ i[1]
    else: raise SystemExit('unexpected op ' + op)
    env[n.output[0]] = y

print(json.dumps({
    'onnx': onnx.__version__,
    'irVersion': model.ir_version,
    'opset': [o.version for o in model.opset_import],
    'inputs': [[v.name, dims(v)] for v in g.input],
    'outputs': [[v.name, dims(v)] for v in inferred.graph.output],
    'ops': sorted(set(n.op_type for n in g.node)),
    'logits': env[g.output[0].name].tolist(),
}))
`;

let dir: string;
let weights: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sll-export-'));
  weights = join(dir, 'tiny.json');
  const init = await exec(process.execPath, [
    'bin/sll-lab.js',
    'init',
    '--preset',
    'tiny',
    '--seed',
    '3',
    '--out',
    weights,
  ]);
  expect(init.stdout).toMatch(/wrote .*tiny\.json/);
});

describe('sll-lab export', () => {
  const arch = presetArch('tiny');
  const n = 3;

  it('writes an ONNX model that the checker accepts and that gives the certify logits', async () => {
    const model = join(dir, 'tiny.onnx');
    const result = await exec(process.execPath, [
      'bin/sll-lab.js',
      'export',
      '--weights',
      weights,
      '--format',
      'onnx',
      '--out',
      model,
    ]);
    expect(result.stdout).toMatch(
      /wrote .*tiny\.onnx: ONNX opset 17, [\d,]+ bytes, 2 SLL conv \+ 1 SLL dense/,
    );
    expect((await stat(model)).size).toBeGreaterThan(0);

    const images = randomImagesNchw(arch, n, 5);
    const x = join(dir, 'x.npy');
    await writeFile(x, encodeNpy(images, [n, 3, 32, 32], 'float32'));
    const certified = await runCli('certify', '--weights', weights, '--images', x, '--json');
    expect(certified.code, certified.stderr).toBe(0);
    const expected = (JSON.parse(certified.stdout).logits as number[][]).flat();

    // onnxruntime-web runs the file as written.
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(model)));
    const output = await session.run({
      images: new ort.Tensor('float32', Float32Array.from(images), [n, 3, 32, 32]),
    });
    await session.release();
    expect(maxRelativeError(output.logits.data as Float32Array, expected)).toBeLessThan(1e-5);

    if (!hasOnnx) return;
    const { stdout } = await exec(PYTHON, ['-c', CHECK_SCRIPT, model, x]);
    const report = JSON.parse(stdout);
    expect(report.irVersion).toBe(8);
    expect(report.opset).toEqual([17]);
    expect(report.inputs).toEqual([['images', ['N', 3, 32, 32]]]);
    expect(report.outputs).toEqual([['logits', ['N', 10]]]);
    expect(report.ops).toEqual([
      'AveragePool',
      'Conv',
      'ConvTranspose',
      'Flatten',
      'Gemm',
      'MatMul',
      'Mul',
      'Pad',
      'Relu',
      'Sub',
    ]);
    const numpyRelative = maxRelativeError((report.logits as number[][]).flat(), expected);
    console.log(
      `python3-onnx ${report.onnx}: check_model passed; NumPy float64 vs certify: ${numpyRelative}`,
    );
    expect(numpyRelative).toBeLessThan(1e-5);
  });

  it('computes the same model on the WASM backend', async () => {
    const cpu = join(dir, 'cpu.onnx');
    const wasm = join(dir, 'wasm.onnx');
    expect((await runCli('export', '--weights', weights, '--out', cpu)).code).toBe(0);
    const result = await exec(process.execPath, [
      'bin/sll-lab.js',
      'export',
      '--weights',
      weights,
      '--out',
      wasm,
      '--backend',
      'wasm',
    ]);
    expect(result.stdout).toMatch(/computed on wasm/);
    const [a, b] = [decodeOnnxModel(await readFile(cpu)), decodeOnnxModel(await readFile(wasm))];
    const ops = (m: typeof a) => m.graph?.node?.map((node) => [node.opType, ...(node.input ?? [])]);
    expect(ops(b)).toEqual(ops(a));
    const floats = (m: typeof a) =>
      new Map(
        (m.graph?.initializer ?? [])
          .filter((t) => t.dataType === 1)
          .map((t) => [String(t.name), new Float32Array(new Uint8Array(t.rawData ?? []).buffer)]),
      );
    const [fa, fb] = [floats(a), floats(b)];
    expect([...fb.keys()]).toEqual([...fa.keys()]);
    for (const [name, values] of fa) {
      // Weights are copied as they are; what the backend computes may differ in its last bits.
      if (name.endsWith('.two_t') || name.endsWith('.weight_normalized'))
        expect(maxRelativeError(fb.get(name)!, values), name).toBeLessThan(1e-5);
      else expect(fb.get(name), name).toEqual(values);
    }
  });

  it('refuses bad input with exit code 2', async () => {
    const out = join(dir, 'bad.onnx');
    const unknown = await runCli('export', '--weights', weights, '--format', 'pth', '--out', out);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/sll-lab export: unknown --format "pth" \(available: onnx\)/);
    const missing = await runCli('export', '--format', 'onnx', '--out', out);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--weights FILE is required/);
    const noOut = await runCli('export', '--weights', weights);
    expect(noOut.stderr).toMatch(/--out FILE is required/);
    const unclear = await runCli('export', '--weights', weights, '--out', join(dir, 'model.bin'));
    expect(unclear.code).toBe(2);
    expect(unclear.stderr).toMatch(/cannot tell the format from .*model\.bin.*give --format \(onnx\)/);
    const backend = await runCli('export', '--weights', weights, '--out', out, '--backend', 'gpu');
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/--backend must be wasm, cpu or webgpu, got "gpu"/);
    const absent = await runCli('export', '--weights', join(dir, 'nope.json'), '--out', out);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/cannot read weights .*nope\.json: ENOENT/);
    expect((await runCli('export', '--bogus')).code).toBe(2);
    expect((await runCli('export', '--help')).stdout).toMatch(/Usage: sll-lab export --weights W\.json/);
    expect((await runCli('--help')).stdout).toMatch(/export +write a network as ONNX/);
  });
});
