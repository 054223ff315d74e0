import { describe, expect, it } from 'vitest';
import type { Command, WorkerEvent } from '../../src/protocol.ts';
import { createLabStore } from '../../src/store/labStore.ts';
import { attack, inspection, layerGains, modelEvent, pgdCurve } from '../ui/auditEvents.ts';

function lab() {
  const sent: Command[] = [];
  const store = createLabStore({ send: (c) => sent.push(c), saveFile: () => {} });
  const emit = (e: WorkerEvent) => store.getState().applyEvent(e);
  return { store, sent, emit, audit: () => store.getState().audit };
}

describe('lab store: the certificate audit', () => {
  it('asks for an image and keeps only the latest request’s answer', () => {
    const { store, sent, emit, audit } = lab();
    store.getState().inspectImage(3);
    store.getState().inspectImage(7);
    expect(sent).toEqual([
      { type: 'audit', id: 1, job: { kind: 'inspect', index: 3 } },
      { type: 'audit', id: 2, job: { kind: 'inspect', index: 7 } },
    ]);
    emit(inspection(1));
    expect(audit().inspection).toBeNull();
    expect(audit().inspecting).toMatchObject({ id: 2, index: 7 });
    emit(inspection(2, { index: 7 }));
    expect(audit().inspecting).toBeNull();
    expect(audit().inspection).toMatchObject({ generation: 0, value: { index: 7, step: 100 } });
  });

  it('attacks the inspected image once at the eps it is given, with progress, and keeps the result', () => {
    const { store, sent, emit, audit } = lab();
    store.getState().inspectImage(3);
    emit(inspection(1));
    store.getState().attackInspected(36 / 255);
    store.getState().attackInspected(72 / 255); // one job at a time: ignored
    expect(sent.slice(1)).toEqual([
      { type: 'audit', id: 2, job: { kind: 'attack', index: 3, eps: 36 / 255, steps: 100 } },
    ]);
    emit({ type: 'progress', task: 'audit', done: 40, total: 100, unit: 'PGD steps' });
    expect(audit().job).toMatchObject({ id: 2, kind: 'attack', index: 3, done: 40, total: 100 });
    expect(store.getState().activity).toMatchObject({ task: 'audit', done: 40 });
    emit(attack(2));
    expect(audit().job).toBeNull();
    expect(audit().attack?.value.result.empiricalRadius).toBe(0.63);
    // The original image comes from the inspection the attack was started from.
    expect(audit().attack?.value.original).toEqual(
      (inspection(1) as { inspection: { image: Uint8Array } }).inspection.image,
    );
    expect(audit().violations).toEqual([]);
  });

  it('cancels the job under way and says how it ended; a late result is dropped', () => {
    const { store, sent, emit, audit } = lab();
    store.getState().runPgdCurve(200);
    expect(sent).toEqual([{ type: 'audit', id: 1, job: { kind: 'pgdCurve', n: 200, steps: 100 } }]);
    store.getState().cancelAudit();
    expect(sent[1]).toEqual({ type: 'cancelAudit', id: 1 });
    emit({ type: 'auditEnded', id: 1, reason: 'cancelled' });
    expect(audit().job).toBeNull();
    expect(audit().ended).toEqual({ kind: 'pgdCurve', reason: 'cancelled' });
    emit(pgdCurve(1));
    expect(audit().pgdCurve).toBeNull();
  });

  it('keeps soundness violations, image and all, until each is dismissed', () => {
    const { store, emit, audit } = lab();
    store.getState().inspectImage(3);
    emit(inspection(1));
    store.getState().attackInspected(36 / 255);
    emit(attack(2, { adversarialPrediction: 5, empiricalRadius: 0.1, soundnessViolation: true }));
    store.getState().runPgdCurve(4);
    emit(pgdCurve(3, { violations: [1, 3] }));
    expect(audit().violations.map((v) => [v.id, v.kind])).toEqual([
      [2, 'attack'],
      [3, 'pgdCurve'],
    ]);
    // A later attack replaces the attack result, not the violation.
    store.getState().attackInspected(36 / 255);
    emit(attack(4));
    expect(audit().attack?.value.result.soundnessViolation).toBe(false);
    expect(audit().violations).toHaveLength(2);
    emit(modelEvent(0));
    expect(audit().violations).toHaveLength(2);
    store.getState().dismissViolation(2);
    expect(audit().violations.map((v) => v.id)).toEqual([3]);
  });

  it('marks every result of an earlier network as such: a loaded file, a reset, a new run', () => {
    const { store, emit, audit } = lab();
    store.getState().inspectImage(3);
    emit(inspection(1));
    emit(layerGains(100, [['conv 1', 0.99, 0.98]]));
    expect(audit().inspection?.generation).toBe(0);
    emit(modelEvent(500));
    expect(audit().generation).toBe(1);
    expect(audit().inspection?.generation).toBe(0);
    expect(audit().layerGains?.generation).toBe(0);
    store.getState().reset();
    store.getState().confirm();
    expect(audit().generation).toBe(2);
    store.getState().train();
    expect(audit().generation).toBe(3);
  });

  it('files a result under the model its job started on, even if the model changed meanwhile', () => {
    const { store, emit, audit } = lab();
    store.getState().runPgdCurve(4);
    emit(modelEvent(10));
    emit(pgdCurve(1));
    expect(audit().pgdCurve?.generation).toBe(0);
    expect(audit().generation).toBe(1);
  });

  it('sends the layer-gain cadence and keeps it', () => {
    const { store, sent, audit } = lab();
    expect(audit().layerGainsEvery).toBe(50);
    store.getState().watchLayerGains(20);
    expect(sent).toEqual([{ type: 'watchLayerGains', steps: 20 }]);
    expect(audit().layerGainsEvery).toBe(20);
  });

  it('forgets jobs a replaced worker will never answer', () => {
    const { store, audit } = lab();
    store.getState().inspectImage(1);
    store.getState().runPgdCurve(4);
    store.getState().restartWorker();
    expect(audit().job).toBeNull();
    expect(audit().inspecting).toBeNull();
    expect(audit().generation).toBe(1);
  });
});
