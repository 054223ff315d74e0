/**
 * Analytic floating-point operation counts (a multiply-add counts 2), for the architecture summary
 * and the benchmarks. Elementwise work (ReLU, scaling, bias) is left out: it is memory-bound.
 */
import { type Arch, KERNEL_SIZE, convInnerChannels, denseInnerFeatures, featureCount } from './arch.ts';

export interface FlopCount {
  /** Forward pass of one image, t-vectors given. */
  forwardPerImage: number;
  /** Computing every t-vector once (KtK convolutions and dense Gram matrices), whatever the batch. */
  scalings: number;
  /** The SLL convolutions' share of `forwardPerImage`. */
  convPerImage: number;
  /** One dense layer's Gram matrix W W^T. */
  gramPerLayer: number;
}

export function flopCount(arch: Arch): FlopCount {
  const k2 = KERNEL_SIZE * KERNEL_SIZE;
  const pixels = arch.imageSize ** 2;
  const d = convInnerChannels(arch);
  const f = featureCount(arch);
  const inner = denseInnerFeatures(arch);
  // Each SLL conv layer runs a conv (w -> d) and a transposed conv (d -> w); each dense layer two matMuls.
  const conv = 2 * (2 * k2 * arch.width * d * pixels);
  const dense = 2 * (2 * f * inner);
  const last = 2 * f * arch.nClasses;
  const ktkSide = 2 * KERNEL_SIZE - 1;
  const convScaling = 2 * d * ktkSide * ktkSide * k2 * arch.width * d;
  const gram = 2 * inner * inner * f;
  return {
    forwardPerImage: arch.nConv * conv + arch.nDense * dense + last,
    scalings: arch.nConv * convScaling + arch.nDense * gram,
    convPerImage: arch.nConv * conv,
    gramPerLayer: gram,
  };
}

/** Analytic work of one training step, by where it goes. */
export interface TrainingFlops {
  /** SLL convolutions on the batch, forward and backward. */
  conv: number;
  /** SLL dense layers and the last layer on the batch, forward and backward. */
  dense: number;
  /** The convolutions' t-vectors (KtK), forward and backward, whatever the batch. */
  convScalings: number;
  /** The dense layers' Gram matrices W W^T, forward and the one-matMul backward, whatever the batch. */
  gram: number;
  total: number;
}

/**
 * Backward costs about twice the forward (gradients for the input and for the weights), except
 * the Gram matrix, whose gradient `(dG + dG^T) W` is a single matMul (see `gramMatrix`).
 */
export function trainingFlops(arch: Arch, batch: number): TrainingFlops {
  const { forwardPerImage, scalings, convPerImage, gramPerLayer } = flopCount(arch);
  const gramForward = arch.nDense * gramPerLayer;
  const conv = 3 * convPerImage * batch;
  const dense = 3 * (forwardPerImage - convPerImage) * batch;
  const convScalings = 3 * (scalings - gramForward);
  const gram = 2 * gramForward;
  return { conv, dense, convScalings, gram, total: conv + dense + convScalings + gram };
}
