/**
 * A strict reader for NumPy `.npy` files (format versions 1-3), for the CLI's `--images` and
 * `--labels`. Only little-endian float32/float64/int32/int64/uint8 in C order are accepted.
 * Ours because the strictness is the point: every header field, the body length and the int64
 * range are checked, each failure with its own message.
 */
export class NpyError extends Error {
  override name = 'NpyError';
}

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Values as doubles; int64 values beyond 2^53 are rejected rather than rounded. */
  values: Float64Array;
}

const DESCR: Record<string, { dtype: NpyDtype; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '|u1': { dtype: 'uint8', bytes: 1 },
};

/** Header text as a message quotes it: control characters as "?", at most 80 characters. */
function excerpt(text: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array, what = 'file'): NpyArray {
  if (bytes.length < 10 || NPY_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError(`${what} is not a .npy file (no \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`${what}: truncated header`);
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else {
    throw new NpyError(`${what}: unsupported .npy format version ${major}`);
  }
  if (offset + headerLen > bytes.length) throw new NpyError(`${what}: truncated header`);
  const header = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${what}: malformed header ${JSON.stringify(excerpt(header.trim()))}`);
  }
  const type = DESCR[descr];
  if (!type) {
    throw new NpyError(
      `${what}: dtype '${excerpt(descr)}' is not supported (use float32, float64, int32, int64 or uint8, little-endian)`,
    );
  }
  if (fortran === 'True')
    throw new NpyError(`${what}: Fortran-order arrays are not supported; save a C-order copy`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const d = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(d) || d < 0) throw new NpyError(`${what}: bad shape (${excerpt(shapeText)})`);
      return d;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;
  const expected = count * type.bytes;
  const available = bytes.length - dataStart;
  if (available < expected) {
    throw new NpyError(
      `${what}: truncated data: ${available} bytes for shape (${shape.join(', ')}), expected ${expected}`,
    );
  }
  if (available > expected)
    throw new NpyError(`${what}: ${available - expected} unexpected bytes after the data`);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * type.bytes;
    switch (type.dtype) {
      case 'float32':
        values[i] = view.getFloat32(at, true);
        break;
      case 'float64':
        values[i] = view.getFloat64(at, true);
        break;
      case 'int32':
        values[i] = view.getInt32(at, true);
        break;
      case 'int64': {
        const v = view.getBigInt64(at, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new NpyError(`${what}: int64 value ${v} at index ${i} is out of range`);
        }
        values[i] = Number(v);
        break;
      }
      case 'uint8':
        values[i] = bytes[at];
        break;
    }
  }
  return { dtype: type.dtype, shape, values };
}
