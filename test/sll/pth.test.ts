/**
 * PyTorch `.pth` files: the authors' checkpoints and bare state dicts read into the same validated
 * weights as a weights JSON file, bit for bit, with the arch read off the shapes; hostile or broken
 * files are refused with a message and nothing in them is run. The first block builds files by
 * hand (a small pickle writer and fflate's zip) and always runs; the second reads files that
 * torch.save wrote, and needs Debian's python3-torch (skipped, with the reason, where it is missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Arch, presetArch } from '../../src/sll/arch.ts';
import { decodeBase64 } from '../../src/sll/base64.ts';
import { initialParams } from '../../src/sll/init.ts';
import { type ParamMap, paramSpecs } from '../../src/sll/params.ts';
import { PthFileError, isPthFile, readPthWeights } from '../../src/sll/pth.ts';
import { WeightsFileError, serializeWeights } from '../../src/sll/weightsJson.ts';
import { smallArch } from '../helpers/tensors.ts';
import { PYTHON, pythonCanImport } from '../helpers/python.ts';

/** Same values, same bits (NaN payloads and signed zeros included). */
function expectSameBits(actual: Float32Array | undefined, expected: Float32Array | undefined, what: string) {
  expect(actual, what).toBeDefined();
  expect(expected, what).toBeDefined();
  const bits = (v: Float32Array) => Array.from(new Uint32Array(v.slice().buffer));
  expect(bits(actual as Float32Array), what).toEqual(bits(expected as Float32Array));
}

function expectParams(actual: ParamMap, expected: ParamMap) {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, values] of expected) expectSameBits(actual.get(name), values, name);
}

function expectRefusal(bytes: Uint8Array, message: RegExp, arch?: Arch) {
  let error: unknown;
  try {
    readPthWeights(bytes, { arch });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PthFileError);
  expect(error).toBeInstanceOf(WeightsFileError);
  expect((error as Error).message).toMatch(message);
}

// ---------------------------------------------------------------------------------------------
// A protocol-2 pickle writer, just enough for what torch.save writes (and for hostile files)

class Pickle {
  private readonly out: number[] = [0x80, 0x02];
  private push(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  op(code: string): this {
    return this.push(code.charCodeAt(0));
  }
  global(module: string, name: string): this {
    return this.op('c').push(...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.op('X').push(b.length & 255, (b.length >> 8) & 255, 0, 0, ...b);
  }
  int(n: number): this {
    return this.op('J').push(n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255);
  }
  ints(values: number[]): this {
    this.op('(');
    values.forEach((v) => this.int(v));
    return this.op('t');
  }
  /** A list of ints: EMPTY_LIST, MARK, the ints, APPENDS. */
  intList(values: number[]): this {
    this.op(']').op('(');
    values.forEach((v) => this.int(v));
    return this.op('e');
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.op('G').push(...b);
  }
  /** `collections.OrderedDict()` */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').op(')').op('R');
  }
  /** `_rebuild_tensor_v2(('storage', type, key, 'cpu', numel), offset, size, stride, False, OrderedDict())` */
  tensor(
    key: string,
    numel: number,
    size: number[],
    stride: number[],
    offset = 0,
    type = 'FloatStorage',
  ): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op('(');
    this.op('(').str('storage').global('torch', type).str(key).str('cpu').int(numel).op('t').op('Q');
    return this.int(offset).ints(size).ints(stride).op('\x89').orderedDict().op('t').op('R');
  }
  /** Writes `entries` (already-written values) as SETITEMS into the dict on the stack. */
  items(write: Array<() => void>): this {
    this.op('(');
    write.forEach((w) => w());
    return this.op('u');
  }
  bytes(): Uint8Array {
    return Uint8Array.from([...this.out, '.'.charCodeAt(0)]);
  }
}

function rowMajor(shape: number[]): number[] {
  return shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
}

function float32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

interface HandMade {
  /** Prepended to every parameter name (`module.model.` in the authors' checkpoints). */
  prefix?: string;
  checkpoint?: boolean;
  optimizer?: (p: Pickle, storages: Record<string, Uint8Array>) => void;
  /** Rewrites a tensor's storage: returns [bytes, numel, size, stride, offset, type]. */
  layout?: (
    name: string,
    values: Float32Array,
    shape: number[],
  ) => [Uint8Array, number, number[], number[], number, string] | undefined;
}

/** A torch.save-style zip: `archive/data.pkl` and `archive/data/<key>` storages. */
function zipArchive(
  pickle: Uint8Array,
  storages: Record<string, Uint8Array>,
  prefix = 'archive',
): Uint8Array {
  const files: Record<string, Uint8Array> = { [`${prefix}/data.pkl`]: pickle };
  for (const [key, bytes] of Object.entries(storages)) files[`${prefix}/data/${key}`] = bytes;
  files[`${prefix}/version`] = new TextEncoder().encode('3\n');
  return zipSync(files, { level: 0 });
}

/** A state dict (or the authors' checkpoint around it) for `arch`, written without torch. */
function handMade(arch: Arch, params: ParamMap, options: HandMade = {}): Uint8Array {
  const storages: Record<string, Uint8Array> = {};
  const p = new Pickle();
  const stateDict = () => {
    p.orderedDict().items(
      paramSpecs(arch).map((spec) => () => {
        const values = params.get(spec.name) as Float32Array;
        const key = String(Object.keys(storages).length);
        const custom = options.layout?.(spec.name, values, spec.shape);
        p.str((options.prefix ?? '') + spec.name);
        if (custom) {
          const [bytes, numel, size, stride, offset, type] = custom;
          storages[key] = bytes;
          p.tensor(key, numel, size, stride, offset, type);
        } else {
          storages[key] = float32Bytes(values);
          p.tensor(key, values.length, spec.shape, rowMajor(spec.shape));
        }
      }),
    );
  };
  if (!options.checkpoint) {
    stateDict();
    return zipArchive(p.bytes(), storages);
  }
  p.op('}').items([
    () => p.str('epoch').int(12),
    () => p.str('global_step').int(4680),
    () => {
      p.str('model_state_dict');
      stateDict();
    },
    ...(options.optimizer
      ? [
          () => {
            p.str('optimizer_state_dict');
            options.optimizer?.(p, storages);
          },
        ]
      : []),
  ]);
  return zipArchive(p.bytes(), storages);
}

/** torch.optim.Adam's state_dict with moments `m(i)`, `v(i)` for parameter index i. */
function adamState(
  arch: Arch,
  m: (i: number, n: number) => Float32Array,
  v: (i: number, n: number) => Float32Array,
  step: (p: Pickle, storages: Record<string, Uint8Array>) => void,
  { skip = [], count }: { skip?: number[]; count?: number } = {},
) {
  return (p: Pickle, storages: Record<string, Uint8Array>) => {
    const specs = paramSpecs(arch);
    const moment = (key: string, values: Float32Array, shape: number[]) => {
      p.str(key);
      const storage = String(Object.keys(storages).length);
      storages[storage] = float32Bytes(values);
      p.tensor(storage, values.length, shape, rowMajor(shape));
    };
    p.op('}').items([
      () => {
        p.str('state').op('}');
        p.items(
          specs
            .map((spec, i) => ({ spec, i }))
            .filter(({ i }) => !skip.includes(i))
            .map(({ spec, i }) => () => {
              const n = spec.shape.reduce((a, b) => a * b, 1);
              p.int(i).op('}');
              p.items([
                () => step(p.str('step'), storages),
                () => moment('exp_avg', m(i, n), spec.shape),
                () => moment('exp_avg_sq', v(i, n), spec.shape),
              ]);
            }),
        );
      },
      () => {
        p.str('param_groups').op(']').op('}');
        p.items([
          () => p.str('lr').float(0.01),
          () => p.str('betas').float(0.5).float(0.9).op('\x86'),
          () => p.str('amsgrad').op('\x89'),
          () => p.str('params').intList(specs.map((_, i) => i).slice(0, count ?? specs.length)),
        ]);
        p.op('a');
      },
    ]);
  };
}

describe('readPthWeights on hand-made files (no PyTorch needed)', () => {
  const arch = presetArch('tiny');
  const params = initialParams(arch, 4);

  it('reads a bare state dict bit for bit and reads the arch off the shapes', () => {
    const bytes = handMade(arch, params);
    expect(isPthFile(bytes)).toBe(true);
    const loaded = readPthWeights(bytes);
    expect(loaded.arch).toEqual(arch);
    expectParams(loaded.params, params);
    expect(loaded.extras).toEqual({ source: 'pytorch' });
    expect(loaded.optimizer).toBeUndefined();
  });

  it("reads the authors' checkpoint: module.model. prefixes, epoch and global_step", () => {
    const loaded = readPthWeights(handMade(arch, params, { checkpoint: true, prefix: 'module.model.' }));
    expectParams(loaded.params, params);
    expect(loaded.extras).toEqual({ source: 'pytorch', epoch: 12, global_step: 4680 });
  });

  it('infers other archs: CIFAR-100, conv inner 5, no dense layer, 16x16 images', () => {
    for (const a of [
      { ...presetArch('tiny'), nClasses: 100, mean: [0.5071, 0.4865, 0.4409] },
      smallArch({ nClasses: 10, convInnerDim: 5, nDense: 0, denseInnerDim: -1, imageSize: 16 }),
      smallArch({ nClasses: 10, width: 7, nDense: 3, denseInnerDim: 12 }),
    ]) {
      const p = initialParams(a, 2);
      const loaded = readPthWeights(handMade(a, p));
      expect(loaded.arch).toEqual(a);
      expectParams(loaded.params, p);
    }
  });

  it('asks for the arch where the shapes leave it open, and uses a given one', () => {
    const noConv = smallArch({ nConv: 0, nClasses: 10 });
    const p = initialParams(noConv, 3);
    expectRefusal(handMade(noConv, p), /no convolutions.*give the architecture explicitly/);
    expect(readPthWeights(handMade(noConv, p), { arch: noConv }).arch).toEqual(noConv);
    const sevenClasses = smallArch({ nClasses: 7 });
    const q = initialParams(sevenClasses, 3);
    expectRefusal(handMade(sevenClasses, q), /7 classes.*mean, std.*give the architecture/);
    const loaded = readPthWeights(handMade(sevenClasses, q), { arch: sevenClasses });
    expectParams(loaded.params, q);
    // A given arch that does not fit: the usual shape message, naming the arch it was checked against.
    expectRefusal(
      handMade(sevenClasses, q),
      /tensor model\.1\.kernel has shape \[3, 4, 3, 3\] but the arch needs \[8, 8, 3, 3\] \(given arch/,
      presetArch('tiny'),
    );
    expectRefusal(handMade(arch, params), /invalid arch: arch.width/, { ...arch, width: 0 });
  });

  it('reads storage offsets, strided views, shared storages and float64', () => {
    // Dense weights column-major inside a larger storage, after an offset; vectors share one
    // storage with garbage around them; the last bias as float64.
    const layout: HandMade['layout'] = (name, values, shape) => {
      if (shape.length === 2 && shape[0] > 1) {
        const [rows, cols] = shape;
        const storage = new Float32Array(7 + rows * cols).fill(Number.NaN);
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++) storage[7 + c * rows + r] = values[r * cols + c];
        return [float32Bytes(storage), storage.length, shape, [1, rows], 7, 'FloatStorage'];
      }
      if (name === 'model.6.bias') {
        return [
          new Uint8Array(Float64Array.from(values).buffer),
          values.length,
          shape,
          [1],
          0,
          'DoubleStorage',
        ];
      }
      if (shape.length === 1) {
        const storage = new Float32Array(values.length * 2 + 3).fill(Number.NaN);
        values.forEach((x, i) => (storage[3 + 2 * i] = x));
        return [float32Bytes(storage), storage.length, shape, [2], 3, 'FloatStorage'];
      }
      return undefined;
    };
    const loaded = readPthWeights(handMade(arch, params, { layout }));
    expectParams(loaded.params, params);
  });

  it('refuses dtypes other than float32 and float64, and float64 values float32 cannot hold', () => {
    const asDtype =
      (type: string, itemSize: number): HandMade['layout'] =>
      (name, values, shape) =>
        name === 'model.1.q'
          ? [new Uint8Array(values.length * itemSize), values.length, shape, [1], 0, type]
          : undefined;
    expectRefusal(
      handMade(arch, params, { layout: asDtype('HalfStorage', 2) }),
      /model\.1\.q has dtype float16/,
    );
    expectRefusal(
      handMade(arch, params, { layout: asDtype('LongStorage', 8) }),
      /model\.1\.q has dtype int64/,
    );
    const huge: HandMade['layout'] = (name, values, shape) => {
      if (name !== 'model.1.q') return undefined;
      const big = Float64Array.from(values);
      big[2] = 1e300;
      return [new Uint8Array(big.buffer), big.length, shape, [1], 0, 'DoubleStorage'];
    };
    expectRefusal(
      handMade(arch, params, { layout: huge }),
      /model\.1\.q holds the float64 value 1e\+300 at index 2/,
    );
    const nan: HandMade['layout'] = (name, values, shape) => {
      if (name !== 'model.5.weight') return undefined;
      const bad = values.slice();
      bad[3] = Number.NaN;
      return [float32Bytes(bad), bad.length, shape, rowMajor(shape), 0, 'FloatStorage'];
    };
    expectRefusal(handMade(arch, params, { layout: nan }), /tensor model\.5\.weight holds NaN at index 3/);
  });

  it('maps Adam state by parameter index to names, step as a number or a 0-dim tensor', () => {
    const specs = paramSpecs(arch);
    const m = (i: number, n: number) => Float32Array.from({ length: n }, (_, j) => i + j / 1000);
    const v = (i: number, n: number) => Float32Array.from({ length: n }, (_, j) => i * 10 + j / 100);
    const stepTensor = (p: Pickle, storages: Record<string, Uint8Array>) => {
      const key = String(Object.keys(storages).length);
      storages[key] = float32Bytes(new Float32Array([1200]));
      p.tensor(key, 1, [], []);
    };
    for (const step of [(p: Pickle) => void p.int(1200), stepTensor]) {
      const optimizer = adamState(arch, m, v, step);
      const loaded = readPthWeights(
        handMade(arch, params, { checkpoint: true, prefix: 'module.model.', optimizer }),
      );
      expect(loaded.optimizer?.step).toBe(1200);
      specs.forEach((spec, i) => {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        expectSameBits(loaded.optimizer?.expAvg.get(spec.name), m(i, n), `exp_avg ${spec.name}`);
        expectSameBits(loaded.optimizer?.expAvgSq.get(spec.name), v(i, n), `exp_avg_sq ${spec.name}`);
      });
    }
    // A parameter that never had a gradient has no state: zero moments.
    const optimizer = adamState(arch, m, v, (p) => void p.int(5), { skip: [2] });
    const loaded = readPthWeights(handMade(arch, params, { checkpoint: true, optimizer }));
    expect(Array.from(loaded.optimizer?.expAvg.get(specs[2].name) ?? [])).toEqual(
      new Array(specs[2].shape[0]).fill(0),
    );
    // A negative second moment, or fewer indices than parameters, is refused.
    const negative = adamState(
      arch,
      m,
      (i, n) => m(i, n).map((x) => -x - 1),
      (p) => void p.int(5),
    );
    expectRefusal(
      handMade(arch, params, { checkpoint: true, optimizer: negative }),
      /optimizer.exp_avg_sq: tensor model.1.kernel holds -1 at index 0: it must be >= 0/,
    );
    const short = adamState(arch, m, v, (p) => void p.int(5), { count: specs.length - 1 });
    expectRefusal(
      handMade(arch, params, { checkpoint: true, optimizer: short }),
      new RegExp(`the optimizer holds ${specs.length - 1} parameters but the network has ${specs.length}`),
    );
  });

  it('refuses globals outside the allow-list, naming them, without running anything', () => {
    for (const [module, name] of [
      ['os', 'system'],
      ['posix', 'system'],
      ['builtins', 'eval'],
      ['__builtin__', 'exec'],
      ['torch', 'load'],
      ['__main__', 'SllNetwork'],
    ]) {
      const p = new Pickle();
      p.op('}').items([() => p.str('x').global(module, name).op('(').str('echo pwned').op('t').op('R')]);
      expectRefusal(
        zipArchive(p.bytes(), {}),
        new RegExp(`refused: the pickle names the global ${module}\\.${name}`),
      );
    }
    // Allowed names cannot be misused: a storage type is only a marker, not callable.
    const p = new Pickle();
    p.op('}').items([() => p.str('x').global('torch', 'FloatStorage').op(')').op('R')]);
    expectRefusal(
      zipArchive(p.bytes(), {}),
      /torch.FloatStorage may only appear in a storage's persistent id/,
    );
  });

  it('refuses broken containers and storages with their own messages', () => {
    const good = handMade(arch, params);
    expectRefusal(new TextEncoder().encode('{"format": "sll-lab/weights"}'), /not a PyTorch file/);
    expectRefusal(good.slice(0, good.length - 100), /not a readable zip archive/);
    expectRefusal(good.slice(0, 3000), /not a readable zip archive/);
    expectRefusal(zipSync({ 'a/weights.bin': new Uint8Array(8) }), /no data\.pkl/);
    const p = new Pickle();
    p.orderedDict().items([() => p.str('model.1.q').tensor('0', 8, [8], [1])]);
    expectRefusal(
      zipArchive(p.bytes(), {}),
      /refers to storage "0", but the archive has no archive\/data\/0/,
    );
    expectRefusal(
      zipArchive(p.bytes(), { '0': new Uint8Array(20) }),
      /storage archive\/data\/0 is truncated: 20 bytes for 8 float32 values \(32 bytes\)/,
    );
    const past = new Pickle();
    past.orderedDict().items([() => past.str('model.1.q').tensor('0', 8, [8], [1], 4)]);
    expectRefusal(
      zipArchive(past.bytes(), { '0': new Uint8Array(32) }),
      /tensor model.1.q \(shape \[8\], stride \[1\], offset 4\) reaches element 11 of a storage of 8/,
      arch,
    );
    const cut = new Pickle().orderedDict().bytes();
    expectRefusal(zipArchive(cut.slice(0, cut.length - 2), {}), /not a readable pickle/);
    expectRefusal(zipArchive(new Pickle().int(3).bytes(), {}), /the file holds 3; expected a state_dict/);
    const list = new Pickle();
    list.op('}').items([() => list.str('epoch').int(1)]);
    expectRefusal(zipArchive(list.bytes(), {}), /no model state dict: the file's dict has the keys "epoch"/);
  });

  it('refuses shapes that fit no SLL network', () => {
    const p = new Pickle();
    p.orderedDict().items([
      () => p.str('conv1.weight').tensor('0', 1, [1], [1]),
      () => p.str('fc.weight').tensor('0', 1, [1], [1]),
    ]);
    expectRefusal(
      zipArchive(p.bytes(), { '0': new Uint8Array(4) }),
      /not an SLL network: it holds conv1.weight, fc.weight/,
    );
    const k5 = new Pickle();
    k5.orderedDict().items([
      () => k5.str('model.1.kernel').tensor('0', 8 * 8 * 25, [8, 8, 5, 5], rowMajor([8, 8, 5, 5])),
      () => k5.str('model.4.weight').tensor('1', 10 * 512, [10, 512], [512, 1]),
    ]);
    const storages = { '0': new Uint8Array(8 * 8 * 25 * 4), '1': new Uint8Array(10 * 512 * 4) };
    expectRefusal(
      zipArchive(k5.bytes(), storages),
      /model\.1\.kernel has shape \[8, 8, 5, 5\]; an SLL convolution's kernel is \[inner, width, 3, 3\]/,
    );
    const features = new Pickle();
    features
      .orderedDict()
      .items([
        () => features.str('model.1.kernel').tensor('0', 8 * 8 * 9, [8, 8, 3, 3], rowMajor([8, 8, 3, 3])),
        () => features.str('model.4.weight').tensor('1', 10 * 500, [10, 500], [500, 1]),
      ]);
    expectRefusal(
      zipArchive(features.bytes(), { '0': new Uint8Array(8 * 8 * 9 * 4), '1': new Uint8Array(10 * 500 * 4) }),
      /the last layer takes 500 features, which is not the width 8 times a square/,
    );
    // Names that do not follow the layout: the usual messages, with the arch read off the shapes.
    const renamed = new Pickle();
    const s: Record<string, Uint8Array> = {};
    renamed.orderedDict().items(
      paramSpecs(arch).map((spec, i) => () => {
        s[String(i)] = float32Bytes(params.get(spec.name) as Float32Array);
        const n = (params.get(spec.name) as Float32Array).length;
        renamed
          .str(spec.name.replace('model.6.', 'model.7.'))
          .tensor(String(i), n, spec.shape, rowMajor(spec.shape));
      }),
    );
    expectRefusal(
      zipArchive(renamed.bytes(), s),
      /unexpected tensor model\.7\.weight.*\(arch read off the shapes: nConv 2, nDense 1, width 8/,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Files torch.save wrote

/**
 * Writes, from a weights JSON: the authors' checkpoint (module.model. names, epoch, global_step,
 * the state_dict of a real torch.optim.Adam after three steps on bench/pytorch/sll_torch.py's
 * module, with its moments by parameter name in moments.json), a bare state_dict of that module
 * (mean/std buffers, _metadata), the legacy format, float64, strided and offset views, hostile
 * pickles, a non-SLL network and broken archives.
 */
const TORCH_SCRIPT = String.raw`
import base64, collections, copy, json, os, sys, zipfile
import numpy as np, torch
sys.path.insert(0, 'bench/pytorch')
from sll_torch import load_weights

out, weights = sys.argv[1], sys.argv[2]
doc = json.load(open(weights))
state = collections.OrderedDict(
    (t['name'], torch.from_numpy(np.frombuffer(base64.b64decode(t['data']), dtype='<f4').reshape(t['shape']).copy()))
    for t in doc['tensors'])

net = load_weights(weights)
trained = copy.deepcopy(net)
torch.manual_seed(0)
opt = torch.optim.Adam(trained.parameters(), lr=0.01, betas=(0.5, 0.9), eps=1e-8)
for _ in range(3):
    opt.zero_grad()
    trained(torch.rand(8, 3, 32, 32)).logsumexp(1).sum().backward()
    opt.step()
b64 = lambda t: base64.b64encode(t.detach().numpy().astype('<f4').tobytes()).decode()
moments = {'exp_avg': {}, 'exp_avg_sq': {}}
for name, p in trained.named_parameters():
    if p in opt.state:
        for k in moments:
            moments[k][name] = b64(opt.state[p][k])
json.dump(moments, open(os.path.join(out, 'moments.json'), 'w'))

torch.save({'epoch': 7, 'global_step': 1234,
            'model_state_dict': collections.OrderedDict(('module.model.' + k, v) for k, v in state.items()),
            'optimizer_state_dict': opt.state_dict()}, os.path.join(out, 'checkpoint.pth'))
torch.save(net.state_dict(), os.path.join(out, 'state_dict.pth'))
torch.save(net.state_dict(), os.path.join(out, 'legacy.pth'), _use_new_zipfile_serialization=False)
torch.save(collections.OrderedDict((k, v.double()) for k, v in state.items()), os.path.join(out, 'float64.pth'))
views = collections.OrderedDict()
for k, v in state.items():
    if v.dim() == 2 and v.shape[0] > 1:
        views[k] = v.t().contiguous().t()
        assert not views[k].is_contiguous()
    else:
        big = torch.full((v.numel() + 5,), float('nan'))
        big[5:] = v.flatten()
        views[k] = big[5:].view(v.shape)
torch.save(views, os.path.join(out, 'views.pth'))

class Shell:
    def __reduce__(self):
        return (os.system, ('touch ' + os.path.join(out, 'pwned'),))
class Eval:
    def __reduce__(self):
        return (eval, ("open(" + repr(os.path.join(out, 'pwned')) + ", 'w')",))
torch.save({'model_state_dict': state, 'hook': Shell()}, os.path.join(out, 'os_system.pth'))
torch.save({'model_state_dict': state, 'hook': Eval()}, os.path.join(out, 'eval.pth'))
torch.save(net, os.path.join(out, 'whole_module.pth'))

cnn = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                          torch.nn.Flatten(), torch.nn.Linear(8 * 30 * 30, 10))
torch.save(cnn.state_dict(), os.path.join(out, 'cnn.pth'))

def rewrite(src, dst, change):
    with zipfile.ZipFile(os.path.join(out, src)) as zin, zipfile.ZipFile(os.path.join(out, dst), 'w') as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
rewrite('state_dict.pth', 'truncated_storage.pth', lambda n, d: d[:len(d) // 2] if n.endswith('/data/2') else d)
rewrite('state_dict.pth', 'missing_storage.pth', lambda n, d: None if n.endswith('/data/2') else d)
`;

const hasTorch = pythonCanImport('torch, numpy');
if (!hasTorch) {
  console.warn(`PyTorch .pth tests skipped: ${PYTHON} cannot import torch (apt-get install python3-torch)`);
}

describe.skipIf(!hasTorch)('readPthWeights on files torch.save wrote', () => {
  const arch = presetArch('tiny');
  const params = initialParams(arch, 1);
  const dir = mkdtempSync(join(tmpdir(), 'sll-pth-'));
  const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

  beforeAll(() => {
    const weights = join(dir, 'tiny.json');
    writeFileSync(weights, serializeWeights(arch, params));
    const script = join(dir, 'make.py');
    writeFileSync(script, TORCH_SCRIPT);
    execFileSync(PYTHON, [script, dir, weights], { stdio: ['ignore', 'ignore', 'inherit'] });
  }, 120_000);

  it("reads the authors' checkpoint: weights bit for bit, the preset's arch, Adam by name", () => {
    const started = performance.now();
    const loaded = readPthWeights(read('checkpoint.pth'));
    const ms = performance.now() - started;
    console.info(`read the tiny checkpoint (${read('checkpoint.pth').length} bytes) in ${ms.toFixed(1)} ms`);
    expect(loaded.arch).toEqual(arch);
    expectParams(loaded.params, params);
    expect(loaded.extras).toEqual({ source: 'pytorch', epoch: 7, global_step: 1234 });
    expect(loaded.optimizer?.step).toBe(3);
    const moments = JSON.parse(readFileSync(join(dir, 'moments.json'), 'utf8')) as Record<
      'exp_avg' | 'exp_avg_sq',
      Record<string, string>
    >;
    const decode = (b64: string) => new Float32Array(decodeBase64(b64).slice().buffer);
    for (const spec of paramSpecs(arch)) {
      const m = moments.exp_avg[spec.name];
      const v = moments.exp_avg_sq[spec.name];
      if (m === undefined) {
        // torch keeps no state for a parameter without gradients (the conv q, unused): zeros.
        expect(spec.name).toMatch(/^model\.[12]\.q$/);
        expect(loaded.optimizer?.expAvg.get(spec.name)?.every((x) => x === 0)).toBe(true);
        continue;
      }
      expectSameBits(loaded.optimizer?.expAvg.get(spec.name), decode(m), `exp_avg ${spec.name}`);
      expectSameBits(loaded.optimizer?.expAvgSq.get(spec.name), decode(v), `exp_avg_sq ${spec.name}`);
    }
    expect(Object.keys(moments.exp_avg).length).toBeGreaterThan(5);
  });

  it('reads a module state_dict (mean/std buffers), the legacy format, float64 and strided views', () => {
    for (const name of ['state_dict.pth', 'legacy.pth', 'float64.pth', 'views.pth']) {
      const bytes = read(name);
      expect(isPthFile(bytes), name).toBe(true);
      const loaded = readPthWeights(bytes);
      expect(loaded.arch, name).toEqual(arch);
      expectParams(loaded.params, params);
      expect(loaded.optimizer).toBeUndefined();
    }
  });

  it('refuses pickles that name os.system, eval or a whole module, and runs none of them', () => {
    expectRefusal(read('os_system.pth'), /refused: the pickle names the global (posix|os)\.system/);
    expectRefusal(read('eval.pth'), /refused: the pickle names the global (__builtin__|builtins)\.eval/);
    expectRefusal(read('whole_module.pth'), /refused: the pickle names the global sll_torch\.SllNetwork/);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('refuses a non-SLL network and broken archives', () => {
    expectRefusal(read('cnn.pth'), /not an SLL network: it holds 0\.weight, 0\.bias, 1\.weight, 1\.bias, …/);
    expectRefusal(
      read('truncated_storage.pth'),
      /storage state_dict\/data\/2 is truncated: 1152 bytes for 576 float32 values/,
    );
    expectRefusal(
      read('missing_storage.pth'),
      /refers to storage "2", but the archive has no state_dict\/data\/2/,
    );
    const whole = read('checkpoint.pth');
    expectRefusal(whole.slice(0, whole.length >> 1), /not a readable zip archive/);
    const legacy = read('legacy.pth');
    expectRefusal(legacy.slice(0, legacy.length - 10), /truncated/);
  });
});
