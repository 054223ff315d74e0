/**
 * A model frozen at one step, for work that runs while training goes on (audits): its own
 * variables, so that neither a training step nor a replaced model changes what it computes.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamMap } from '../sll/params.ts';
import { toPytorch } from '../sll/params.ts';
import { SllModel } from './model.ts';

/**
 * Copies `model`'s weights as they are now. The clones are taken synchronously, between two
 * training steps, so every variable comes from the same step; they are read back afterwards.
 */
export async function snapshotModel(model: SllModel): Promise<SllModel> {
  const frozen = model.variables.map((v) => tf.clone(v));
  try {
    const params: ParamMap = new Map();
    for (let i = 0; i < model.specs.length; i++) {
      const values = (await frozen[i].data()) as Float32Array;
      params.set(model.specs[i].name, toPytorch(model.specs[i], values));
    }
    return new SllModel(model.arch, params);
  } finally {
    tf.dispose(frozen);
  }
}
