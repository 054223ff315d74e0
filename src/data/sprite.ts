import type { RgbImage } from './pngDecoder.ts';

/**
 * A sprite stores image i as row i with pixel (h, w) at column h*S + w, so each decoded RGB row is
 * already the image in H, W, C order and the whole buffer is N, H, W, C. This only checks that the
 * sprite has that shape.
 */
export function spriteImages(sprite: RgbImage, count: number, imageSize: number, name: string): Uint8Array {
  const width = imageSize * imageSize;
  if (sprite.width !== width || sprite.height !== count) {
    throw new Error(
      `${name} is ${sprite.width}x${sprite.height}, expected ${width}x${count} (one ${imageSize}x${imageSize} image per row)`,
    );
  }
  if (sprite.data.length !== count * width * 3) {
    throw new Error(`${name} decoded to ${sprite.data.length} bytes, expected ${count * width * 3}`);
  }
  return sprite.data;
}
