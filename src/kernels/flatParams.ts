/**
 * Every parameter of a model in one flat tensor, in `state_dict` order, for training on WebGPU:
 * there the lab's programs read each parameter at its offset, add each gradient into one flat
 * gradient laid out the same way, and Adam updates them all in two programs, where separate
 * tensors cost programs per parameter (docs/performance.md, "WebGPU programs").
 */
import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from './variables.ts';
import { type GradientSlot, type ParamSlice, sliceTensor } from './webgpu/program.ts';

/** Where each of tensors of `sizes`, laid end to end, starts. */
export function flatOffsets(sizes: readonly number[]): number[] {
  let next = 0;
  return sizes.map((size) => {
    const offset = next;
    next += size;
    return offset;
  });
}

export class FlatParams {
  readonly values: tf.Variable<tf.Rank.R1>;
  private readonly offsets: number[];

  /** The current values of `params`, copied into one tensor. */
  constructor(private readonly params: readonly tf.Variable[]) {
    this.offsets = flatOffsets(params.map((p) => p.size));
    this.values = ownedVariable(
      tf.tidy(() => tf.concat(params.map((p) => tf.reshape(p, [-1])))),
      false,
    );
  }

  get size(): number {
    return this.values.size;
  }

  /** Parameter `i` as the programs read it. */
  slice(i: number): ParamSlice {
    return { buffer: this.values, offset: this.offsets[i] };
  }

  /** Where parameter `i`'s gradient goes in `gradient`, a tensor laid out as these parameters. */
  gradientSlot(gradient: tf.Tensor, i: number): GradientSlot {
    return { target: gradient, offset: this.offsets[i] };
  }

  /** Copies the values back into the variables they came from. */
  writeBack(): void {
    this.params.forEach((p, i) => tf.tidy(() => p.assign(sliceTensor(this.slice(i), p.shape))));
  }

  dispose(): void {
    this.values.dispose();
  }
}
