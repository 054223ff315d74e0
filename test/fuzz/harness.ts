/**
 * Runs fuzz cases against one input path and reports: how many cases, how many were refused with
 * a message of the path's own error type, how many happened to stay valid, the slowest case, and
 * how far the heap (JS objects and array buffers) grew. A case fails when it is refused with a
 * bare JavaScript error (a TypeError, a RangeError from a typed array), with a message that is
 * empty, unprintable or leaks an engine error, when it takes longer than the time limit, or when
 * the target's own check after it (the current model untouched) fails.
 */
import { collector } from '../helpers/gc.ts';
import { type Mutated, type Rng, createRng } from './mutate.ts';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface FuzzTarget<T> {
  /** The input path, as reports name it: "weights JSON". */
  name: string;
  /** Valid inputs the mutations start from; each must be accepted as is. */
  seeds: Mutated<T>[];
  /** Hand-made hostile inputs run before the mutations (bombs, lying headers). */
  specials?: Mutated<T>[];
  /** One mutated input from a seed. */
  mutate(seed: T, rng: Rng): Mutated<T>;
  /** Feeds one input to the lab: resolves when it is accepted, throws when it is refused. */
  feed(value: T): unknown;
  /** The error types that count as a refusal with a message. */
  errors: ErrorClass[];
  /**
   * Checked after every case (not timed): says what is wrong, or null. `refusal` holds the error
   * when the case was refused (then the current model must be untouched), null when accepted.
   */
  check?(refusal: { error: unknown } | null, value: T): Promise<string | null> | string | null;
}

export interface FuzzOptions {
  seed: number;
  /** Mutated cases, on top of the seeds and the specials. */
  cases: number;
  /** The most one case may take. */
  timeLimitMs?: number;
}

export interface FuzzFailure {
  kind: string;
  problem: string;
}

export interface FuzzReport {
  name: string;
  cases: number;
  refused: number;
  /** Inputs the mutation left valid (a changed weight, a pixel): accepted, as they should be. */
  accepted: number;
  /** Distinct refusal messages, digits folded: how specific the messages are. */
  messages: number;
  maxMs: number;
  slowest: string;
  /** The most the heap (JS objects plus array buffers) stood above its start after a case. */
  peakGrowthBytes: number;
  /** What stayed after a full garbage collection at the end (when one can be forced). */
  retainedGrowthBytes: number | null;
  failures: FuzzFailure[];
  /** Wall time of the whole run, seeds and checks included. */
  seconds: number;
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** Engine messages that mean a parser trusted a field it should have checked. */
const ENGINE_MESSAGES =
  /Cannot read prop|Cannot set prop|is not a function|is not iterable|is not a constructor|Invalid typed array length|Invalid array length|out of memory|Maximum call stack|outside the bounds|\[object /i;
const BARE_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/** Why `e` is not a refusal with its own message, or null when it is one. */
export function refusalProblem(e: unknown, errors: ErrorClass[]): string | null {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  const what = `${e.name}: ${e.message.slice(0, 300)}`;
  if (!errors.some((type) => e instanceof type)) return `not a refusal of this path's types (${what})`;
  if (BARE_ERRORS.has(e.name)) return `a bare ${what}`;
  if (e.message.trim() === '') return `${e.name} with an empty message`;
  if (e.message.length > 600) return `a message of ${e.message.length} characters (${what})`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(e.message)) return `control characters in ${what}`;
  if (ENGINE_MESSAGES.test(e.message)) return `an engine error behind ${what}`;
  for (let cause = e.cause; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof TypeError || cause instanceof RangeError || cause instanceof ReferenceError) {
      return `${cause.name} (${cause.message}) behind ${what}`;
    }
  }
  return null;
}

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

export async function runFuzz<T>(target: FuzzTarget<T>, options: FuzzOptions): Promise<FuzzReport> {
  const limit = options.timeLimitMs ?? 2000;
  const began = performance.now();
  const rng = createRng(options.seed);
  const gc = collector();
  const report: FuzzReport = {
    name: target.name,
    cases: 0,
    refused: 0,
    accepted: 0,
    messages: 0,
    maxMs: 0,
    slowest: '',
    peakGrowthBytes: 0,
    retainedGrowthBytes: null,
    failures: [],
    seconds: 0,
  };
  const messages = new Set<string>();
  const fail = (kind: string, problem: string) => report.failures.push({ kind, problem });

  // The seeds must be accepted; they also warm up what the cases run through.
  for (const seed of target.seeds) {
    try {
      await target.feed(seed.value);
    } catch (e) {
      fail(`seed ${seed.kind}`, `a valid seed was refused: ${(e as Error).message}`);
    }
  }
  const settle = async () => {
    if (!gc) return;
    // Twice, with a turn of the event loop between: array buffers are released after their owners.
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  };
  await settle();
  const start = used();

  const runCase = async (c: Mutated<T>) => {
    report.cases++;
    let refusal: { error: unknown } | null = null;
    const t0 = performance.now();
    try {
      await target.feed(c.value);
    } catch (e) {
      refusal = { error: e };
      const problem = refusalProblem(e, target.errors);
      if (problem) fail(c.kind, problem);
      else messages.add(`${e instanceof Error ? e.name : ''}: ${(e as Error).message.replace(/\d+/g, '#')}`);
    }
    const ms = performance.now() - t0;
    if (refusal) report.refused++;
    else report.accepted++;
    if (ms > report.maxMs) {
      report.maxMs = ms;
      report.slowest = c.kind;
    }
    if (ms > limit) fail(c.kind, `took ${ms.toFixed(0)} ms, over the ${limit} ms limit`);
    report.peakGrowthBytes = Math.max(report.peakGrowthBytes, used() - start);
    const problem = await target.check?.(refusal, c.value);
    if (problem) fail(c.kind, problem);
  };

  for (const special of target.specials ?? []) await runCase(special);
  for (let i = 0; i < options.cases; i++) {
    // Garbage from earlier cases would otherwise pile up into the peak until V8 gets to it.
    if (i % 100 === 99) gc?.();
    const seed = target.seeds[i % target.seeds.length];
    const m = target.mutate(seed.value, rng);
    await runCase({ value: m.value, kind: `${seed.kind}: ${m.kind}` });
  }
  report.messages = messages.size;
  if (gc) {
    await settle();
    report.retainedGrowthBytes = used() - start;
  }
  report.seconds = (performance.now() - began) / 1000;
  return report;
}

/** The most the heap may stand above its start after any case, garbage not yet collected included. */
export const PEAK_GROWTH_LIMIT = 256 * 2 ** 20;
/** The most it may keep after a full collection at the end: nothing a case allocated stays. */
export const RETAINED_GROWTH_LIMIT = 16 * 2 ** 20;

/** Whatever in a report breaks the limits: failures, memory, or mutations too tame to test much. */
export function reportProblems(r: FuzzReport): string[] {
  const problems = r.failures.slice(0, 20).map((f) => `${f.kind}: ${f.problem}`);
  if (r.failures.length > 20) problems.push(`… ${r.failures.length - 20} more failures`);
  if (r.peakGrowthBytes > PEAK_GROWTH_LIMIT) problems.push(`the heap grew by ${mb(r.peakGrowthBytes)}`);
  if (r.retainedGrowthBytes !== null && r.retainedGrowthBytes > RETAINED_GROWTH_LIMIT) {
    problems.push(`the heap kept ${mb(r.retainedGrowthBytes)} after the run`);
  }
  if (r.refused < r.cases / 4) problems.push(`only ${r.refused} of ${r.cases} cases were refused`);
  return problems;
}

/** One line a path: for test logs and `npm run fuzz`. */
export function formatReport(r: FuzzReport): string {
  const retained = r.retainedGrowthBytes === null ? 'n/a' : mb(r.retainedGrowthBytes);
  return (
    `${r.name.padEnd(22)} ${String(r.cases).padStart(6)} cases  ${String(r.refused).padStart(6)} refused ` +
    `(${r.messages} distinct messages)  ${String(r.accepted).padStart(5)} valid  ` +
    `max ${r.maxMs.toFixed(0).padStart(5)} ms  heap peak +${mb(r.peakGrowthBytes)}, retained ${retained}  ` +
    `${r.failures.length} failure(s)  ${r.seconds.toFixed(1)} s`
  );
}
