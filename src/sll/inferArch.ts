/**
 * The SLL architecture that a PyTorch state dict's tensor shapes describe. The official
 * checkpoints carry no `arch`, only the `state_dict` names and shapes of docs/math.md §6, which fix
 * everything but the input normalisation (taken from the dataset, known by the class count) and,
 * for a network without convolutions, how its features split into width and image size.
 */
import { type Arch, ArchError, KERNEL_SIZE, POOL_SIZE, validateArch } from './arch.ts';
import { CIFAR100_MEAN, CIFAR10_MEAN, CIFAR_CHANNELS, CIFAR_STD } from './cifar.ts';

export class ArchInferenceError extends Error {
  override name = 'ArchInferenceError';
  /** True when an explicit architecture would settle it (the shapes are not wrong, only silent). */
  constructor(
    message: string,
    readonly needsArch = false,
  ) {
    super(message);
  }
}

/** The input normalisation when the file carries it (buffers `mean` and `std`, one value a channel). */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** A name from the file as a message shows it: control characters as "?", at most 60 characters. */
function shown(name: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 60)}…` : printable;
}

const PARAM_NAME = /^model\.(\d+)\.(kernel|bias|q|weight)$/;

const GIVE_ARCH = 'give the architecture explicitly (readPthWeights options.arch; sll-lab: --arch FILE.json)';

/**
 * Reads the arch off `shapes` (names without `module.` prefixes, shapes in PyTorch layout): conv
 * kernels `model.{i}.kernel` `[inner, width, 3, 3]`, dense weights `[inner, features]`, the last
 * layer's weight `[classes, features]` with `features = width * (imageSize / 4)^2`. The result is
 * validated; whether every tensor fits it is the caller's check.
 */
export function inferArch(
  shapes: ReadonlyMap<string, readonly number[]>,
  normalization?: Normalization,
): Arch {
  const kernels: [number, readonly number[]][] = [];
  const weights: [number, readonly number[]][] = [];
  for (const [name, shape] of shapes) {
    const m = PARAM_NAME.exec(name);
    if (!m) continue;
    if (m[2] === 'kernel') kernels.push([Number(m[1]), shape]);
    if (m[2] === 'weight') weights.push([Number(m[1]), shape]);
  }
  if (kernels.length === 0 && weights.length === 0) {
    const names = [...shapes.keys()];
    const found =
      names.length === 0
        ? 'it holds no tensors'
        : `it holds ${names.slice(0, 4).map(shown).join(', ')}${names.length > 4 ? `, … (${names.length} in all)` : ''}`;
    throw new ArchInferenceError(
      `not an SLL network: ${found}; an SLL network's state dict has model.{i}.kernel ` +
        '(convolutions) and model.{i}.weight (dense and last layers)',
    );
  }
  if (weights.length === 0) {
    throw new ArchInferenceError(
      'not an SLL network: it has no last layer (model.{i}.weight of shape [classes, features])',
    );
  }
  kernels.sort((a, b) => a[0] - b[0]);
  weights.sort((a, b) => a[0] - b[0]);
  const [lastIndex, last] = weights[weights.length - 1];
  if (last.length !== 2) {
    throw new ArchInferenceError(
      `not an SLL network: the last layer's weight model.${lastIndex}.weight has shape ` +
        `[${last.join(', ')}], not [classes, features]`,
    );
  }
  const [nClasses, features] = last;
  const nConv = kernels.length;
  const nDense = weights.length - 1;

  let width: number;
  let convInnerDim: number;
  let imageSize: number;
  if (nConv > 0) {
    const [index, kernel] = kernels[0];
    if (kernel.length !== 4 || kernel[2] !== KERNEL_SIZE || kernel[3] !== KERNEL_SIZE) {
      throw new ArchInferenceError(
        `not an SLL network: model.${index}.kernel has shape [${kernel.join(', ')}]; an SLL ` +
          `convolution's kernel is [inner, width, ${KERNEL_SIZE}, ${KERNEL_SIZE}]`,
      );
    }
    [convInnerDim, width] = kernel;
    const pooled = width > 0 ? Math.round(Math.sqrt(features / width)) : 0;
    if (pooled < 1 || pooled * pooled * width !== features) {
      throw new ArchInferenceError(
        `not an SLL network: the last layer takes ${features} features, which is not the width ` +
          `${width} times a square (the ${POOL_SIZE}x${POOL_SIZE}-pooled image, (imageSize/${POOL_SIZE})^2 pixels)`,
      );
    }
    imageSize = pooled * POOL_SIZE;
  } else {
    throw new ArchInferenceError(
      `the network has no convolutions, so its ${features} features (width x (imageSize/${POOL_SIZE})^2) ` +
        `do not tell its width and image size apart: ${GIVE_ARCH}`,
      true,
    );
  }

  let denseInnerDim = -1;
  if (nDense > 0) {
    const [index, dense] = weights[0];
    if (dense.length !== 2) {
      throw new ArchInferenceError(
        `not an SLL network: the dense weight model.${index}.weight has shape [${dense.join(', ')}], ` +
          'not [inner, features]',
      );
    }
    denseInnerDim = dense[0];
  }

  let mean: number[];
  let std: number[];
  if (normalization) {
    ({ mean, std } = normalization);
  } else if (nClasses === 10 || nClasses === 100) {
    mean = [...(nClasses === 10 ? CIFAR10_MEAN : CIFAR100_MEAN)];
    std = [...CIFAR_STD];
  } else {
    throw new ArchInferenceError(
      `the network has ${nClasses} classes, so it is neither a CIFAR-10 nor a CIFAR-100 network and ` +
        `the file does not say how its input is normalised (mean, std): ${GIVE_ARCH}`,
      true,
    );
  }

  try {
    return validateArch({
      nConv,
      nDense,
      width,
      convInnerDim,
      denseInnerDim,
      imageSize,
      inChannels: normalization ? normalization.mean.length : CIFAR_CHANNELS,
      nClasses,
      mean,
      std,
    });
  } catch (e) {
    if (e instanceof ArchError) throw new ArchInferenceError(`the shapes fit no SLL network: ${e.message}`);
    throw e;
  }
}

/** One line for messages: `nConv 2, nDense 1, width 8, ...`. */
export function describeInferredArch(arch: Arch): string {
  return (
    `nConv ${arch.nConv}, nDense ${arch.nDense}, width ${arch.width}, convInnerDim ${arch.convInnerDim}, ` +
    `denseInnerDim ${arch.denseInnerDim}, ${arch.imageSize}x${arch.imageSize}x${arch.inChannels}, ` +
    `${arch.nClasses} classes`
  );
}
