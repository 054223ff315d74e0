import * as tf from '@tensorflow/tfjs';
import type { ColorJitterParams } from '../sll/augmentParams.ts';
import { gatherRows } from './gatherRows.ts';

/*
 * torchvision's tensor definitions (transforms/_functional_tensor.py) on [B, H, W, 3] float
 * images in [0, 1], with one factor per image instead of one per call.
 *
 * The work is done on separate red, green and blue planes ([B, H, W] each): splitting,
 * concatenating and broadcasting along a last axis of 3 are the slowest kernels on the wasm and
 * cpu backends, while ops between planes of one shape are fast everywhere. Each value still comes
 * from the same float32 operations in the same order as in the channels-last formulas, so a seeded
 * run augments its images bit for bit as before.
 */

type Planes = [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];

/** The planes of images imageOrder[0], imageOrder[1], ... of a [B, H, W, 3] batch. */
function toPlanes(images: tf.Tensor4D, imageOrder: Int32Array | null): Planes {
  return tf.tidy(() => {
    const [batch, height, width, channels] = images.shape;
    const rows = images.reshape([batch, height * width * channels]) as tf.Tensor2D;
    const ordered = imageOrder ? gatherRows(rows, imageOrder) : rows;
    const planes = tf.unstack(ordered.reshape([batch * height * width, channels]).transpose());
    return planes.map((plane) => plane.reshape([batch, height, width])) as Planes;
  });
}

/** Inverse of toPlanes: the [B, H, W, 3] batch whose image imageOrder[i] is image i of the planes. */
function fromPlanes(planes: Planes, imageOrder: Int32Array | null): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width] = planes[0].shape;
    const pixels = tf.stack(planes.map((plane) => plane.reshape([-1]))).transpose();
    const rows = pixels.reshape([batch, height * width * 3]) as tf.Tensor2D;
    let restored = rows;
    if (imageOrder) {
      const inverse = new Int32Array(batch);
      imageOrder.forEach((image, position) => (inverse[image] = position));
      restored = gatherRows(rows, inverse);
    }
    return restored.reshape([batch, height, width, 3]) as tf.Tensor4D;
  });
}

function withPlanes(images: tf.Tensor4D, transform: (planes: Planes) => Planes): tf.Tensor4D {
  return tf.tidy(() => fromPlanes(transform(toPlanes(images, null)), null));
}

/** ITU-R 601-2 luma, as torchvision's rgb_to_grayscale. */
function grayscale([r, g, b]: Planes): tf.Tensor3D {
  return tf.tidy(() => r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)) as tf.Tensor3D);
}

/** torchvision _blend, clamp(f * a + (1 - f) * target, 0, 1), with bias = (1 - f) * target. */
function blend(planes: Planes, f: tf.Tensor, bias: tf.Tensor): Planes {
  return tf.tidy(() => planes.map((a) => tf.clipByValue(f.mul(a).add(bias), 0, 1)) as Planes);
}

function perImage(factors: tf.Tensor1D): tf.Tensor3D {
  return factors.reshape([-1, 1, 1]);
}

/** Blends every image towards its target: black, its mean grey level or each pixel's grey level. */
function blendTowards(
  images: tf.Tensor4D,
  factors: tf.Tensor1D,
  target: (planes: Planes) => tf.Tensor,
): tf.Tensor4D {
  return withPlanes(images, (planes) => {
    const f = perImage(factors);
    return blend(planes, f, tf.scalar(1).sub(f).mul(target(planes)));
  });
}

export function adjustBrightness(images: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return blendTowards(images, factors, (planes) => tf.zerosLike(planes[0]));
}

/** Blends towards the mean grey level of each image. */
export function adjustContrast(images: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return blendTowards(images, factors, (planes) => grayscale(planes).mean([1, 2], true));
}

/** Blends towards each pixel's own grey level. */
export function adjustSaturation(images: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return blendTowards(images, factors, grayscale);
}

/**
 * torchvision _rgb2hsv. torchvision sums the three hue candidates times their 0/1 masks; choosing
 * with where gives the same values, as the masked-out terms are +0 or -0 and the chosen one is not.
 */
function rgbToHsv([r, g, b]: Planes): Planes {
  return tf.tidy(() => {
    const maxc = tf.maximum(tf.maximum(r, g), b);
    const minc = tf.minimum(tf.minimum(r, g), b);
    const eqc = maxc.equal(minc);
    const cr = maxc.sub(minc);
    const ones = tf.onesLike(maxc);
    const s = cr.div(tf.where(eqc, ones, maxc));
    const crDivisor = tf.where(eqc, ones, cr);
    const rc = maxc.sub(r).div(crDivisor);
    const gc = maxc.sub(g).div(crDivisor);
    const bc = maxc.sub(b).div(crDivisor);
    const hue = tf.where(
      maxc.equal(r),
      bc.sub(gc),
      tf.where(maxc.equal(g), rc.sub(bc).add(2), gc.sub(rc).add(4)),
    );
    const h = tf.mod(hue.div(6).add(1), 1);
    return [h, s, maxc] as Planes;
  });
}

/**
 * torchvision _hsv2rgb: picks (r, g, b) from (v, p, q, t) by the hue sector. torchvision sums
 * one-hot masked candidates; choosing with where gives the same values, as the other terms are 0.
 */
function hsvToRgb([h, s, v]: Planes): Planes {
  return tf.tidy(() => {
    const h6 = h.mul(6);
    const sector = tf.floor(h6);
    const f = h6.sub(sector);
    const i = tf.mod(sector.cast('int32'), tf.scalar(6, 'int32'));
    const p = tf.clipByValue(v.mul(tf.scalar(1).sub(s)), 0, 1);
    const q = tf.clipByValue(v.mul(tf.scalar(1).sub(s.mul(f))), 0, 1);
    const t = tf.clipByValue(v.mul(tf.scalar(1).sub(s.mul(tf.scalar(1).sub(f)))), 0, 1);
    const is = [0, 1, 2, 3, 4, 5].map((k) => i.equal(k));
    // Sectors 0..5 give r = (v, q, p, p, t, v), g = (t, v, v, q, p, p), b = (p, p, t, v, v, q).
    const pick = (vSectors: [number, number], qSector: number, tSector: number) =>
      tf.where(
        is[vSectors[0]].logicalOr(is[vSectors[1]]),
        v,
        tf.where(is[qSector], q, tf.where(is[tSector], t, p)),
      );
    return [pick([0, 5], 1, 4), pick([1, 2], 3, 0), pick([3, 4], 5, 2)] as Planes;
  });
}

/** Rotates the hue by shift turns (per image or per pixel). */
function rotateHue(planes: Planes, shift: tf.Tensor): Planes {
  return tf.tidy(() => {
    const [h, s, v] = rgbToHsv(planes);
    return hsvToRgb([tf.mod(h.add(shift), 1) as tf.Tensor3D, s, v]);
  });
}

/** Rotates the hue of each image by shifts[i] turns (torchvision adjust_hue, hue_factor in [-0.5, 0.5]). */
export function adjustHue(images: tf.Tensor4D, shifts: tf.Tensor1D): tf.Tensor4D {
  return withPlanes(images, (planes) => rotateHue(planes, perImage(shifts)));
}

const HUE = 3;

function slicePlanes(planes: Planes, begin: number, size: number): Planes {
  return planes.map((plane) => plane.slice(begin, size)) as Planes;
}

/**
 * torchvision ColorJitter with each image's own factors and own order. Brightness, contrast and
 * saturation are all blends, so one blend with per-pixel factor and bias tensors serves every
 * image at each step. The hue rotation, by far the costliest, runs only on the images whose step
 * it is: the batch is sorted by the step of its hue rotation, which makes those images one slice.
 */
export function colorJitter(images: tf.Tensor4D, params: ColorJitterParams): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width] = images.shape;
    const pixels = height * width;
    const hueStep = (image: number) => params.order.subarray(4 * image, 4 * image + 4).indexOf(HUE);
    const sorted = new Int32Array(batch);
    const hueStart = [0, 0, 0, 0, 0];
    for (let step = 0, position = 0; step < 4; step++) {
      hueStart[step] = position;
      for (let image = 0; image < batch; image++) if (hueStep(image) === step) sorted[position++] = image;
      hueStart[step + 1] = position;
    }

    let planes = toPlanes(images, sorted);
    for (let step = 0; step < 4; step++) {
      // Per pixel, so that no op broadcasts: f, the saturation weight (1 - f) and the hue shift;
      // per image, the contrast weight (1 - f), which multiplies the image's mean grey level.
      const f = new Float32Array(batch * pixels).fill(1);
      const saturationWeight = new Float32Array(batch * pixels);
      const contrastWeight = new Float32Array(batch);
      const shift = new Float32Array((hueStart[step + 1] - hueStart[step]) * pixels);
      sorted.forEach((image, position) => {
        const pixelRange = [position * pixels, (position + 1) * pixels] as const;
        const op = params.order[4 * image + step];
        if (op === 0) f.fill(params.brightness[image], ...pixelRange);
        if (op === 1) {
          f.fill(params.contrast[image], ...pixelRange);
          contrastWeight[position] = 1 - params.contrast[image];
        }
        if (op === 2) {
          f.fill(params.saturation[image], ...pixelRange);
          saturationWeight.fill(1 - params.saturation[image], ...pixelRange);
        }
        if (op === HUE) {
          const offset = (position - hueStart[step]) * pixels;
          shift.fill(params.hue[image], offset, offset + pixels);
        }
      });
      const shape: [number, number, number] = [batch, height, width];
      const gray = grayscale(planes);
      const contrastBias = tf.tensor2d(contrastWeight, [batch, 1]).mul(gray.mean([1, 2]).reshape([batch, 1]));
      // A product with ones copies each image's value to its pixels exactly, where a broadcasting
      // add would take the cpu backend's slow generic path.
      const bias = tf
        .tensor3d(saturationWeight, shape)
        .mul(gray)
        .add(contrastBias.matMul(tf.ones([1, pixels])).reshape(shape));
      const blended = blend(planes, tf.tensor3d(f, shape), bias);

      const [start, end] = [hueStart[step], hueStart[step + 1]];
      if (start === end) {
        planes = blended;
        continue;
      }
      const rotated = rotateHue(
        slicePlanes(planes, start, end - start),
        tf.tensor3d(shift, [end - start, height, width]),
      );
      planes = blended.map((plane, c) => {
        const parts = [rotated[c]];
        if (start > 0) parts.unshift(plane.slice(0, start));
        if (end < batch) parts.push(plane.slice(end, batch - end));
        return tf.concat(parts);
      }) as Planes;
    }
    return fromPlanes(planes, sorted);
  });
}
