import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sll/rng.ts';
import { applyAugment, augmentBatch, cropWithPadding, flipHorizontally } from '../../src/data/augment.ts';
import { NO_AUGMENT, OFFICIAL_AUGMENT, sampleAugmentParams } from '../../src/sll/augmentParams.ts';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  colorJitter,
} from '../../src/data/colorJitter.ts';

// Each transform is checked against a direct per-pixel computation in float64 on a small batch.
const B = 3;
const H = 5;
const W = 6;
const TOLERANCE = 2e-6;

type Pixel = [number, number, number];
type Image = Pixel[][];

function uniform(seed: number) {
  const rng = createRng(seed);
  return () => rng.uniform();
}

/** Random float32 pixels, with some grey pixels and ties between channels for the hue edge cases. */
function sampleImages(seed: number): Image[] {
  const random = uniform(seed);
  return Array.from({ length: B }, () =>
    Array.from({ length: H }, (_, y) =>
      Array.from({ length: W }, (_, x): Pixel => {
        const p: Pixel = [random(), random(), random()].map(Math.fround) as Pixel;
        if (x === 0 && y === 0) return [p[0], p[0], p[0]];
        if (x === 1 && y === 0) return [p[0], p[0], p[2] * p[0]];
        if (x === 2 && y === 0) return [p[1] * p[0], p[0], p[0]];
        if (x === 3 && y === 0) return [0, 0, 0];
        return p;
      }),
    ),
  );
}

const toTensor = (images: Image[]) => tf.tensor4d(images.flat(3), [images.length, H, W, 3]);

function expectClose(actual: tf.Tensor, expected: Image[]): void {
  expect(actual.shape).toEqual([expected.length, H, W, 3]);
  const got = actual.dataSync();
  const want = expected.flat(3);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThan(TOLERANCE);
}

const clamp = (v: number) => Math.min(1, Math.max(0, v));
const gray = ([r, g, b]: Pixel) => 0.2989 * r + 0.587 * g + 0.114 * b;
const mapPixels = (image: Image, f: (p: Pixel) => Pixel) => image.map((row) => row.map(f));

function brightness(image: Image, factor: number): Image {
  return mapPixels(image, (p) => p.map((v) => clamp(factor * v)) as Pixel);
}

function contrast(image: Image, factor: number): Image {
  const mean = image.flat().reduce((sum, p) => sum + gray(p), 0) / (H * W);
  return mapPixels(image, (p) => p.map((v) => clamp(factor * v + (1 - factor) * mean)) as Pixel);
}

function saturation(image: Image, factor: number): Image {
  return mapPixels(image, (p) => p.map((v) => clamp(factor * v + (1 - factor) * gray(p))) as Pixel);
}

// The textbook HSV conversion (as Python's colorsys), written independently of the tensor code.
function rgbToHsv([r, g, b]: Pixel): Pixel {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return [0, 0, max];
  const d = max - min;
  const [rc, gc, bc] = [(max - r) / d, (max - g) / d, (max - b) / d];
  const h = r === max ? bc - gc : g === max ? 2 + rc - bc : 4 + gc - rc;
  return [(((h / 6) % 1) + 1) % 1, d / max, max];
}

function hsvToRgb([h, s, v]: Pixel): Pixel {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  return (
    [
      [v, t, p],
      [q, v, p],
      [p, v, t],
      [p, q, v],
      [t, p, v],
      [v, p, q],
    ] as Pixel[]
  )[((i % 6) + 6) % 6];
}

function hue(image: Image, shift: number): Image {
  return mapPixels(image, (p) => {
    const [h, s, v] = rgbToHsv(p);
    return hsvToRgb([(((h + shift) % 1) + 1) % 1, s, v]);
  });
}

function reflect(i: number, n: number): number {
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

describe('augmentation transforms', () => {
  const images = sampleImages(1);

  it('crops with reflect padding at the given offsets', () => {
    const padding = 3;
    const cropY = Int32Array.from([0, 6, 2]);
    const cropX = Int32Array.from([6, 0, 4]);
    const expected = images.map((image, b) =>
      Array.from({ length: H }, (_, y) =>
        Array.from(
          { length: W },
          (_, x) => image[reflect(cropY[b] + y - padding, H)][reflect(cropX[b] + x - padding, W)],
        ),
      ),
    );
    const x = toTensor(images);
    expectClose(cropWithPadding(x, padding, cropY, cropX), expected);
    // Offset (padding, padding) is the identity.
    expectClose(cropWithPadding(x, padding, new Int32Array(B).fill(3), new Int32Array(B).fill(3)), images);
  });

  it('flips left-right only the flagged images', () => {
    const flags = Uint8Array.from([1, 0, 1]);
    const expected = images.map((image, b) => (flags[b] ? image.map((row) => [...row].reverse()) : image));
    expectClose(flipHorizontally(toTensor(images), flags), expected);
  });

  const factors = [0.5, 1.7, 0.93];
  it.each([
    ['brightness', adjustBrightness, brightness, factors],
    ['contrast', adjustContrast, contrast, factors],
    ['saturation', adjustSaturation, saturation, [0.3, 2, 1.2]],
    ['hue', adjustHue, hue, [-0.02, 0.3, 0.5]],
  ] as const)('adjusts %s per image like torchvision', (_, transform, reference, perImage) => {
    const result = transform(toTensor(images), tf.tensor1d(perImage.map(Math.fround)));
    expectClose(
      result,
      images.map((image, b) => reference(image, Math.fround(perImage[b]))),
    );
  });

  it('applies the four colour adjustments in each image’s own order', () => {
    const params = {
      order: Int32Array.from([0, 1, 2, 3, 3, 2, 1, 0, 2, 0, 3, 1]),
      brightness: Float32Array.from([0.9, 1.1, 1.05]),
      contrast: Float32Array.from([0.5, 2, 1.3]),
      saturation: Float32Array.from([0.3, 2, 0.8]),
      hue: Float32Array.from([0.02, -0.02, 0.01]),
    };
    const steps = [
      (im: Image, b: number) => brightness(im, params.brightness[b]),
      (im: Image, b: number) => contrast(im, params.contrast[b]),
      (im: Image, b: number) => saturation(im, params.saturation[b]),
      (im: Image, b: number) => hue(im, params.hue[b]),
    ];
    const expected = images.map((image, b) =>
      Array.from(params.order.subarray(4 * b, 4 * b + 4)).reduce((im, op) => steps[op](im, b), image),
    );
    expectClose(colorJitter(toTensor(images), params), expected);
  });

  it('jitters every image alike whatever the rest of its batch, for all 24 orders', () => {
    // colorJitter regroups the batch by the step of each image's hue rotation.
    const many = Array.from({ length: 8 }, (_, seed) => sampleImages(10 + seed)).flat();
    const random = uniform(4);
    const permutations = (rest: number[]): number[][] =>
      rest.length === 0
        ? [[]]
        : rest.flatMap((op) => permutations(rest.filter((o) => o !== op)).map((tail) => [op, ...tail]));
    const orders = permutations([0, 1, 2, 3]);
    expect(orders.length).toBe(many.length);
    const draw = (low: number, high: number) => Float32Array.from(many, () => low + (high - low) * random());
    const params = {
      order: Int32Array.from(orders.flat()),
      brightness: draw(0.9, 1.1),
      contrast: draw(0.5, 2),
      saturation: draw(0.3, 2),
      hue: draw(-0.5, 0.5),
    };
    const steps = [
      (im: Image, b: number) => brightness(im, params.brightness[b]),
      (im: Image, b: number) => contrast(im, params.contrast[b]),
      (im: Image, b: number) => saturation(im, params.saturation[b]),
      (im: Image, b: number) => hue(im, params.hue[b]),
    ];
    const batch = colorJitter(toTensor(many), params);
    expectClose(
      batch,
      many.map((image, b) => orders[b].reduce((im, op) => steps[op](im, b), image)),
    );
    const values = batch.dataSync();
    const imageSize = H * W * 3;
    many.forEach((image, b) => {
      const one = (a: Int32Array | Float32Array, width: number) => a.slice(width * b, width * (b + 1));
      const alone = colorJitter(toTensor([image]), {
        order: one(params.order, 4) as Int32Array,
        brightness: one(params.brightness, 1) as Float32Array,
        contrast: one(params.contrast, 1) as Float32Array,
        saturation: one(params.saturation, 1) as Float32Array,
        hue: one(params.hue, 1) as Float32Array,
      });
      expect(alone.dataSync()).toEqual(values.slice(imageSize * b, imageSize * (b + 1)));
    });
  });

  it('refuses reflect padding as large as the image', () => {
    const none = new Int32Array(B);
    expect(() => cropWithPadding(toTensor(images), H, none, none)).toThrow(/reflect padding/);
  });
});

describe('augmentBatch', () => {
  it('draws parameters in torchvision’s ranges, reproducibly from the seed', () => {
    const params = sampleAugmentParams(2000, OFFICIAL_AUGMENT, uniform(3));
    expect(sampleAugmentParams(2000, OFFICIAL_AUGMENT, uniform(3))).toEqual(params);
    const range = (a: ArrayLike<number>) => [Math.min(...Array.from(a)), Math.max(...Array.from(a))];
    expect(range(params.cropY)).toEqual([0, 8]);
    expect(range(params.cropX)).toEqual([0, 8]);
    const flips = params.flip.reduce((sum, f) => sum + f, 0);
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
    const jitter = params.jitter!;
    const [bLow, bHigh] = range(jitter.brightness);
    expect(bLow).toBeGreaterThanOrEqual(Math.fround(0.9));
    expect(bHigh).toBeLessThanOrEqual(Math.fround(1.1));
    expect(range(jitter.contrast)[0]).toBeGreaterThanOrEqual(0.5);
    expect(range(jitter.saturation)[1]).toBeLessThanOrEqual(2);
    expect(Math.max(...Array.from(jitter.hue, Math.abs))).toBeLessThanOrEqual(Math.fround(0.02));
    for (let i = 0; i < 2000; i++) {
      expect(Array.from(jitter.order.subarray(4 * i, 4 * i + 4)).sort()).toEqual([0, 1, 2, 3]);
    }
    expect(
      new Set(Array.from({ length: 2000 }, (_, i) => jitter.order.subarray(4 * i, 4 * i + 4).join())).size,
    ).toBe(24);
  });

  it('composes crop, flip and jitter, is seeded, can be switched off, and frees its tensors', () => {
    const x = tf.tensor4d(sampleImages(2).flat(3), [B, H, W, 3]);
    const before = tf.memory().numTensors;
    const a = augmentBatch(x, OFFICIAL_AUGMENT, uniform(9));
    const b = augmentBatch(x, OFFICIAL_AUGMENT, uniform(9));
    const c = augmentBatch(x, OFFICIAL_AUGMENT, uniform(10));
    expect(a.dataSync()).toEqual(b.dataSync());
    expect(a.dataSync()).not.toEqual(c.dataSync());
    const values = a.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);

    const params = sampleAugmentParams(B, OFFICIAL_AUGMENT, uniform(9));
    const cropped = cropWithPadding(x, 4, params.cropY, params.cropX);
    const flipped = flipHorizontally(cropped, params.flip);
    const jittered = colorJitter(flipped, params.jitter!);
    expect(a.dataSync()).toEqual(jittered.dataSync());
    const applied = applyAugment(x, OFFICIAL_AUGMENT, params);
    expect(applied.dataSync()).toEqual(jittered.dataSync());

    const off = augmentBatch(x, NO_AUGMENT, uniform(9));
    expect(off.dataSync()).toEqual(x.dataSync());
    tf.dispose([a, b, c, cropped, flipped, jittered, applied, off]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
