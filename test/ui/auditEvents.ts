/** Worker events of the certificate audit, for the page's unit tests. */
import type { AttackResult, ImageInspection, LayerGains, PgdCurve, WorkerEvent } from '../../src/protocol.ts';
import { CIFAR10_CLASSES } from '../../src/sll/cifar.ts';
import { DEFAULT_SETTINGS, toTrainConfig } from '../../src/store/settings.ts';

export const CLASSES = CIFAR10_CLASSES;

/** A 2x2 RGB image whose bytes are `base`, `base + 1`, ... */
export function image(base = 0): Uint8Array {
  return Uint8Array.from({ length: 12 }, (_, i) => (base + i) % 256);
}

export function inspection(id: number, p: Partial<ImageInspection> = {}): WorkerEvent {
  const logits = Float32Array.from([0.1, -0.4, 0.2, 2.5, 0.3, 1.7, 0, -1, 0.5, 0.05]);
  return {
    type: 'inspection',
    id,
    inspection: {
      index: 3,
      step: 100,
      label: 3,
      image: image(),
      imageSize: 2,
      channels: 3,
      logits,
      prediction: 3,
      runnerUp: 5,
      margin: 0.8,
      certifiedRadius: 0.41,
      ...p,
    },
  };
}

export function attack(id: number, p: Partial<AttackResult> = {}): WorkerEvent {
  return {
    type: 'attack',
    id,
    result: {
      index: 3,
      step: 100,
      eps: 36 / 255,
      steps: 100,
      label: 3,
      prediction: 3,
      certifiedRadius: 0.41,
      adversarialPrediction: 3,
      adversarial: Float32Array.from(image(), (b, i) => b / 255 + (i % 2 === 0 ? 0.02 : -0.01)),
      perturbationNorm: 0.052,
      empiricalRadius: 0.63,
      soundnessViolation: false,
      ...p,
    },
  };
}

/**
 * Four images: 0 correct (certified 0.2, empirical 0.5), 1 correct (certified 0.05, empirical 0.1),
 * 2 wrong, 3 correct (certified 0.3, never broken).
 */
export function pgdCurve(id: number, p: Partial<PgdCurve> = {}): WorkerEvent {
  return {
    type: 'pgdCurve',
    id,
    curve: {
      step: 100,
      n: 4,
      steps: 100,
      labels: Int32Array.from([0, 1, 2, 3]),
      predictions: Int32Array.from([0, 1, 9, 3]),
      certifiedRadii: Float64Array.from([0.2, 0.05, 0.4, 0.3]),
      empiricalRadii: Float64Array.from([0.5, 0.1, 0, Infinity]),
      pgdAtPaperRadii: [
        { eps: 36 / 255, accuracy: 0.5 },
        { eps: 72 / 255, accuracy: 0.5 },
        { eps: 108 / 255, accuracy: 0.25 },
        { eps: 1, accuracy: 0.25 },
      ],
      violations: [],
      seconds: 2.5,
      ...p,
    },
  };
}

export function layerGains(step: number, layers: [string, number, number][]): WorkerEvent {
  const gains: LayerGains = {
    step,
    layers: layers.map(([name, atZero, atData]) => ({
      name,
      kind: name.startsWith('conv') ? 'conv' : 'dense',
      atZero,
      atData,
    })),
    head: { rowNormMin: 0.999999, rowNormMax: 1.000001, largestPairGain: 0.93 },
  };
  return { type: 'layerGains', gains };
}

/** The worker now holds another network (a loaded file), at `step`. */
export function modelEvent(step: number): WorkerEvent {
  return { type: 'model', config: toTrainConfig(DEFAULT_SETTINGS), step, source: { kind: 'checkpoint' } };
}

export function stateEvent(step: number): WorkerEvent {
  return { type: 'state', state: 'paused', step, totalSteps: 1000 };
}
