/**
 * PyTorch `.pth` files (torch.save's zip and the legacy stream) into the page's Trainer: byte
 * mutations of the whole file and of its pickle alone, compressed and overlapping zip entries,
 * pickles past the size limit, a pickle naming os.system. Every case is refused with a
 * PthFileError (or the Trainer's mismatch error) of its own, the current model untouched.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PICKLE_BYTES, PthFileError, readPthWeights } from '../../src/sll/pth.ts';
import { itFuzzes } from './ci.ts';
import { pthParts, pthZipOf, zipArchive } from './seeds.ts';
import { pthTarget } from './targets/weights.ts';
import { toyConfig } from '../helpers/toyData.ts';
import { initialParams } from '../../src/sll/init.ts';

function refusal(bytes: Uint8Array): string {
  try {
    readPthWeights(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(PthFileError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('fuzz: PyTorch .pth', () => {
  const arch = toyConfig().arch;
  const { pickle, storages } = pthParts(arch, initialParams(arch, 1));

  it('refuses compressed entries, entries that overlap, and pickles past the limit, by name', () => {
    const deflated = zipArchive([{ name: 'archive/data.pkl', data: pickle, deflate: true }]);
    expect(refusal(deflated)).toMatch(/archive\/data\.pkl is compressed \(method 8\); torch\.save stores/);
    const overlapping = zipArchive([{ name: 'archive/data/0', data: new Uint8Array(2 ** 20) }], 60_000);
    expect(refusal(overlapping)).toMatch(/entries claim more bytes than the file has/);
    const big = pthZipOf(new Uint8Array(MAX_PICKLE_BYTES + 1).fill(0x5d), storages);
    expect(refusal(big)).toMatch(/data\.pkl holds 524289 bytes, more than the 524288/);
  });

  it("words a pickle whose opcodes build nonsense in the lab's terms, not the engine's", () => {
    // SETITEM on a list: pickleparser's TypeError ("dict.set is not a function") stays inside.
    const nonsense = Uint8Array.from([
      0x80,
      0x02,
      ...[']', 'K', 1, 'K', 2, 's', '.'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0))),
    ]);
    expect(refusal(pthZipOf(nonsense, storages))).toBe(
      'not a readable pickle: its opcodes do not build a valid object (the file is damaged)',
    );
  });

  itFuzzes('refuses every broken file with its own message, the current model untouched', pthTarget, 300);
});
