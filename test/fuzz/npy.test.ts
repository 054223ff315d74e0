/**
 * NumPy `.npy` files as the CLI reads them (`--images X.npy --labels Y.npy`): header dictionaries
 * rewritten (dtype, order, shape, header length) and byte mutations. Every case is refused with
 * an NpyError or CliError of its own, quoting at most a short printable excerpt of the header.
 */
import { describe, expect, it } from 'vitest';
import { NpyError, parseNpy } from '../../src/cli/npy.ts';
import { itFuzzes } from './ci.ts';
import { npyTarget } from './targets/npy.ts';

describe('fuzz: NumPy .npy', () => {
  it('quotes a malformed header as a short printable excerpt', () => {
    const header = `{'descr': '<f4', \u0001\u0002${'x'.repeat(5000)}}`;
    const bytes = new Uint8Array(10 + header.length);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(bytes.buffer).setUint16(8, header.length, true);
    bytes.set(new TextEncoder().encode(header), 10);
    expect(() => parseNpy(bytes, 'x.npy')).toThrow(NpyError);
    expect(() => parseNpy(bytes, 'x.npy')).toThrow(
      /^x\.npy: malformed header "\{'descr': '<f4', \?\?x{61}…"$/,
    );
  });

  itFuzzes('refuses every broken file with its own message', npyTarget, 300);
});
