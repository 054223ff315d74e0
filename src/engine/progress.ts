/**
 * Progress of a long operation as `progress` events: one at the start (done 0), then at most one
 * per interval while it runs, and one with done = total when it ends, however it ends.
 */
import type { ProgressTask, WorkerEvent } from '../protocol.ts';

export class ProgressReporter {
  private lastAt: number;
  private lastDone = 0;
  private ended = false;

  constructor(
    private readonly emit: (event: WorkerEvent) => void,
    private readonly now: () => number,
    private readonly task: ProgressTask,
    private readonly total: number,
    private readonly unit: string,
    /** Least time between two reports while it runs (the start and the end always go out). */
    private readonly intervalMs = 0,
  ) {
    this.lastAt = now();
    this.send(0);
  }

  /** `done` units so far; dropped when too soon after the last report or not past it. */
  report(done: number): void {
    if (this.ended || done <= this.lastDone || done >= this.total) return;
    const at = this.now();
    if (at - this.lastAt < this.intervalMs) return;
    this.lastAt = at;
    this.lastDone = done;
    this.send(done);
  }

  /** The operation is over (finished or failed): done = total, once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.send(this.total);
  }

  private send(done: number): void {
    this.emit({ type: 'progress', task: this.task, done, total: this.total, unit: this.unit });
  }
}

/** Runs `work` between a start and an end report of `task`. */
export async function withProgress<T>(
  reporter: ProgressReporter,
  work: (reporter: ProgressReporter) => Promise<T>,
): Promise<T> {
  try {
    return await work(reporter);
  } finally {
    reporter.end();
  }
}
