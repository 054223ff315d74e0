/**
 * Evaluation with fixed weights: every layer's t-vector and the class-pair distances are computed
 * once per evaluation, not once per batch (the authors' evaluation recomputes t on every call).
 */
import * as tf from '@tensorflow/tfjs';
import { type Certificates, certify, classPairDistances } from '../sll/certify.ts';
import { type Scalings, type SllModel, disposeScalings } from './model.ts';

export interface BatchCertificates extends Certificates {
  logits: Float32Array;
}

export class Evaluator {
  private constructor(
    readonly model: SllModel,
    readonly scalings: Scalings,
    private readonly distances: Float64Array,
  ) {}

  /** Snapshot of the model's current weights; dispose it before the weights change. */
  static async create(model: SllModel): Promise<Evaluator> {
    const scalings = model.computeScalings();
    const distances = classPairDistances(await model.normalizedLastWeight(), model.arch.nClasses);
    return new Evaluator(model, scalings, distances);
  }

  /** Logits that gradients can pass through (attacks). */
  logits(images: tf.Tensor4D): tf.Tensor2D {
    return this.model.logits(images, this.scalings);
  }

  /** Logits, predictions and certified radii of a batch of images `[N, H, W, C]` in [0, 1]. */
  async certifyBatch(images: tf.Tensor4D): Promise<BatchCertificates> {
    const logitsTensor = this.model.logitsWithoutGradients(images, this.scalings);
    try {
      const logits = (await logitsTensor.data()) as Float32Array;
      const inputScale = Math.min(...this.model.arch.std);
      return { logits, ...certify(logits, this.model.arch.nClasses, this.distances, inputScale) };
    } finally {
      logitsTensor.dispose();
    }
  }

  dispose(): void {
    disposeScalings(this.scalings);
  }
}
