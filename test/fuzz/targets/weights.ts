/**
 * Weights files into the page's Trainer (`importWeights`, as the worker loads a dropped file):
 * the lab's weights JSON and PyTorch `.pth` files (torch.save's zip and the legacy stream). After
 * a refused file the current model must be bit for bit as it was, with no tensor left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { strToU8 } from 'fflate';
import { TrainerError } from '../../../src/engine/errors.ts';
import { MAX_PICKLE_BYTES } from '../../../src/sll/pth.ts';
import { WeightsFileError } from '../../../src/sll/weightsJson.ts';
import { toyConfig } from '../../helpers/toyData.ts';
import type { FuzzTarget } from '../harness.ts';
import { type Mutated, mutateBytes, mutateValue } from '../mutate.ts';
import {
  PickleWriter,
  type ToyTrainer,
  pthLegacyOf,
  pthParts,
  pthZipOf,
  sameBits,
  trainedToy,
  weightBits,
  zipArchive,
} from '../seeds.ts';

const text = (s: string) => strToU8(s);

/**
 * After each case: a refused file left the model bit for bit as it was; an accepted one (a
 * mutation that left a valid file) is undone by loading the original again.
 */
function untouchedModel(toy: ToyTrainer, original: Uint8Array) {
  let reference: Map<string, Uint32Array> | null = null;
  let tensors = 0;
  return async (refusal: { error: unknown } | null): Promise<string | null> => {
    if (!reference) {
      reference = await weightBits(toy.trainer);
      tensors = tf.memory().numTensors;
    }
    toy.events.length = 0;
    if (refusal) {
      if (tf.memory().numTensors !== tensors) {
        return `a refused file left ${tf.memory().numTensors - tensors} tensors behind`;
      }
      return sameBits(await weightBits(toy.trainer), reference)
        ? null
        : 'a refused file changed the current model';
    }
    await toy.trainer.importWeights(original, false);
    return sameBits(await weightBits(toy.trainer), reference) ? null : 'the original file did not load back';
  };
}

/** The weights JSON path: `Trainer.importWeights` with the lab's `sll-lab/weights` files. */
export async function weightsJsonTarget(): Promise<FuzzTarget<Uint8Array> & { dispose(): void }> {
  const toy = await trainedToy();
  const plain = text(await toy.trainer.exportWeights(false));
  const withAdam = text(await toy.trainer.exportWeights(true));
  const decoder = new TextDecoder();
  const specials: Mutated<Uint8Array>[] = [
    { kind: 'empty file', value: new Uint8Array(0) },
    { kind: 'a PNG', value: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0) },
    { kind: '{}', value: text('{}') },
    { kind: 'a JSON string', value: text('"sll-lab/weights"') },
    { kind: '100,000 nested arrays', value: text('['.repeat(100_000) + ']'.repeat(100_000)) },
    { kind: '4 MB of spaces', value: new Uint8Array(4e6).fill(0x20) },
    { kind: 'invalid UTF-8', value: Uint8Array.of(0x7b, 0xc3, 0x28, 0x7d) },
    {
      kind: 'the largest valid arch, no tensors',
      value: text(
        JSON.stringify({
          ...JSON.parse(decoder.decode(plain)),
          arch: { ...toyConfig().arch, nConv: 1000, nDense: 1000, width: 4096, imageSize: 512 },
        }),
      ),
    },
  ];
  return {
    name: 'weights JSON',
    seeds: [
      { kind: 'weights', value: plain },
      { kind: 'weights + Adam', value: withAdam },
    ],
    specials,
    mutate(seed, rng) {
      if (rng.uniform() < 0.5) return mutateBytes(seed, rng);
      const m = mutateValue(JSON.parse(decoder.decode(seed)) as unknown, rng);
      return { value: text(JSON.stringify(m.value) ?? ''), kind: m.kind };
    },
    feed: (file) => toy.trainer.importWeights(file, false),
    errors: [WeightsFileError, TrainerError],
    check: untouchedModel(toy, plain),
    dispose: () => toy.trainer.dispose(),
  };
}

type PthParts = { pickle: Uint8Array; storages: Map<string, Uint8Array>; legacy: boolean };

/** The PyTorch path: `.pth` files (zip and legacy) into `Trainer.importWeights`. */
export async function pthTarget(): Promise<FuzzTarget<Uint8Array> & { dispose(): void }> {
  const toy = await trainedToy();
  const arch = toy.trainer.model!.arch;
  const params = await toy.trainer.model!.exportParams();
  const parts = new Map<Uint8Array, PthParts>();
  const seed = (kind: string, p: PthParts): Mutated<Uint8Array> => {
    const value = p.legacy ? pthLegacyOf(p.pickle, p.storages) : pthZipOf(p.pickle, p.storages);
    parts.set(value, p);
    return { kind, value };
  };
  const seeds = [
    seed('state dict', { ...pthParts(arch, params), legacy: false }),
    seed("authors' checkpoint", { ...pthParts(arch, params, { checkpoint: true }), legacy: false }),
    seed('legacy state dict', { ...pthParts(arch, params, { legacy: true }), legacy: true }),
  ];
  const { pickle, storages } = parts.get(seeds[0].value)!;
  const megabyte = new Uint8Array(2 ** 20);
  const emptyLists = (n: number) => Uint8Array.from({ length: n }, () => ']'.charCodeAt(0));
  const specials: Mutated<Uint8Array>[] = [
    {
      kind: 'data.pkl deflated',
      value: zipArchive([
        { name: 'archive/data.pkl', data: pickle, deflate: true },
        ...[...storages].map(([key, data]) => ({ name: `archive/data/${key}`, data })),
      ]),
    },
    {
      kind: 'a 1 MiB storage listed 60,000 times in the directory',
      value: zipArchive(
        [
          { name: 'archive/data/0', data: megabyte },
          { name: 'archive/data.pkl', data: pickle },
        ],
        60_000,
      ),
    },
    {
      kind: 'a pickle calling os.system',
      value: pthZipOf(
        new PickleWriter().global('os', 'system').str('touch /tmp/x').op('\x85').op('R').bytes(),
        storages,
      ),
    },
    { kind: 'data.pkl of 2 MiB of EMPTY_LIST', value: pthZipOf(emptyLists(2 * 2 ** 20), storages) },
    {
      kind: 'data.pkl of 512 KiB of EMPTY_LIST',
      value: pthZipOf(emptyLists(MAX_PICKLE_BYTES - 8), storages),
    },
    {
      kind: 'legacy pickles of 2 MiB of EMPTY_LIST',
      value: pthLegacyOf(emptyLists(2 * 2 ** 20), new Map()),
    },
    {
      kind: 'a zip directory claiming 65,535 entries',
      value: (() => {
        const zip = pthZipOf(pickle, storages);
        const view = new DataView(zip.buffer);
        view.setUint16(zip.length - 22 + 8, 0xffff, true);
        view.setUint16(zip.length - 22 + 10, 0xffff, true);
        return zip;
      })(),
    },
  ];
  return {
    name: 'PyTorch .pth',
    seeds,
    specials,
    mutate(seedBytes, rng) {
      const p = parts.get(seedBytes);
      if (!p || rng.uniform() < 0.5) return mutateBytes(seedBytes, rng);
      // The pickle alone, the container rebuilt around it: reaches the unpickler and the checks.
      const m = mutateBytes(p.pickle, rng);
      const value = p.legacy ? pthLegacyOf(m.value, p.storages) : pthZipOf(m.value, p.storages);
      return { value, kind: `pickle: ${m.kind}` };
    },
    feed: (file) => toy.trainer.importWeights(file, false),
    errors: [WeightsFileError, TrainerError],
    check: untouchedModel(toy, seeds[0].value),
    dispose: () => toy.trainer.dispose(),
  };
}
