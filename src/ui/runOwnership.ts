/**
 * One tab owns the lab's run: the one holding the Web Lock below for as long as it is open. Its
 * worker alone trains and writes checkpoints; another tab of the same site waits in the lock's
 * queue and takes over when the owner closes (the browser releases a closed tab's locks).
 */
const RUN_LOCK = 'sll-lab-run';

interface LockManagerLike {
  request(name: string, options: object, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

/**
 * A tab being reloaded still holds the lock for a moment while its successor starts: only a lock
 * held longer than this is another tab's.
 */
const PREDECESSOR_GRACE_MS = 3_000;

/**
 * Calls `owned` once this tab holds the run; calls `waiting` first when another tab keeps it for
 * longer than a reload takes. Without Web Locks (an insecure page, an old browser) the tab owns
 * its run.
 */
export function claimRun(owned: () => void, waiting: () => void): void {
  const locks = (navigator as { locks?: LockManagerLike }).locks;
  if (!locks) {
    owned();
    return;
  }
  const otherTab = setTimeout(waiting, PREDECESSOR_GRACE_MS);
  void locks.request(RUN_LOCK, {}, async () => {
    clearTimeout(otherTab);
    owned();
    await new Promise<never>(() => {});
  });
}
