/** What the PNG signature and IHDR say, and which chunk types the file has. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  chunkTypes: Set<string>;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Reads the chunk layout without decompressing anything; throws on a malformed file. */
export function readPngHeader(png: Uint8Array): PngHeader {
  if (png.length < 33 || SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG file');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunkTypes = new Set<string>();
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    chunkTypes.add(String.fromCharCode(...png.subarray(offset + 4, offset + 8)));
    offset += 12 + length;
  }
  if (offset !== png.length || !chunkTypes.has('IEND')) throw new Error('PNG chunks are truncated');
  if (String.fromCharCode(...png.subarray(12, 16)) !== 'IHDR')
    throw new Error('PNG does not start with IHDR');
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: png[24],
    colorType: png[25],
    interlace: png[28],
    chunkTypes,
  };
}
