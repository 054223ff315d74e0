/**
 * What a training run will need before it starts: the peak memory of its tensors, whether that
 * fits the backend, and the time per epoch once the speed is measured (docs/engine.md#memory).
 *
 * Bytes are counted as tfjs counts them (`tf.memory().numBytes`: every live tensor, float32). The
 * counts follow what one training step keeps alive. Through tfjs's ops (WASM, CPU, WebGL), tfjs's
 * tape keeps a copy of each input that a kernel's gradient needs (the WASM backend copies them; the
 * CPU backend shares the data but counts it again) and every intermediate gradient until the step's
 * gradients are done. WebGPU runs the lab's own programs on flat parameters, which keep far less.
 * The coefficients below were measured per layer on tfjs 4.22 (`npx tsx bench/memory.ts`): the
 * estimate is 1.00-1.03x the measured WASM peak of `tiny`, `lab` and `small`'s parts (the WASM
 * memory grows to 1.04-1.22x it); on WebGPU, 1.00-1.04x the step's peak and 0.97-0.98x the
 * evaluation's of `tiny`, `lab` and variants of `lab`.
 */
import { type Arch, KERNEL_SIZE, convInnerChannels, denseInnerFeatures, featureCount } from './arch.ts';
import type { BackendName } from './backendNames.ts';
import { countParameters } from './params.ts';

/** Test images certified per batch by an evaluation (as `EVAL_BATCH` in src/engine/evaluation.ts). */
export const EVALUATION_BATCH = 250;

const FLOAT = 4;

/**
 * Floats per pixel of one image kept by a training step. The trunk: normalising and padding the
 * input, pooling and flattening (per input channel and per channel of the width).
 */
const TRUNK_PER_INPUT_CHANNEL = 4;
const TRUNK_PER_WIDTH = 5;
/** Each SLL convolution keeps 8 planes of its width and 8 of its inner channels (values, copies, gradients). */
const CONV_PER_CHANNEL = 8;
/**
 * The filter gradient's temporaries, alive at the peak of the backward pass: the batch-and-channel
 * swapped convolution on WASM and CPU (~3 planes of the width), the 9 shifted windows of im2col
 * and their concatenation on WebGL (~29 planes of the wider side).
 */
const FILTER_GRADIENT_SWAP = 3;
const FILTER_GRADIENT_IM2COL = 29;
const IM2COL_BACKENDS: readonly string[] = ['webgl'];
/**
 * Per SLL dense layer: its Gram matrix `|W W^T|` and the masked exponentials of the t-vector, with
 * their copies and gradients (34 matrices of inner x inner), and 5.5 weight-shaped tensors besides
 * the weight, its gradient and Adam's moments.
 */
const DENSE_PER_GRAM_ENTRY = 34;
const DENSE_PER_WEIGHT = 5.5;
/** A dense layer's floats per image: its inner and its feature vectors. */
const DENSE_PER_INNER = 4;
const DENSE_PER_FEATURE = 2;
/** Adam's update: every parameter's new moments and intermediate terms live until it ends. */
const ADAM_UPDATE_PER_PARAMETER = 13.5;
/**
 * WebGPU runs the SLL layers as the lab's programs (src/kernels/webgpu/) on a flat copy of the
 * parameters, with Adam's moments of all of them in one buffer `[m, v]` (src/kernels/flatParams.ts):
 * one more copy of the weights, one tensor twice their size, and one flat gradient.
 */
const FUSED_BACKENDS: readonly string[] = ['webgpu'];
/**
 * What a step keeps there, per pixel of an image: each conv layer its output and its input's
 * gradient (2 planes of the width) and its activation (1 of the inner channels); the trunk and the
 * backward pass's temporaries ~4.4 planes per input channel and 0.6 of the width.
 */
const FUSED_CONV_PER_WIDTH = 2;
const FUSED_CONV_PER_INNER = 1;
const FUSED_TRUNK_PER_INPUT_CHANNEL = 4.4;
const FUSED_TRUNK_PER_WIDTH = 0.6;
/**
 * Per dense layer, kept until the backward pass: its weight as a tensor, and its Gram matrix with
 * the row statistics of its t-vector (2 inner x inner). The backward pass of one layer at a time
 * adds a weight-shaped product and a Gram-shaped gradient.
 */
const FUSED_DENSE_PER_WEIGHT = 1;
const FUSED_DENSE_PER_GRAM_ENTRY = 2;
/** An evaluation batch on WebGPU: the images, and 2 planes of the width (a layer's input and output). */
const FUSED_EVAL_PER_INPUT_CHANNEL = 1;
const FUSED_EVAL_PER_WIDTH = 2;
/**
 * An evaluation batch releases each layer's input once the next layer has its own (`logitsWithoutGradients`
 * in src/kernels/model.ts): the images, and ~4 planes of the width and 4 of the inner channels of the
 * layer being computed, however deep the network.
 */
const EVAL_PER_INPUT_CHANNEL = 1;
const EVAL_PER_WIDTH = 4;
const EVAL_PER_INNER = 4;
/** Computing one dense layer's t-vector without gradients: ~12 inner x inner temporaries. */
const EVAL_GRAM_TEMPORARIES = 12;

export interface MemoryEstimate {
  batch: number;
  parameters: number;
  /** The parameters (float32). */
  weightsBytes: number;
  /** Adam's two moments. */
  optimizerBytes: number;
  /** The parameters' gradients, alive at the end of the backward pass. */
  gradientBytes: number;
  /** What the training step keeps for the backward pass at this batch size. */
  activationBytes: number;
  /** The dense layers' Gram matrices and t-vectors (and the conv layers' K^T K), with what their gradients keep. */
  gramBytes: number;
  /** Adam's temporaries during the update. */
  updateBytes: number;
  /** An evaluation batch of `EVALUATION_BATCH` images, t-vectors computed once. */
  evaluationBytes: number;
  /** The peak of each phase, weights and Adam's moments included. */
  stepPeakBytes: number;
  updatePeakBytes: number;
  evaluationPeakBytes: number;
  /** The peak of the run: the largest of the three phases. */
  totalBytes: number;
  /** The largest single tensor (a GPU buffer must hold it). */
  largestTensorBytes: number;
  /** A checkpoint: weights and Adam's moments, as IndexedDB stores them. */
  checkpointBytes: number;
}

/** The sizes the counts are made of. */
interface Sizes {
  arch: Arch;
  batch: number;
  evaluationBatch: number;
  pixels: number;
  width: number;
  inner: number;
  features: number;
  denseInner: number;
}

/** Floats of each phase besides the weights, Adam's moments and the gradients. */
interface PhaseFloats {
  activations: number;
  gram: number;
  /** Adam's temporaries, in floats per parameter. */
  updatePerParameter: number;
  evaluation: number;
}

/** Through tfjs's ops: WASM, CPU, WebGL, and before the backend is known. */
function floatsThroughOps(s: Sizes, im2col: boolean): PhaseFloats {
  const { arch, batch, pixels, width, inner, features, denseInner } = s;
  const trunk = batch * pixels * (TRUNK_PER_INPUT_CHANNEL * arch.inChannels + TRUNK_PER_WIDTH * width);
  const convs = arch.nConv * batch * pixels * CONV_PER_CHANNEL * (width + inner);
  const filterGradient =
    arch.nConv === 0
      ? 0
      : batch *
        pixels *
        (im2col ? FILTER_GRADIENT_IM2COL * Math.max(width, inner) : FILTER_GRADIENT_SWAP * width);
  const denses = denseVectors(s);

  // K^T K of a conv layer is inner x (2k-1)^2 x inner; counted like the Gram matrices.
  const ktk = arch.nConv * DENSE_PER_GRAM_ENTRY * kernelGramEntries(inner);
  const gram =
    arch.nDense * (DENSE_PER_GRAM_ENTRY * denseInner ** 2 + DENSE_PER_WEIGHT * denseInner * features) + ktk;

  const evalBatch =
    s.evaluationBatch *
    pixels *
    (EVAL_PER_INPUT_CHANNEL * arch.inChannels +
      EVAL_PER_WIDTH * width +
      (arch.nConv === 0 ? 0 : EVAL_PER_INNER * inner));
  const evalScalings = arch.nDense > 0 ? EVAL_GRAM_TEMPORARIES * denseInner ** 2 : 0;
  return {
    activations: trunk + convs + filterGradient + denses,
    gram,
    updatePerParameter: ADAM_UPDATE_PER_PARAMETER,
    evaluation: Math.max(evalBatch, evalScalings),
  };
}

/** Through the lab's WebGPU programs on flat parameters. */
function floatsOfFusedPrograms(s: Sizes): PhaseFloats {
  const { arch, batch, pixels, width, inner, features, denseInner } = s;
  const trunk =
    batch * pixels * (FUSED_TRUNK_PER_INPUT_CHANNEL * arch.inChannels + FUSED_TRUNK_PER_WIDTH * width);
  const convs = arch.nConv * batch * pixels * (FUSED_CONV_PER_WIDTH * width + FUSED_CONV_PER_INNER * inner);
  const denses = denseVectors(s);

  const weight = denseInner * features;
  const kept = FUSED_DENSE_PER_WEIGHT * weight + FUSED_DENSE_PER_GRAM_ENTRY * denseInner ** 2;
  const backwardOfOne = weight + denseInner ** 2;
  const gram =
    arch.nConv * kernelGramEntries(inner) + (arch.nDense > 0 ? arch.nDense * kept + backwardOfOne : 0);

  const evaluation =
    s.evaluationBatch *
    pixels *
    (FUSED_EVAL_PER_INPUT_CHANNEL * arch.inChannels + FUSED_EVAL_PER_WIDTH * width);
  // Adam's update writes the moments in place and makes one new flat copy of the parameters.
  return { activations: trunk + convs + denses, gram, updatePerParameter: 1, evaluation };
}

/** The dense layers' inner and feature vectors of every image, the same on every backend. */
const denseVectors = ({ arch, batch, denseInner, features }: Sizes) =>
  arch.nDense * batch * (DENSE_PER_INNER * denseInner + DENSE_PER_FEATURE * features);

/** K^T K of a conv layer: inner x (2k-1)^2 x inner. */
const kernelGramEntries = (inner: number) => inner * inner * (2 * KERNEL_SIZE - 1) ** 2;

/**
 * Peak tensor bytes of training `arch` at `batch` images per step on `backend` (null: not known yet,
 * counted as WASM and CPU run the filter gradient).
 */
export function estimateTrainingMemory(
  arch: Arch,
  batch: number,
  backend: BackendName | null = null,
  evaluationBatch = EVALUATION_BATCH,
): MemoryEstimate {
  const parameters = countParameters(arch);
  const sizes: Sizes = {
    arch,
    batch,
    evaluationBatch,
    pixels: arch.imageSize ** 2,
    width: arch.width,
    inner: convInnerChannels(arch),
    features: featureCount(arch),
    denseInner: denseInnerFeatures(arch),
  };
  const im2col = backend !== null && IM2COL_BACKENDS.includes(backend);
  const fused = backend !== null && FUSED_BACKENDS.includes(backend);
  const phases = fused ? floatsOfFusedPrograms(sizes) : floatsThroughOps(sizes, im2col);

  const weightsBytes = parameters * FLOAT;
  const checkpointBytes = 3 * weightsBytes;
  // WebGPU's flat copy of the parameters.
  const resident = checkpointBytes + (fused ? weightsBytes : 0);
  const stepPeakBytes = resident + weightsBytes + (phases.activations + phases.gram) * FLOAT;
  const updateBytes = phases.updatePerParameter * weightsBytes;
  // The batch's images are still alive during the update.
  const updatePeakBytes =
    resident + weightsBytes + updateBytes + batch * sizes.pixels * arch.inChannels * FLOAT;
  const evaluationPeakBytes = resident + phases.evaluation * FLOAT;
  const plane = sizes.pixels * Math.max(sizes.width, sizes.inner);
  const largest = Math.max(
    batch * plane * (im2col ? KERNEL_SIZE ** 2 : 1),
    evaluationBatch * plane,
    arch.nDense > 0 ? Math.max(sizes.denseInner * sizes.features, sizes.denseInner ** 2) : 0,
    arch.nClasses * sizes.features,
    fused ? 2 * parameters : 0,
  );
  return {
    batch,
    parameters,
    weightsBytes,
    optimizerBytes: 2 * weightsBytes,
    gradientBytes: weightsBytes,
    activationBytes: phases.activations * FLOAT,
    gramBytes: phases.gram * FLOAT,
    updateBytes,
    evaluationBytes: phases.evaluation * FLOAT,
    stepPeakBytes,
    updatePeakBytes,
    evaluationPeakBytes,
    totalBytes: Math.max(stepPeakBytes, updatePeakBytes, evaluationPeakBytes),
    largestTensorBytes: largest * FLOAT,
    checkpointBytes,
  };
}

/** wasm32 memory ends at 4 GiB (tfjs-backend-wasm is built with that maximum). */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;
/**
 * The share of it a run may plan to use: the WASM memory grows to 1.04-1.22x the tensor peak
 * (fragmentation, XNNPACK's scratch buffers), and a failed allocation corrupts tfjs-wasm's state.
 */
export const WASM_SAFE_FRACTION = 0.8;
/** On CPU, WebGL and WebGPU the limit is the machine's: above this the page warns, nothing more. */
export const LARGE_RUN_BYTES = 8e9;

/** What the running backend allows, where it says so (a WebGPU adapter's largest buffer). */
export interface BackendLimits {
  maxBufferBytes?: number;
}

export interface MemoryVerdict {
  /** 'refuse': the run cannot work here; 'warn': it may not; 'ok': it fits (or nothing is known). */
  level: 'ok' | 'warn' | 'refuse';
  /** What to show beside the estimate ("fits WASM's 4 GB"), or the refusal; null when nothing is known. */
  text: string | null;
  /** The way out, for a refusal or a warning. */
  hint: string | null;
}

/** "1.2 GB", "50 MB", "640 kB": decimal units, two significant digits (the sll layer has no UI formatter). */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${unit}`;
    }
  }
  return `${Math.round(bytes)} B`;
}

/** The largest batch (at most `batch`) whose estimate fits in `limit` bytes, or 0 when even 1 does not. */
export function largestFittingBatch(
  arch: Arch,
  batch: number,
  limit: number,
  backend: BackendName | null = null,
): number {
  const fits = (b: number) => estimateTrainingMemory(arch, b, backend).totalBytes <= limit;
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = batch;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whether a run of `arch` at `batch` fits `backend` (null: not known yet). WASM refuses past its
 * safe share of 4 GiB; a WebGPU adapter refuses a tensor larger than its largest buffer; CPU and
 * the GPU backends warn past `LARGE_RUN_BYTES`. The page calls it before sending a run, the engine
 * before loading anything.
 */
export function fitsBackend(
  arch: Arch,
  batch: number,
  backend: BackendName | null,
  limits: BackendLimits = {},
): MemoryVerdict {
  const estimate = estimateTrainingMemory(arch, batch, backend);
  const needs = formatBytes(estimate.totalBytes);
  if (backend === 'wasm') {
    const limit = WASM_SAFE_FRACTION * WASM_MEMORY_BYTES;
    if (estimate.totalBytes <= limit) return { level: 'ok', text: "fits WASM's 4 GB", hint: null };
    const fitting = largestFittingBatch(arch, batch, limit, backend);
    if (fitting === 0) {
      const atOne = formatBytes(estimateTrainingMemory(arch, 1, backend).totalBytes);
      return {
        level: 'refuse',
        text: `too large for WASM's 4 GB (needs ~${needs}, ~${atOne} even at batch 1): use a GPU backend or a smaller network`,
        hint: 'choose WebGPU or WebGL as the backend, or lower the depth, width or preset',
      };
    }
    return {
      level: 'refuse',
      text: `too large for WASM's 4 GB (needs ~${needs}): lower the batch size or use a GPU backend`,
      hint: `batch ${fitting} fits (~${formatBytes(estimateTrainingMemory(arch, fitting, backend).totalBytes)}); or choose WebGPU or WebGL as the backend`,
    };
  }
  const maxBuffer = limits.maxBufferBytes;
  if (maxBuffer !== undefined && estimate.largestTensorBytes > maxBuffer) {
    const tooLarge = `too large for this GPU's buffers (one tensor needs ~${formatBytes(estimate.largestTensorBytes)}, the adapter allows ${formatBytes(maxBuffer)})`;
    // Adam's flat moments do not shrink with the batch.
    if (backend !== null && FUSED_BACKENDS.includes(backend) && estimate.optimizerBytes > maxBuffer) {
      return {
        level: 'refuse',
        text: `${tooLarge}: Adam's moments of every parameter are one buffer here`,
        hint: 'choose a smaller network, or WebGL as the backend',
      };
    }
    return {
      level: 'refuse',
      text: `${tooLarge}: lower the batch size`,
      hint: 'lower the batch size or the width, or choose another backend',
    };
  }
  if (estimate.totalBytes > LARGE_RUN_BYTES && backend !== null) {
    const where = backend === 'cpu' ? 'memory' : 'GPU memory';
    return {
      level: 'warn',
      text: `needs ~${needs} of ${where}: it may not fit this machine`,
      hint: 'lower the batch size or the network if the tab runs out of memory',
    };
  }
  return { level: 'ok', text: null, hint: null };
}

/**
 * Images per second of a run in progress, for the time per epoch: the median of the latest
 * measurements, leaving out the first (it includes the warm-up) once there are others.
 */
export function steadyImagesPerSecond(rates: readonly number[], latest = 10): number | null {
  const usable = (rates.length > 1 ? rates.slice(1) : rates).slice(-latest).filter((r) => r > 0);
  if (usable.length === 0) return null;
  const sorted = [...usable].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Seconds per epoch: `floor(trainImages / batch)` steps of `batch` images at `imagesPerSecond`. */
export function secondsPerEpoch(trainImages: number, batch: number, imagesPerSecond: number): number {
  return (Math.floor(trainImages / batch) * batch) / imagesPerSecond;
}
