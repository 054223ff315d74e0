import { decode } from 'fast-png';
import { rgbaToRgb, type RgbImage } from '../data/pngDecoder.ts';

/** Decodes in plain JavaScript (fast-png), for Node where there is no createImageBitmap. */
export async function decodePngInNode(png: Uint8Array): Promise<RgbImage> {
  const image = decode(png);
  if (image.depth !== 8 || image.palette) {
    throw new Error(
      `expected an 8-bit truecolour PNG, got depth ${image.depth}${image.palette ? ' with a palette' : ''}`,
    );
  }
  if (image.channels === 3)
    return { width: image.width, height: image.height, data: image.data as Uint8Array };
  if (image.channels === 4) {
    const rgb = rgbaToRgb(image.data as Uint8Array, image.width * image.height);
    return { width: image.width, height: image.height, data: rgb };
  }
  throw new Error(`expected an RGB or RGBA PNG, got ${image.channels} channels`);
}
