import { NPY_MAGIC } from '../../src/cli/npy.ts';

/** Writes a little-endian float32, float64 or int32 `.npy` (version 1): inputs for the CLI's tests. */
export function encodeNpy(
  values: ArrayLike<number>,
  shape: number[],
  dtype: 'float32' | 'int32' | 'float64',
): Uint8Array {
  const descr = { float32: '<f4', int32: '<i4', float64: '<f8' }[dtype];
  const size = dtype === 'float64' ? 8 : 4;
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set(NPY_MAGIC);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const base = 10 + header.length;
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'float32') view.setFloat32(base + 4 * i, values[i], true);
    else if (dtype === 'float64') view.setFloat64(base + 8 * i, values[i], true);
    else view.setInt32(base + 4 * i, values[i], true);
  }
  return out;
}
