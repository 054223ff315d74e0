/**
 * The certificate audit's state: the inspected test image, the attack and the PGD curve under way
 * or done, soundness violations kept until dismissed, and the latest per-layer gains. Every result
 * carries the model generation it was computed on, so the page never shows one network's numbers
 * as another's; within one model, results carry their step.
 */
import type {
  AttackResult,
  Command,
  ImageInspection,
  LayerGains,
  PgdCurve,
  WorkerEvent,
} from '../protocol.ts';
import { PGD_STEPS } from '../sll/auditDefaults.ts';

/** A result and the model generation it describes. */
export interface OfModel<T> {
  generation: number;
  value: T;
}

/** An attack result with the original image it was run on (from the inspection it came from). */
export interface AttackRecord {
  result: AttackResult;
  original: Uint8Array;
  imageSize: number;
  channels: number;
}

/** A PGD success inside a certified radius: kept, image and all, until the user dismisses it. */
export type Violation =
  | { id: number; kind: 'attack'; generation: number; record: AttackRecord }
  | { id: number; kind: 'pgdCurve'; generation: number; step: number; indices: number[] };

/** An attack or PGD curve under way, with its PGD progress. */
export interface AuditJobState {
  id: number;
  /** The model generation the job's snapshot was taken from. */
  generation: number;
  kind: 'attack' | 'pgdCurve';
  /** The test image attacked and its pixels (attack only). */
  index: number | null;
  original: Pick<ImageInspection, 'image' | 'imageSize' | 'channels'> | null;
  done: number;
  total: number;
  unit: string;
}

export interface AuditState {
  /** Counts the models the worker has held; results from an earlier generation are stale. */
  generation: number;
  nextId: number;
  /** The inspect request awaiting its answer. */
  inspecting: { id: number; index: number; generation: number } | null;
  inspection: OfModel<ImageInspection> | null;
  job: AuditJobState | null;
  /** How the last attack or PGD curve that gave no result ended. */
  ended: { kind: 'attack' | 'pgdCurve'; reason: 'cancelled' | 'failed' } | null;
  attack: OfModel<AttackRecord> | null;
  pgdCurve: OfModel<PgdCurve> | null;
  violations: Violation[];
  layerGains: OfModel<LayerGains> | null;
  /** Training steps between two layer-gain measurements (0: never). */
  layerGainsEvery: number;
}

export interface AuditSlice {
  audit: AuditState;
  /** Asks the worker for test image `index` under the held model. */
  inspectImage(index: number): void;
  closeInspection(): void;
  /** Attacks the inspected image at `eps` (the slider's, once, at the press). */
  attackInspected(eps: number): void;
  /** Empirical radii of the first `n` test images. */
  runPgdCurve(n: number): void;
  cancelAudit(): void;
  dismissViolation(id: number): void;
  /** Layer gains every `steps` training steps, and once now. */
  watchLayerGains(steps: number): void;
}

export const DEFAULT_LAYER_GAINS_EVERY = 50;

/** How many test images a PGD curve covers unless the user chooses. */
export const DEFAULT_PGD_CURVE_IMAGES = 200;

export const INITIAL_AUDIT: AuditState = {
  generation: 0,
  nextId: 1,
  inspecting: null,
  inspection: null,
  job: null,
  ended: null,
  attack: null,
  pgdCurve: null,
  violations: [],
  layerGains: null,
  layerGainsEvery: DEFAULT_LAYER_GAINS_EVERY,
};

type AuditEvent = Extract<
  WorkerEvent,
  { type: 'inspection' | 'attack' | 'pgdCurve' | 'auditEnded' | 'layerGains' | 'progress' }
>;

/** Whether a result describes the model the worker holds now (whatever its step). */
export function ofHeldModel<T>(r: OfModel<T> | null, audit: Pick<AuditState, 'generation'>): r is OfModel<T> {
  return r !== null && r.generation === audit.generation;
}

/**
 * The audit slice, its event reducer and `modelReplaced`, which the lab store calls whenever the
 * worker's model becomes another network (a new run, a reset, a loaded file or checkpoint).
 */
export function createAuditSlice(
  set: (patch: Pick<AuditSlice, 'audit'>) => void,
  get: () => AuditSlice,
  send: (command: Command) => void,
) {
  const update = (patch: Partial<AuditState>) => set({ audit: { ...get().audit, ...patch } });
  function takeId(): number {
    const id = get().audit.nextId;
    update({ nextId: id + 1 });
    return id;
  }

  const slice: AuditSlice = {
    audit: INITIAL_AUDIT,
    inspectImage(index) {
      const id = takeId();
      update({ inspecting: { id, index, generation: get().audit.generation } });
      send({ type: 'audit', id, job: { kind: 'inspect', index } });
    },
    closeInspection: () => update({ inspection: null, inspecting: null }),
    attackInspected(eps) {
      const { inspection, job, generation } = get().audit;
      if (!inspection || job) return;
      const id = takeId();
      const { index, image, imageSize, channels } = inspection.value;
      const original = { image, imageSize, channels };
      update({
        job: {
          id,
          generation,
          kind: 'attack',
          index,
          original,
          done: 0,
          total: PGD_STEPS,
          unit: 'PGD steps',
        },
        ended: null,
      });
      send({ type: 'audit', id, job: { kind: 'attack', index, eps, steps: PGD_STEPS } });
    },
    runPgdCurve(n) {
      const { job, generation } = get().audit;
      if (job) return;
      const id = takeId();
      update({
        job: {
          id,
          generation,
          kind: 'pgdCurve',
          index: null,
          original: null,
          done: 0,
          total: n,
          unit: 'images',
        },
        ended: null,
      });
      send({ type: 'audit', id, job: { kind: 'pgdCurve', n, steps: PGD_STEPS } });
    },
    cancelAudit() {
      const { job } = get().audit;
      if (job) send({ type: 'cancelAudit', id: job.id });
    },
    dismissViolation(id) {
      update({ violations: get().audit.violations.filter((v) => v.id !== id) });
    },
    watchLayerGains(steps) {
      update({ layerGainsEvery: steps });
      send({ type: 'watchLayerGains', steps });
    },
  };

  function apply(e: AuditEvent): void {
    const audit = get().audit;
    switch (e.type) {
      case 'inspection':
        // Only the latest request's answer: an earlier click's must not replace it.
        if (audit.inspecting?.id !== e.id) return;
        update({
          inspecting: null,
          inspection: { generation: audit.inspecting.generation, value: e.inspection },
        });
        return;
      case 'attack': {
        if (audit.job?.id !== e.id || !audit.job.original) return;
        const { generation, original } = audit.job;
        const record: AttackRecord = {
          result: e.result,
          original: original.image,
          imageSize: original.imageSize,
          channels: original.channels,
        };
        const violations = e.result.soundnessViolation
          ? [...audit.violations, { id: e.id, kind: 'attack' as const, generation, record }]
          : audit.violations;
        update({ job: null, attack: { generation, value: record }, violations });
        return;
      }
      case 'pgdCurve': {
        if (audit.job?.id !== e.id) return;
        const { generation } = audit.job;
        const { curve } = e;
        const violations =
          curve.violations.length > 0
            ? [
                ...audit.violations,
                {
                  id: e.id,
                  kind: 'pgdCurve' as const,
                  generation,
                  step: curve.step,
                  indices: curve.violations,
                },
              ]
            : audit.violations;
        update({ job: null, pgdCurve: { generation, value: curve }, violations });
        return;
      }
      case 'auditEnded':
        if (audit.inspecting?.id === e.id) update({ inspecting: null });
        if (audit.job?.id === e.id) update({ job: null, ended: { kind: audit.job.kind, reason: e.reason } });
        return;
      case 'layerGains':
        update({ layerGains: { generation: audit.generation, value: e.gains } });
        return;
      case 'progress':
        if (e.task === 'audit' && audit.job)
          update({ job: { ...audit.job, done: e.done, total: e.total, unit: e.unit } });
        return;
      default: {
        const unknown: never = e;
        throw new Error(`unknown audit event ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Results so far describe an earlier network from now on; violations stay until dismissed. */
  function modelReplaced(): void {
    update({ generation: get().audit.generation + 1 });
  }

  /** A new worker holds no model and will never answer the old one's jobs. */
  function workerReplaced(): void {
    update({ generation: get().audit.generation + 1, inspecting: null, job: null });
  }

  return { slice, apply, modelReplaced, workerReplaced };
}
