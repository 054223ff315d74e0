import { describe, expect, it } from 'vitest';
import { presetArch } from '../../src/sll/arch.ts';
import { encodeBase64 } from '../../src/sll/base64.ts';
import { initialParams } from '../../src/sll/init.ts';
import { SllModel } from '../../src/kernels/model.ts';
import {
  type WeightsFile,
  WeightsFileError,
  buildWeightsFile,
  parseWeights,
  serializeWeights,
} from '../../src/sll/weightsJson.ts';

const arch = presetArch('tiny');
const params = initialParams(arch, 1);

function goodFile(): WeightsFile {
  return JSON.parse(serializeWeights(arch, params)) as WeightsFile;
}

function expectError(doc: unknown, message: RegExp) {
  expect(() => parseWeights(typeof doc === 'string' ? doc : JSON.stringify(doc))).toThrow(WeightsFileError);
  expect(() => parseWeights(typeof doc === 'string' ? doc : JSON.stringify(doc))).toThrow(message);
}

describe('weights JSON', () => {
  it('round-trips bit-exactly through a model, keeping PyTorch layout and names', async () => {
    const model = new SllModel(arch, params);
    const text = serializeWeights(arch, await model.exportParams(), { config: { seed: 1 } });
    const loaded = parseWeights(text);
    expect(loaded.arch).toEqual(arch);
    expect(loaded.extras).toEqual({ config: { seed: 1 } });
    for (const [name, values] of params) {
      expect(new Uint32Array(loaded.params.get(name)!.buffer)).toEqual(
        new Uint32Array(values.slice().buffer),
      );
    }
    const again = new SllModel(loaded.arch, loaded.params);
    expect(serializeWeights(arch, await again.exportParams(), { config: { seed: 1 } })).toBe(text);
    const doc = JSON.parse(text) as WeightsFile;
    expect(doc.tensors[0]).toMatchObject({ name: 'model.1.kernel', shape: [8, 8, 3, 3], dtype: 'float32' });
    expect(doc.tensors[1].shape).toEqual([1, 8, 1, 1]);
    model.dispose();
    again.dispose();
  });

  it('ignores unknown top-level keys and strips module. / module.model. prefixes', () => {
    const doc = goodFile() as WeightsFile & { metrics: unknown };
    doc.metrics = { certified: 0.5 };
    doc.tensors[0].name = 'module.model.' + doc.tensors[0].name;
    doc.tensors[1].name = 'module.' + doc.tensors[1].name;
    const loaded = parseWeights(doc);
    expect(loaded.params.get('model.1.kernel')).toEqual(params.get('model.1.kernel'));
    expect(loaded.params.get('model.1.bias')).toEqual(params.get('model.1.bias'));
    expect(loaded.extras).toEqual({ metrics: { certified: 0.5 } });
  });

  it('explains each malformed case with its own message', () => {
    expectError('{"format": "sll-lab/weights", ', /not a JSON file/);
    expectError([1, 2], /one JSON object/);
    expectError({ ...goodFile(), format: 'keras' }, /wrong format "keras"/);
    expectError({ ...goodFile(), version: 2 }, /unsupported version 2/);
    expectError(
      { ...goodFile(), arch: { ...arch, width: -3 } },
      /invalid arch: arch.width = -3 is out of range/,
    );
    expectError({ ...goodFile(), arch: { ...arch, nClasses: 'ten' } }, /arch.nClasses must be an integer/);
    expectError({ ...goodFile(), tensors: {} }, /"tensors" must be an array/);

    const missing = goodFile();
    missing.tensors.splice(4, 1);
    expectError(missing, /missing tensor: model.2.bias/);

    const unexpected = goodFile();
    unexpected.tensors.push({ ...unexpected.tensors[0], name: 'model.99.kernel' });
    expectError(unexpected, /unexpected tensor model.99.kernel/);

    const duplicate = goodFile();
    duplicate.tensors.push({ ...duplicate.tensors[0] });
    expectError(duplicate, /tensor model.1.kernel appears twice/);

    const shape = goodFile();
    shape.tensors[0].shape = [8, 8, 9];
    expectError(shape, /model.1.kernel has shape \[8, 8, 9\] but the arch needs \[8, 8, 3, 3\]/);

    const dtype = goodFile();
    (dtype.tensors[0] as { dtype: string }).dtype = 'float16';
    expectError(dtype, /dtype "float16"/);

    const badBase64 = goodFile();
    badBase64.tensors[0].data = '!!!!' + badBase64.tensors[0].data.slice(4);
    expectError(badBase64, /model.1.kernel: bad base64 data: invalid character "!" at offset 0/);

    const truncated = goodFile();
    truncated.tensors[2].data = truncated.tensors[2].data.slice(0, 8);
    expectError(truncated, /model.1.q: data truncated: 6 bytes, expected 32/);

    const nan = goodFile();
    const values = params.get('model.1.q')!.slice();
    values[3] = NaN;
    nan.tensors[2].data = encodeBase64(new Uint8Array(values.buffer));
    expectError(nan, /model.1.q holds NaN at index 3/);

    const inf = goodFile();
    values[3] = -Infinity;
    inf.tensors[2].data = encodeBase64(new Uint8Array(values.buffer));
    expectError(inf, /holds -Infinity at index 3/);
  });

  it('the file object carries extras at top level without letting them override the format', () => {
    const file = buildWeightsFile(arch, params, { format: 'evil', dataset: 'cifar10' });
    expect(file.format).toBe('sll-lab/weights');
    expect(file.dataset).toBe('cifar10');
  });
});

describe('optimizer state in a weights file (a checkpoint)', () => {
  const scaled = (k: number) =>
    new Map([...params].map(([name, v]) => [name, v.map((x) => Math.abs(x) * k)]));
  const optimizer = { step: 17, expAvg: scaled(-0.5), expAvgSq: scaled(0.25) };

  it('round-trips Adam step and moments bit-exactly, by parameter name', () => {
    const loaded = parseWeights(serializeWeights(arch, params, {}, optimizer));
    expect(loaded.optimizer?.step).toBe(17);
    for (const [name, values] of optimizer.expAvg) expect(loaded.optimizer?.expAvg.get(name)).toEqual(values);
    for (const [name, values] of optimizer.expAvgSq)
      expect(loaded.optimizer?.expAvgSq.get(name)).toEqual(values);
    expect(parseWeights(serializeWeights(arch, params)).optimizer).toBeUndefined();
  });

  it('refuses a bad optimizer section with its own message', () => {
    const withOptimizer = () => JSON.parse(serializeWeights(arch, params, {}, optimizer)) as WeightsFile;
    const edit = (change: (o: Record<string, unknown>) => void) => {
      const doc = withOptimizer();
      change(doc.optimizer as Record<string, unknown>);
      return doc;
    };
    expectError({ ...goodFile(), optimizer: [] }, /"optimizer" must be an object/);
    expectError(
      edit((o) => (o.kind = 'sgd')),
      /optimizer kind "sgd": only "adam"/,
    );
    expectError(
      edit((o) => (o.step = -1)),
      /optimizer step must be a non-negative integer/,
    );
    expectError(
      edit((o) => (o.exp_avg = (o.exp_avg as unknown[]).slice(1))),
      /optimizer.exp_avg: missing tensor/,
    );
    const negative = new Float32Array(params.get('model.1.q')!.length).fill(-1);
    expectError(
      edit((o) => {
        const list = o.exp_avg_sq as { name: string; data: string }[];
        list.find((t) => t.name === 'model.1.q')!.data = encodeBase64(new Uint8Array(negative.buffer));
      }),
      /optimizer.exp_avg_sq: tensor model.1.q holds -1 at index 0: it must be >= 0/,
    );
  });
});
