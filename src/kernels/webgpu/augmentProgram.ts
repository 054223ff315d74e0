/**
 * The training augmentation (src/data/augment.ts: reflect-padded crop, flip, then torchvision's
 * ColorJitter with each image's own order and factors) of a whole batch in one WGSL program, where
 * the tfjs ops take dozens, some on slices whose size changes from batch to batch (each new size a
 * new shader). One workgroup per image keeps the image's pixels in registers; the contrast step's
 * mean grey level is a reduction in workgroup memory.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentParams } from '../../sll/augmentParams.ts';
import { type WgslProgram, runProgram, wgslFloat } from './program.ts';

const THREADS = 256;

/** Per image: cropY, cropX, flip, the four steps' adjustments (-1: none), then the four factors. */
const FIELDS = 11;

/** ITU-R 601-2 luma and the blend of torchvision's _functional_tensor.py, in tfjs's order of operations. */
const HELPERS = `
  fn reflectIndex(i : i32, n : i32) -> i32 {
    if (i < 0) { return -i; }
    if (i >= n) { return 2 * (n - 1) - i; }
    return i;
  }
  fn gray(p : vec3<f32>) -> f32 {
    return p.x * 0.2989 + p.y * 0.587 + p.z * 0.114;
  }
  fn unitMod(x : f32) -> f32 {
    let r = x - floor(x);
    return select(r, 0.0, r >= 1.0);
  }
  fn rotateHue(p : vec3<f32>, shift : f32) -> vec3<f32> {
    let maxc = max(max(p.x, p.y), p.z);
    let minc = min(min(p.x, p.y), p.z);
    let eqc = maxc == minc;
    let cr = maxc - minc;
    let s = cr / select(maxc, 1.0, eqc);
    let divisor = select(cr, 1.0, eqc);
    let rc = (maxc - p.x) / divisor;
    let gc = (maxc - p.y) / divisor;
    let bc = (maxc - p.z) / divisor;
    var hue = gc - rc + 4.0;
    if (maxc == p.x) { hue = bc - gc; } else if (maxc == p.y) { hue = rc - bc + 2.0; }
    let h = unitMod(unitMod(hue / 6.0 + 1.0) + shift);
    let h6 = h * 6.0;
    let sector = floor(h6);
    let f = h6 - sector;
    let i = i32(sector) % 6;
    let v = maxc;
    let pv = clamp(v * (1.0 - s), 0.0, 1.0);
    let qv = clamp(v * (1.0 - s * f), 0.0, 1.0);
    let tv = clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0);
    // Sectors 0..5 give r = (v, q, p, p, t, v), g = (t, v, v, q, p, p), b = (p, p, t, v, v, q).
    var rgb = vec3<f32>(pv, pv, pv);
    if (i == 0 || i == 5) { rgb.x = v; } else if (i == 1) { rgb.x = qv; } else if (i == 4) { rgb.x = tv; }
    if (i == 1 || i == 2) { rgb.y = v; } else if (i == 3) { rgb.y = qv; } else if (i == 0) { rgb.y = tv; }
    if (i == 3 || i == 4) { rgb.z = v; } else if (i == 5) { rgb.z = qv; } else if (i == 2) { rgb.z = tv; }
    return rgb;
  }
  var<workgroup> partial : array<f32, ${THREADS}>;`;

function augmentProgram(batch: number, height: number, width: number, padding: number): WgslProgram {
  const pixels = height * width;
  const perThread = Math.ceil(pixels / THREADS);
  return {
    variableNames: ['images', 'draws'],
    outputShape: [batch, height, width, 3],
    shaderKey: `sll_augment_${height}_${width}_${padding}`,
    dispatchLayout: { x: [0, 1, 2, 3] },
    dispatch: [batch, 1, 1],
    workgroupSize: [THREADS, 1, 1],
    size: true,
    getUserCode: () => `
      ${HELPERS}
      fn main(index : i32) {
        let image = i32(workgroupId.x);
        let local = i32(localIndex);
        let d = image * ${FIELDS};
        let cropY = i32(draws[d]);
        let cropX = i32(draws[d + 1]);
        let flip = draws[d + 2] > 0.5;
        var px : array<vec3<f32>, ${perThread}>;
        for (var k = 0; k < ${perThread}; k++) {
          let p = local + k * ${THREADS};
          if (p < ${pixels}) {
            let y = p / ${width};
            let x = p % ${width};
            let column = select(x, ${width - 1} - x, flip);
            let sy = reflectIndex(cropY + y - ${padding}, ${height});
            let sx = reflectIndex(cropX + column - ${padding}, ${width});
            let source = ((image * ${height} + sy) * ${width} + sx) * 3;
            px[k] = vec3<f32>(images[source], images[source + 1], images[source + 2]);
          }
        }
        for (var stage = 0; stage < 4; stage++) {
          // The image's mean grey level, for a contrast step (computed at every step: a barrier
          // may not depend on data).
          var sum = 0.0;
          for (var k = 0; k < ${perThread}; k++) {
            if (local + k * ${THREADS} < ${pixels}) { sum += gray(px[k]); }
          }
          partial[local] = sum;
          workgroupBarrier();
          for (var stride = ${THREADS / 2}; stride > 0; stride /= 2) {
            if (local < stride) { partial[local] += partial[local + stride]; }
            workgroupBarrier();
          }
          let mean = partial[0] / ${wgslFloat(pixels)};
          workgroupBarrier();
          let op = i32(draws[d + 3 + stage]);
          if (op >= 0) {
            let factor = draws[d + 7 + op];
            for (var k = 0; k < ${perThread}; k++) {
              if (op == 3) {
                px[k] = rotateHue(px[k], factor);
              } else {
                var towards = 0.0;
                if (op == 1) { towards = mean; } else if (op == 2) { towards = gray(px[k]); }
                let bias = (1.0 - factor) * towards;
                px[k] = clamp(factor * px[k] + vec3<f32>(bias), vec3<f32>(0.0), vec3<f32>(1.0));
              }
            }
          }
        }
        for (var k = 0; k < ${perThread}; k++) {
          let p = local + k * ${THREADS};
          let at = (image * ${pixels} + p) * 3;
          if (p < ${pixels} && at + 2 < uniforms.size) {
            setOutputAtIndex(at, px[k].x);
            setOutputAtIndex(at + 1, px[k].y);
            setOutputAtIndex(at + 2, px[k].z);
          }
        }
      }`,
  };
}

/** Each image's draws as `[batch, FIELDS]` floats. */
function packDraws(params: AugmentParams, batch: number): Float32Array {
  const out = new Float32Array(batch * FIELDS);
  for (let i = 0; i < batch; i++) {
    const row = out.subarray(i * FIELDS, (i + 1) * FIELDS);
    const jitter = params.jitter;
    row.set([params.cropY[i], params.cropX[i], params.flip[i]]);
    row.set(jitter ? jitter.order.subarray(4 * i, 4 * i + 4) : [-1, -1, -1, -1], 3);
    if (jitter) row.set([jitter.brightness[i], jitter.contrast[i], jitter.saturation[i], jitter.hue[i]], 7);
  }
  return out;
}

/**
 * `applyAugment` of src/data/augment.ts for RGB images `[B, H, W, 3]` in [0, 1] with `padding`
 * (the config's crop padding) and a batch's draws, on WebGPU; the caller owns the result.
 */
export function augmentOnWebGpu(images: tf.Tensor4D, padding: number, params: AugmentParams): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  if (channels !== 3) throw new Error(`the WebGPU augmentation takes RGB images, got ${channels} channels`);
  if (padding >= height || padding >= width) {
    throw new Error(`reflect padding ${padding} needs images larger than ${height}x${width}`);
  }
  return tf.tidy(() => {
    const draws = tf.tensor2d(packDraws(params, batch), [batch, FIELDS]);
    return runProgram<tf.Rank.R4>(augmentProgram(batch, height, width, padding), [images, draws]);
  });
}
