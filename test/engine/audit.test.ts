import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/engineHost.ts';
import { toyHostDeps } from '../helpers/toyHost.ts';
import type { Command, WorkerEvent } from '../../src/protocol.ts';
import { PAPER_EPSILONS, certifiedAccuracy } from '../../src/sll/certify.ts';
import { TOY_IMAGE_SIZE, toyConfig } from '../helpers/toyData.ts';

function host() {
  const events: WorkerEvent[] = [];
  const h = new EngineHost(toyHostDeps(events));
  const send = (c: Command) => h.handle(c);
  const until = async (pred: (e: WorkerEvent) => boolean) => {
    for (let i = 0; i < 4000 && !events.some(pred); i++) await new Promise((r) => setTimeout(r, 5));
    return events.find(pred);
  };
  return { h, events, send, until };
}

/** A host holding a toy model trained for one epoch (6 steps), evaluated on all 40 test images. */
async function trainedHost() {
  const t = host();
  await t.h.init('cpu');
  await t.send({ type: 'configure', config: toyConfig({ epochs: 1, seed: 1 }) });
  await t.send({ type: 'start' });
  await t.until((e) => e.type === 'state' && e.state === 'done');
  await t.send({ type: 'evaluate', subset: 'full' });
  const evaluation = t.events.filter((e) => e.type === 'evaluation').at(-1);
  if (evaluation?.type !== 'evaluation') throw new Error('no evaluation');
  return { ...t, evaluation };
}

function only<T extends WorkerEvent['type']>(events: WorkerEvent[], type: T) {
  return events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
}

describe('certificate audit through EngineHost', () => {
  it('inspects a test image as the evaluation certified it, and refuses an index out of range', async () => {
    const { h, events, send, evaluation } = await trainedHost();
    const tensors = tf.memory().numTensors;
    await send({ type: 'audit', id: 1, job: { kind: 'inspect', index: 7 } });
    const [{ id, inspection }] = only(events, 'inspection');
    expect(id).toBe(1);
    expect(inspection).toMatchObject({ index: 7, step: 6, imageSize: TOY_IMAGE_SIZE, channels: 3 });
    expect(inspection.label).toBe(evaluation.labels[7]);
    expect(inspection.prediction).toBe(evaluation.predictions[7]);
    expect(inspection.certifiedRadius).toBeCloseTo(evaluation.radii[7], 6);
    expect(inspection.image).toHaveLength(TOY_IMAGE_SIZE * TOY_IMAGE_SIZE * 3);
    const logits = Array.from(inspection.logits);
    const others = logits.filter((_, j) => j !== inspection.prediction);
    expect(logits[inspection.prediction]).toBe(Math.max(...logits));
    expect(logits[inspection.runnerUp]).toBe(Math.max(...others));
    expect(inspection.margin).toBeCloseTo(logits[inspection.prediction] - Math.max(...others), 6);

    await send({ type: 'audit', id: 2, job: { kind: 'inspect', index: 40 } });
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({
        type: 'error',
        name: 'AuditError',
        message: expect.stringMatching(/0 to 39/),
      }),
      { type: 'auditEnded', id: 2, reason: 'failed' },
    ]);
    expect(tf.memory().numTensors).toBe(tensors);
    h.dispose();
  });

  it('attacks one image at eps: the adversarial image in the ball, the empirical radius past the certified', async () => {
    const { h, events, send, evaluation } = await trainedHost();
    const tensors = tf.memory().numTensors;
    const index = evaluation.predictions.findIndex((p, i) => p === evaluation.labels[i]);
    const eps = 0.5;
    await send({ type: 'audit', id: 3, job: { kind: 'attack', index, eps, steps: 20 } });
    const [{ result }] = only(events, 'attack');
    expect(result).toMatchObject({ index, eps, steps: 20, step: 6, soundnessViolation: false });
    expect(result.adversarial).toHaveLength(TOY_IMAGE_SIZE * TOY_IMAGE_SIZE * 3);
    expect(Math.min(...result.adversarial)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...result.adversarial)).toBeLessThanOrEqual(1);
    expect(result.perturbationNorm).toBeLessThanOrEqual(eps * (1 + 1e-5));
    expect(result.perturbationNorm).toBeGreaterThan(0);
    expect(result.empiricalRadius).toBeGreaterThanOrEqual(result.certifiedRadius);
    if (result.adversarialPrediction !== result.label) expect(result.empiricalRadius).toBeLessThan(Infinity); // the bisection finds what the attack found
    const progress = only(events, 'progress').filter((e) => e.task === 'audit');
    expect(progress[0]).toMatchObject({ done: 0, unit: 'PGD steps' });
    expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);
    expect(tf.memory().numTensors).toBe(tensors);
    h.dispose();
  });

  it('cancels an attack mid-way at once, while other commands still run', async () => {
    const { h, events, send, until } = await trainedHost();
    const tensors = tf.memory().numTensors;
    const attack = send({ type: 'audit', id: 4, job: { kind: 'attack', index: 0, eps: 0.3, steps: 10_000 } });
    await until((e) => e.type === 'progress' && e.task === 'audit' && e.done > 0);
    // The audit lane does not hold up the command queue.
    await send({ type: 'exportWeights', withOptimizer: false });
    expect(events.at(-1)?.type).toBe('weights');
    await send({ type: 'cancelAudit', id: 4 });
    await attack;
    expect(only(events, 'auditEnded')).toEqual([{ type: 'auditEnded', id: 4, reason: 'cancelled' }]);
    expect(only(events, 'attack')).toEqual([]);
    expect(only(events, 'error')).toEqual([]);
    const last = only(events, 'progress').at(-1);
    expect(last?.done).toBe(last?.total);
    expect(tf.memory().numTensors).toBe(tensors);
    h.dispose();
  });

  it('measures PGD against certified robustness on the first n images, with no violation', async () => {
    const { h, events, send, evaluation } = await trainedHost();
    const tensors = tf.memory().numTensors;
    await send({ type: 'audit', id: 5, job: { kind: 'pgdCurve', n: 12, steps: 10 } });
    const [{ curve }] = only(events, 'pgdCurve');
    expect(curve).toMatchObject({ n: 12, steps: 10, step: 6, violations: [] });
    expect(Array.from(curve.labels)).toEqual(Array.from(evaluation.labels.subarray(0, 12)));
    expect(Array.from(curve.predictions)).toEqual(Array.from(evaluation.predictions.subarray(0, 12)));
    const certificates = { predictions: curve.predictions, radii: curve.certifiedRadii };
    expect(curve.pgdAtPaperRadii.map((p) => p.eps)).toEqual(PAPER_EPSILONS);
    for (const { eps, accuracy } of curve.pgdAtPaperRadii)
      expect(accuracy).toBeGreaterThanOrEqual(certifiedAccuracy(certificates, curve.labels, eps));
    curve.empiricalRadii.forEach((r, i) => {
      if (curve.predictions[i] !== curve.labels[i]) expect(r).toBe(0);
      else expect(r).toBeGreaterThanOrEqual(curve.certifiedRadii[i]);
    });
    expect(tf.memory().numTensors).toBe(tensors);
    h.dispose();
  });

  it('a reset cancels a running audit, and an audit without a model says so', async () => {
    const { h, events, send, until } = await trainedHost();
    const curve = send({ type: 'audit', id: 6, job: { kind: 'pgdCurve', n: 40, steps: 5000 } });
    await until((e) => e.type === 'progress' && e.task === 'audit' && e.done > 0);
    await send({ type: 'reset' });
    await curve;
    expect(only(events, 'auditEnded')).toEqual([{ type: 'auditEnded', id: 6, reason: 'cancelled' }]);
    expect(events.filter((e) => e.type === 'state').at(-1)).toMatchObject({ state: 'idle' });
    await send({ type: 'audit', id: 7, job: { kind: 'inspect', index: 0 } });
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({ type: 'error', name: 'NoModel' }),
      { type: 'auditEnded', id: 7, reason: 'failed' },
    ]);
    h.dispose();
  });

  it('audits the weights of the step it started at while training goes on', async () => {
    const t = host();
    await t.h.init('cpu');
    await t.send({ type: 'configure', config: toyConfig({ epochs: 30, seed: 2 }) });
    await t.send({ type: 'start' });
    await t.until((e) => e.type === 'metrics' && e.step >= 2);
    await t.send({ type: 'audit', id: 8, job: { kind: 'attack', index: 0, eps: 0.2, steps: 150 } });
    const at = t.events.findIndex((e) => e.type === 'attack');
    const { result } = only(t.events, 'attack')[0];
    expect(result.step).toBeGreaterThanOrEqual(2);
    // Training went on during the audit: steps past the audited one were reported before its result.
    const during = only(t.events.slice(0, at), 'metrics').filter((m) => m.step > result.step);
    expect(during.length).toBeGreaterThan(0);
    expect(result.soundnessViolation).toBe(false);
    await t.send({ type: 'pause' });
    t.h.dispose();
  });
});

describe('live per-layer gains', () => {
  it('refreshes every N steps during a run, then a full estimate when asked while idle', async () => {
    const t = host();
    await t.h.init('cpu');
    await t.send({ type: 'configure', config: toyConfig({ epochs: 2, seed: 1 }) });
    await t.send({ type: 'watchLayerGains', steps: 3 }); // no model yet: the first step answers
    await t.send({ type: 'start' });
    await t.until((e) => e.type === 'state' && e.state === 'done');
    const live = only(t.events, 'layerGains').map((e) => e.gains);
    expect(live.map((g) => g.step)).toEqual([1, 3, 6, 9, 12]);
    for (const gains of live) {
      expect(gains.layers.map((l) => l.name)).toEqual(['model.1', 'model.2', 'model.5']);
      for (const layer of gains.layers) {
        expect(layer.atZero).toBeLessThanOrEqual(1 + 1e-4);
        expect(layer.atData).toBeLessThanOrEqual(1 + 1e-4);
      }
      expect(gains.head.rowNormMin).toBeCloseTo(1, 5);
      expect(gains.head.rowNormMax).toBeCloseTo(1, 5);
      // Unit rows: ||w_i - w_j|| <= 2.
      expect(gains.head.largestPairGain).toBeLessThanOrEqual(Math.SQRT2 + 1e-6);
      expect(gains.head.largestPairGain).toBeGreaterThan(0);
    }
    // Warm starts: the estimate climbs towards the layer's gain across refreshes.
    expect(live.at(-1)?.layers[0].atZero).toBeGreaterThan(0.5);

    const tensors = tf.memory().numTensors;
    await t.send({ type: 'watchLayerGains', steps: 0 });
    await t.until(
      (e) => e.type === 'layerGains' && e.gains.step === 12 && only(t.events, 'layerGains').length > 5,
    );
    const full = only(t.events, 'layerGains').at(-1)?.gains;
    expect(full?.step).toBe(12);
    for (const layer of full?.layers ?? []) {
      expect(layer.atZero).toBeGreaterThan(0.5);
      expect(layer.atZero).toBeLessThanOrEqual(1 + 1e-4);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    await t.send({ type: 'watchLayerGains', steps: -1 });
    expect(t.events.at(-1)).toMatchObject({ type: 'error', name: 'ConfigError' });
    t.h.dispose();
  });
});
