import { rgbaToRgb, type RgbImage } from '../data/pngDecoder.ts';

/**
 * Decodes with the browser's own PNG decoder (works in a worker). Colour management and alpha
 * premultiplication are turned off so the bytes are exactly those stored in the file; the shipped
 * sprites are opaque RGB without colour chunks, which keeps that exact.
 */
export async function decodePngInBrowser(png: Uint8Array): Promise<RgbImage> {
  const blob = new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('OffscreenCanvas 2d context is not available');
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, width, height).data;
    return { width, height, data: rgbaToRgb(rgba, width * height) };
  } finally {
    bitmap.close();
  }
}
