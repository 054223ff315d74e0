import * as tf from '@tensorflow/tfjs';

/*
 * torchvision's tensor definitions (transforms/_functional_tensor.py) on [B, H, W, 3] float
 * images in [0, 1], with one factor per image ([B] tensors) instead of one per call.
 */

/** ITU-R 601-2 luma, as torchvision's rgb_to_grayscale: [B, H, W, 1]. */
export function grayscale(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [r, g, b] = tf.split(images, 3, 3);
    return r.mul(0.2989).add(g.mul(0.587)).add(b.mul(0.114)) as tf.Tensor4D;
  });
}

function perImage(factors: tf.Tensor1D): tf.Tensor4D {
  return factors.reshape([-1, 1, 1, 1]);
}

/** Image i of the result is a[i] where chosen[i] is true, else b[i]. */
export function selectImages(chosen: tf.Tensor1D, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  // tf.where does not broadcast a per-image condition on every backend, so it is spelled out.
  return tf.tidy(() => tf.where(chosen.reshape([-1, 1, 1, 1]).broadcastTo(a.shape), a, b) as tf.Tensor4D);
}

/** torchvision _blend: clamp(f * a + (1 - f) * b, 0, 1). */
function blend(a: tf.Tensor4D, b: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const f = perImage(factors);
    return tf.clipByValue(f.mul(a).add(tf.scalar(1).sub(f).mul(b)), 0, 1) as tf.Tensor4D;
  });
}

export function adjustBrightness(images: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => blend(images, tf.zerosLike(images), factors));
}

/** Blends towards the mean grey level of each image. */
export function adjustContrast(images: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => blend(images, grayscale(images).mean([1, 2, 3], true), factors));
}

/** Blends towards each pixel's own grey level. */
export function adjustSaturation(images: tf.Tensor4D, factors: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => blend(images, grayscale(images), factors));
}

/** torchvision _rgb2hsv, channels last. */
export function rgbToHsv(images: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const [r, g, b] = tf.split(images, 3, 3) as tf.Tensor4D[];
    const maxc = images.max(3, true);
    const minc = images.min(3, true);
    const eqc = maxc.equal(minc);
    const cr = maxc.sub(minc);
    const ones = tf.onesLike(maxc);
    const s = cr.div(tf.where(eqc, ones, maxc));
    const crDivisor = tf.where(eqc, ones, cr);
    const rc = maxc.sub(r).div(crDivisor);
    const gc = maxc.sub(g).div(crDivisor);
    const bc = maxc.sub(b).div(crDivisor);
    const isR = maxc.equal(r);
    const isG = maxc.equal(g).logicalAnd(isR.logicalNot());
    const isB = maxc.notEqual(g).logicalAnd(isR.logicalNot());
    const hr = isR.cast('float32').mul(bc.sub(gc));
    const hg = isG.cast('float32').mul(rc.sub(bc).add(2));
    const hb = isB.cast('float32').mul(gc.sub(rc).add(4));
    const h = tf.mod(hr.add(hg).add(hb).div(6).add(1), 1);
    return [h, s, maxc] as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
}

/** torchvision _hsv2rgb, channels last: picks (r, g, b) from (v, p, q, t) by the hue sector. */
export function hsvToRgb(h: tf.Tensor4D, s: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const h6 = h.mul(6);
    const sector = tf.floor(h6);
    const f = h6.sub(sector);
    const i = tf.mod(sector.cast('int32'), tf.scalar(6, 'int32'));
    const p = tf.clipByValue(v.mul(tf.scalar(1).sub(s)), 0, 1);
    const q = tf.clipByValue(v.mul(tf.scalar(1).sub(s.mul(f))), 0, 1);
    const t = tf.clipByValue(v.mul(tf.scalar(1).sub(s.mul(tf.scalar(1).sub(f)))), 0, 1);
    const mask = tf.oneHot(i.squeeze([3]), 6).cast('float32'); // [B, H, W, 6]
    const pick = (order: tf.Tensor[]) => tf.concat(order, 3).mul(mask).sum(3, true);
    const r = pick([v, q, p, p, t, v]);
    const g = pick([t, v, v, q, p, p]);
    const b = pick([p, p, t, v, v, q]);
    return tf.concat([r, g, b], 3) as tf.Tensor4D;
  });
}

/** Rotates the hue of each image by shifts[i] turns (torchvision adjust_hue, hue_factor in [-0.5, 0.5]). */
export function adjustHue(images: tf.Tensor4D, shifts: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const [h, s, v] = rgbToHsv(images);
    return hsvToRgb(tf.mod(h.add(perImage(shifts)), 1) as tf.Tensor4D, s, v);
  });
}

export interface ColorJitterParams {
  /** For image i, order[4*i + k] is the adjustment applied k-th: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
  order: Int32Array;
  brightness: Float32Array;
  contrast: Float32Array;
  saturation: Float32Array;
  hue: Float32Array;
}

/**
 * torchvision ColorJitter with each image's own factors and own order. Every adjustment is
 * computed for the whole batch at every step and each image keeps the one its order names, so the
 * batch stays a handful of tensor ops.
 */
export function colorJitter(images: tf.Tensor4D, params: ColorJitterParams): tf.Tensor4D {
  return tf.tidy(() => {
    const batch = images.shape[0];
    const order = tf.tensor2d(params.order, [batch, 4], 'int32');
    const factors = {
      brightness: tf.tensor1d(params.brightness),
      contrast: tf.tensor1d(params.contrast),
      saturation: tf.tensor1d(params.saturation),
      hue: tf.tensor1d(params.hue),
    };
    let x = images;
    for (let step = 0; step < 4; step++) {
      const which = order.slice([0, step], [batch, 1]).reshape([batch]);
      const choose = (op: number, adjusted: tf.Tensor4D, otherwise: tf.Tensor4D) =>
        selectImages(which.equal(op), adjusted, otherwise);
      x = choose(
        0,
        adjustBrightness(x, factors.brightness),
        choose(
          1,
          adjustContrast(x, factors.contrast),
          choose(2, adjustSaturation(x, factors.saturation), adjustHue(x, factors.hue)),
        ),
      );
    }
    return x;
  });
}
