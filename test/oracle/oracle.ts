/**
 * An independent float64 evaluation of the SLL network, written from the spec in plain loops and
 * PyTorch layout (NCHW, cross-correlation conv2d, scatter-style conv_transpose2d). Tests only.
 */
import type { Arch } from '../../src/sll/arch.ts';

type Param = (name: string) => Float64Array;

/** PyTorch conv2d of one image `[C, H, W]` with weight `[O, C, k, k]`, stride 1, padding p. */
export function naiveConv2d(
  x: Float64Array,
  c: number,
  h: number,
  w: number,
  weight: Float64Array,
  o: number,
  k: number,
  p: number,
): { out: Float64Array; h: number; w: number } {
  const ho = h + 2 * p - k + 1;
  const wo = w + 2 * p - k + 1;
  const out = new Float64Array(o * ho * wo);
  for (let oi = 0; oi < o; oi++)
    for (let y = 0; y < ho; y++)
      for (let xx = 0; xx < wo; xx++) {
        let s = 0;
        for (let ci = 0; ci < c; ci++)
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) {
              const iy = y + u - p;
              const ix = xx + v - p;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              s += x[(ci * h + iy) * w + ix] * weight[((oi * c + ci) * k + u) * k + v];
            }
        out[(oi * ho + y) * wo + xx] = s;
      }
  return { out, h: ho, w: wo };
}

/** PyTorch conv_transpose2d of one image `[I, H, W]` with weight `[I, O, k, k]`, stride 1, padding p. */
export function naiveConvTranspose2d(
  z: Float64Array,
  inner: number,
  h: number,
  w: number,
  weight: Float64Array,
  o: number,
  k: number,
  p: number,
): Float64Array {
  const ho = h + k - 1 - 2 * p;
  const wo = w + k - 1 - 2 * p;
  const out = new Float64Array(o * ho * wo);
  for (let i = 0; i < inner; i++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        const zv = z[(i * h + y) * w + xx];
        if (zv === 0) continue;
        for (let oc = 0; oc < o; oc++)
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) {
              const oy = y + u - p;
              const ox = xx + v - p;
              if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
              out[(oc * ho + oy) * wo + ox] += zv * weight[((i * o + oc) * k + u) * k + v];
            }
      }
  return out;
}

function safeInv(x: number): number {
  return x === 0 ? 0 : 1 / x;
}

/** docs/math.md §2.1: t_i = 1 / sum_{j,u,v} |conv2d(K, K, padding k-1)[i, j, u, v]|. */
export function oracleConvT(kernel: Float64Array, inner: number, cin: number, k: number): Float64Array {
  const t = new Float64Array(inner);
  for (let i = 0; i < inner; i++) {
    const img = kernel.subarray(i * cin * k * k, (i + 1) * cin * k * k);
    const { out } = naiveConv2d(img, cin, k, k, kernel, inner, k, k - 1);
    t[i] = safeInv(out.reduce((a, b) => a + Math.abs(b), 0));
  }
  return t;
}

/** docs/math.md §2.2: t_i = 1 / sum_j exp(q_j - q_i) |W W^T|_ij. */
export function oracleDenseT(
  weight: Float64Array,
  q: Float64Array,
  inner: number,
  cin: number,
): Float64Array {
  const t = new Float64Array(inner);
  for (let i = 0; i < inner; i++) {
    let s = 0;
    for (let j = 0; j < inner; j++) {
      let dot = 0;
      for (let c = 0; c < cin; c++) dot += weight[i * cin + c] * weight[j * cin + c];
      s += Math.exp(q[j] - q[i]) * Math.abs(dot);
    }
    t[i] = safeInv(s);
  }
  return t;
}

export function oracleConvLayer(
  x: Float64Array,
  cin: number,
  size: number,
  kernel: Float64Array,
  bias: Float64Array,
  t: Float64Array,
  inner: number,
): Float64Array {
  const k = 3;
  const { out: z } = naiveConv2d(x, cin, size, size, kernel, inner, k, 1);
  const plane = size * size;
  for (let i = 0; i < inner; i++)
    for (let j = 0; j < plane; j++) z[i * plane + j] = t[i] * Math.max(0, z[i * plane + j] + bias[i]);
  const back = naiveConvTranspose2d(z, inner, size, size, kernel, cin, k, 1);
  return x.map((v, j) => v - 2 * back[j]);
}

export function oracleDenseLayer(
  x: Float64Array,
  weight: Float64Array,
  bias: Float64Array,
  t: Float64Array,
  inner: number,
): Float64Array {
  const cin = x.length;
  const z = new Float64Array(inner);
  for (let i = 0; i < inner; i++) {
    let s = bias[i];
    for (let c = 0; c < cin; c++) s += weight[i * cin + c] * x[c];
    z[i] = t[i] * Math.max(0, s);
  }
  const out = Float64Array.from(x);
  for (let i = 0; i < inner; i++) for (let c = 0; c < cin; c++) out[c] -= 2 * weight[i * cin + c] * z[i];
  return out;
}

/** Rows of the last weight normalised as F.normalize (norm floor 1e-12). */
export function oracleNormalizedRows(weight: Float64Array, rows: number): Float64Array {
  const cols = weight.length / rows;
  const out = new Float64Array(weight.length);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < cols; c++) n += weight[r * cols + c] ** 2;
    const d = Math.max(Math.sqrt(n), 1e-12);
    for (let c = 0; c < cols; c++) out[r * cols + c] = weight[r * cols + c] / d;
  }
  return out;
}

/** Logits `[N, nClasses]` of images `[N, C, H, W]` in [0, 1] (docs/math.md §2.3), in float64. */
export function oracleLogits(
  arch: Arch,
  params: Map<string, ArrayLike<number>>,
  images: Float64Array,
  n: number,
): Float64Array {
  const get: Param = (name) => {
    const v = params.get(name);
    if (!v) throw new Error(`oracle: missing ${name}`);
    return Float64Array.from(v);
  };
  const { width: w, imageSize: size, inChannels: cin, nClasses } = arch;
  const convInner = arch.convInnerDim === -1 ? w : arch.convInnerDim;
  const s = size / 4;
  const features = w * s * s;
  const denseInner = arch.denseInnerDim === -1 ? features : arch.denseInnerDim;
  const convT = Array.from({ length: arch.nConv }, (_, i) =>
    oracleConvT(get(`model.${i + 1}.kernel`), convInner, w, 3),
  );
  const denseT = Array.from({ length: arch.nDense }, (_, i) => {
    const idx = arch.nConv + 3 + i;
    return oracleDenseT(get(`model.${idx}.weight`), get(`model.${idx}.q`), denseInner, features);
  });
  const lastIdx = arch.nConv + 3 + arch.nDense;
  const wn = oracleNormalizedRows(get(`model.${lastIdx}.weight`), nClasses);
  const lastBias = get(`model.${lastIdx}.bias`);
  const logits = new Float64Array(n * nClasses);
  const plane = size * size;
  for (let b = 0; b < n; b++) {
    let x: Float64Array = new Float64Array(w * plane);
    for (let c = 0; c < cin; c++)
      for (let j = 0; j < plane; j++) {
        x[c * plane + j] = (images[(b * cin + c) * plane + j] - arch.mean[c]) / arch.std[c];
      }
    for (let i = 0; i < arch.nConv; i++) {
      x = oracleConvLayer(
        x,
        w,
        size,
        get(`model.${i + 1}.kernel`),
        get(`model.${i + 1}.bias`),
        convT[i],
        convInner,
      );
    }
    let h: Float64Array = new Float64Array(features);
    for (let c = 0; c < w; c++)
      for (let py = 0; py < s; py++)
        for (let px = 0; px < s; px++) {
          let sum = 0;
          for (let u = 0; u < 4; u++)
            for (let v = 0; v < 4; v++) sum += x[(c * size + py * 4 + u) * size + px * 4 + v];
          h[(c * s + py) * s + px] = sum / 4;
        }
    for (let i = 0; i < arch.nDense; i++) {
      const idx = arch.nConv + 3 + i;
      h = oracleDenseLayer(h, get(`model.${idx}.weight`), get(`model.${idx}.bias`), denseT[i], denseInner);
    }
    for (let j = 0; j < nClasses; j++) {
      let sum = lastBias[j];
      for (let c = 0; c < features; c++) sum += wn[j * features + c] * h[c];
      logits[b * nClasses + j] = sum;
    }
  }
  return logits;
}
