import { describe, expect, it } from 'vitest';
import { type WatchdogClock, WorkerWatchdog } from '../../src/ui/workerWatchdog.ts';

/** A clock the test moves by hand; the watchdog's check runs whenever its interval is due. */
function manualClock() {
  let time = 0;
  let check: (() => void) | null = null;
  let every = 0;
  let due = 0;
  const clock: WatchdogClock = {
    now: () => time,
    setInterval(callback, ms) {
      check = callback;
      every = ms;
      due = ms;
      return 1;
    },
    clearInterval: () => (check = null),
  };
  return {
    clock,
    /** Time passes with the page awake: the check runs on schedule. */
    advance(ms: number) {
      for (const end = time + ms; time < end;) {
        time = Math.min(end, due);
        if (time === due) {
          check?.();
          due += every;
        }
      }
    },
    /** Time passes with the page frozen: the check runs once, late, when it wakes. */
    sleep(ms: number) {
      time += ms;
      due = time;
      check?.();
      due += every;
    },
  };
}

function watched(silenceMs = 30_000) {
  const log: string[] = [];
  const time = manualClock();
  const watchdog = new WorkerWatchdog(
    silenceMs,
    { silent: (s) => log.push(`silent ${s}`), answering: () => log.push('answering') },
    time.clock,
  );
  return { log, time, watchdog };
}

describe('WorkerWatchdog', () => {
  it('stays quiet while the worker beats, however long the run', () => {
    const { log, time, watchdog } = watched();
    for (let i = 0; i < 600; i++) {
      time.advance(1000);
      watchdog.heard();
    }
    expect(log).toEqual([]);
  });

  it('says silent once after the threshold without a beat, and answering when a beat comes', () => {
    const { log, time, watchdog } = watched();
    time.advance(29_000);
    expect(log).toEqual([]);
    time.advance(1000);
    expect(log).toEqual(['silent 30']);
    time.advance(60_000);
    expect(log).toEqual(['silent 30']);
    watchdog.heard();
    expect(log).toEqual(['silent 30', 'answering']);
  });

  it('a page frozen for minutes is no alarm: the silence counts from when it wakes', () => {
    const { log, time, watchdog } = watched();
    time.sleep(5 * 60_000);
    time.advance(10_000);
    expect(log).toEqual([]);
    watchdog.heard();
    time.advance(29_000);
    expect(log).toEqual([]);
  });

  it('stops checking once stopped', () => {
    const { log, time, watchdog } = watched();
    watchdog.stop();
    time.advance(120_000);
    expect(log).toEqual([]);
  });
});
