/**
 * Runs certificate-audit jobs (docs/audit.md) one at a time in their own lane, beside the command
 * queue, so that a long attack never holds up a pause or an export. Each job works on a snapshot of
 * the held model taken when it starts: training may go on, and the model may even be replaced.
 */
import type { DatasetSplit } from '../data/dataset.ts';
import { Evaluator } from '../kernels/evaluator.ts';
import type { SllModel } from '../kernels/model.ts';
import { snapshotModel } from '../kernels/modelSnapshot.ts';
import { PgdCancelledError } from '../kernels/pgd.ts';
import type { AuditJob, WorkerEvent } from '../protocol.ts';
import { type AuditTarget, attackImage, checkJob, inspectImage, jobSteps, pgdCurve } from './auditJobs.ts';
import { TrainerError, errorEvent } from './errors.ts';
import { ProgressReporter } from './progress.ts';

/** Least time between two progress reports of a job. */
const AUDIT_PROGRESS_MS = 200;

/** The model the engine holds now, its step, and the test split it was trained beside. */
export interface HeldModel {
  model: SllModel;
  step: number;
  test: DatasetSplit;
}

export interface AuditorDeps {
  post(event: WorkerEvent): void;
  now(): number;
  /** Read at a job's start; null while no model or dataset is loaded. */
  held(): HeldModel | null;
}

export class Auditor {
  private lane: Promise<void> = Promise.resolve();
  /** The job running now (or the last one). */
  private current: Promise<void> = Promise.resolve();
  /** Jobs submitted and not yet ended, and those of them asked to stop. */
  private readonly pending = new Set<number>();
  private readonly cancelled = new Set<number>();
  /** Bumped by `cancelAll`: the job running then stops; jobs that start later run. */
  private generation = 0;

  constructor(private readonly deps: AuditorDeps) {}

  /**
   * Runs job `id` after the jobs before it and after `after` (the commands that arrived before it);
   * resolves when its result, or its `auditEnded`, has been posted.
   */
  run(id: number, job: AuditJob, after: Promise<unknown> = Promise.resolve()): Promise<void> {
    this.pending.add(id);
    const next = Promise.all([this.lane, after]).then(() => {
      this.current = this.runNow(id, job, this.generation);
      return this.current;
    });
    this.lane = next;
    return next;
  }

  /** Stops job `id` at its next yield, or before it starts; a job already ended is left alone. */
  cancel(id: number): void {
    if (this.pending.has(id)) this.cancelled.add(id);
  }

  /**
   * Stops the running job (a new backend, a reset) and waits for it to end. Jobs still waiting run
   * afterwards, on whatever model is held then: one may wait for the very command that cancels.
   */
  async cancelAll(): Promise<void> {
    this.generation++;
    await this.current;
  }

  private async runNow(id: number, job: AuditJob, generation: number): Promise<void> {
    const shouldStop = () => this.cancelled.has(id) || generation !== this.generation;
    let progress: ProgressReporter | null = null;
    let model: SllModel | null = null;
    let target: AuditTarget | null = null;
    try {
      if (shouldStop()) throw new PgdCancelledError('cancelled before it started');
      const held = this.deps.held();
      if (!held)
        throw new TrainerError('NoModel', 'there is no model to audit yet: start training or load weights');
      checkJob(job, held.test);
      const { step, test } = held;
      model = await snapshotModel(held.model);
      target = { evaluator: await Evaluator.create(model), step, test };
      const total = jobSteps(job, test);
      if (total > 0)
        progress = new ProgressReporter(
          this.deps.post,
          this.deps.now,
          'audit',
          total,
          'PGD steps',
          AUDIT_PROGRESS_MS,
        );
      const control = { shouldStop, onStep: (done: number) => progress?.report(done) };
      this.deps.post(await this.result(id, job, target, control));
    } catch (e) {
      const cancelled = e instanceof PgdCancelledError;
      if (!cancelled) this.deps.post(errorEvent(e));
      this.deps.post({ type: 'auditEnded', id, reason: cancelled ? 'cancelled' : 'failed' });
    } finally {
      progress?.end();
      target?.evaluator.dispose();
      model?.dispose();
      this.pending.delete(id);
      this.cancelled.delete(id);
    }
  }

  private async result(
    id: number,
    job: AuditJob,
    target: AuditTarget,
    control: { shouldStop(): boolean; onStep(done: number): void },
  ): Promise<WorkerEvent> {
    switch (job.kind) {
      case 'inspect':
        return { type: 'inspection', id, inspection: await inspectImage(target, job.index) };
      case 'attack':
        return { type: 'attack', id, result: await attackImage(target, job, control) };
      case 'pgdCurve':
        return { type: 'pgdCurve', id, curve: await pgdCurve(target, job, control, this.deps.now) };
      default: {
        const unknown: never = job;
        throw new Error(`unknown audit job ${JSON.stringify(unknown)}`);
      }
    }
  }
}
