/** Decoded pixels of an 8-bit RGB image, row-major, three bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Turns PNG bytes into exact RGB bytes. The browser and Node have different decoders; the loader
 * takes whichever it is given.
 */
export type PngDecoder = (png: Uint8Array) => Promise<RgbImage>;

/** Drops the alpha byte of RGBA pixels. */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0, q = 0; p < pixels * 4; p += 4, q += 3) {
    rgb[q] = rgba[p];
    rgb[q + 1] = rgba[p + 1];
    rgb[q + 2] = rgba[p + 2];
  }
  return rgb;
}
