/**
 * Progress of long runs on stderr: one line rewritten in place with `\r`, drawn only on a terminal
 * and never with `--json`, so that pipes, files and JSON consumers see only the results on stdout.
 */

/** Where progress goes: the process's stderr, or a test's stand-in. */
export interface ProgressStream {
  /** Progress is drawn only where this is true (a terminal). */
  readonly isTTY: boolean;
  write(text: string): void;
}

export const processStderr: ProgressStream = {
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  write(text) {
    process.stderr.write(text);
  },
};

/** The stream to draw progress on, or null: not with `--json`, not when stderr is no terminal. */
export function progressStream(stderr: ProgressStream, json: boolean): ProgressStream | null {
  return json || !stderr.isTTY ? null : stderr;
}

/** One status line that each `draw` replaces; `end` moves below it so other output starts clean. */
export class StatusLine {
  private width = 0;

  constructor(private readonly stream: ProgressStream | null) {}

  draw(text: string): void {
    if (!this.stream) return;
    // Pad with spaces over what is left of a longer previous line.
    this.stream.write(`\r${text.padEnd(this.width)}`);
    this.width = text.length;
  }

  /** Ends the drawn line with a newline; nothing if no line is drawn. */
  end(): void {
    if (!this.stream || this.width === 0) return;
    this.stream.write('\n');
    this.width = 0;
  }
}

export interface ProgressOptions {
  /** What is counted, plural (default "images"). */
  unit?: string;
  /** Least time between two drawings; the last count is always drawn (default 250 ms). */
  intervalMs?: number;
  /** Milliseconds since some origin (default `performance.now`). */
  now?: () => number;
}

/** `12 s`, `3 min 05 s`, `2 h 04 min`; `unknown` for no number. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Counts `done` of `total` units under a label: `certify: 2,560/10,000 images  612 images/s  ETA 12 s`,
 * at most one drawing per `intervalMs` but always the total (with the time taken); `close` ends the line.
 */
export class Progress {
  private readonly line: StatusLine;
  private readonly unit: string;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastDraw = -Infinity;

  constructor(
    stream: ProgressStream | null,
    private readonly label: string,
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.line = new StatusLine(stream);
    this.unit = options.unit ?? 'images';
    this.intervalMs = options.intervalMs ?? 250;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    this.update(0);
  }

  update(done: number): void {
    const t = this.now();
    if (done < this.total && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    const seconds = (t - this.start) / 1000;
    let text = `${this.label}: ${count(done)}/${count(this.total)} ${this.unit}`;
    if (done > 0 && seconds > 0) {
      const rate = done / seconds;
      text += `  ${rate >= 10 ? rate.toFixed(0) : rate.toPrecision(2)} ${this.unit}/s`;
      text +=
        done < this.total
          ? `  ETA ${formatDuration((this.total - done) / rate)}`
          : `  in ${formatDuration(seconds)}`;
    }
    this.line.draw(text);
  }

  /** Ends the line: after the last count (always drawn), or where it stands after a failure. */
  close(): void {
    this.line.end();
  }
}
