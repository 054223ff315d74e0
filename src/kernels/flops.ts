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
  };
}

/** One training step: forward and backward (about twice the forward) of the batch, t included. */
export function trainingFlopsPerStep(arch: Arch, batch: number): number {
  const { forwardPerImage, scalings } = flopCount(arch);
  return 3 * (forwardPerImage * batch + scalings);
}
