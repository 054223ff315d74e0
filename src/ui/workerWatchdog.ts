/**
 * Notices a training worker that stopped answering: killed, crashed, or stuck. The worker beats
 * every second (train.worker.ts) and every event counts as a beat; `silenceMs` without one makes it
 * silent, and the next beat makes it answering again, so a false alarm clears by itself.
 */
export interface WatchdogClock {
  now(): number;
  setInterval(callback: () => void, ms: number): number;
  clearInterval(id: number): void;
}

export interface WatchdogListener {
  silent(seconds: number): void;
  answering(): void;
}

export class WorkerWatchdog {
  private lastHeard: number;
  private lastCheck: number;
  private isSilent = false;
  private readonly timer: number;

  constructor(
    private readonly silenceMs: number,
    private readonly listener: WatchdogListener,
    private readonly clock: WatchdogClock,
    private readonly checkEveryMs = 1000,
  ) {
    this.lastHeard = this.lastCheck = clock.now();
    this.timer = clock.setInterval(() => this.check(), checkEveryMs);
  }

  /** A message from the worker arrived. */
  heard(): void {
    this.lastHeard = this.clock.now();
    if (this.isSilent) {
      this.isSilent = false;
      this.listener.answering();
    }
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
  }

  private check(): void {
    const now = this.clock.now();
    // A check that runs late means this page was frozen or throttled (a hidden tab): the worker's
    // beats of that time may still be queued behind this check, so the silence is counted afresh.
    if (now - this.lastCheck > 2 * this.checkEveryMs) this.lastHeard = now;
    this.lastCheck = now;
    if (!this.isSilent && now - this.lastHeard >= this.silenceMs) {
      this.isSilent = true;
      this.listener.silent(Math.round((now - this.lastHeard) / 1000));
    }
  }
}
