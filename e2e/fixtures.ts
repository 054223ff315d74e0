import { type BrowserContext, type Worker, test as base } from '@playwright/test';

/**
 * Every browser test imports `test` and `expect` from here: an automatic fixture fails a test, at its
 * end, on any Content-Security-Policy violation in its pages or workers and on any request to an
 * origin other than the base URL's (or one a spec allows: its own static host). data: and blob: URLs
 * are the page's own.
 */

/** What a `securitypolicyviolation` event says, as it crosses to the test. */
interface Violation {
  directive: string;
  blocked: string;
  source: string;
  sample: string;
}

const CHANNEL = {
  /** Pages report through a binding ... */
  binding: '__sllLabSecurityPolicyViolation',
  /** ... workers, which bindings do not reach, through the console, tagged. */
  tag: 'sll-lab:securitypolicyviolation ',
};

/** Runs in every page and frame before its own scripts, and in each worker once it is seen. */
function reportViolations(channel: typeof CHANNEL): void {
  self.addEventListener('securitypolicyviolation', (e) => {
    const violation: Violation = {
      directive: e.effectiveDirective,
      blocked: e.blockedURI,
      source: `${e.sourceFile}:${e.lineNumber}`,
      sample: e.sample,
    };
    const binding = (self as unknown as Record<string, ((v: Violation) => void) | undefined>)[
      channel.binding
    ];
    if (binding) binding(violation);
    else console.error(channel.tag + JSON.stringify(violation));
  });
}

function violationLine(where: string, v: Violation): string {
  return `CSP violation in ${where}: ${v.directive} blocked ${v.blocked || '(nothing named)'} at ${v.source}${v.sample ? `: ${v.sample}` : ''}`;
}

export class SecurityGuard {
  private readonly origins = new Set<string>();
  private readonly found: string[] = [];
  /** Listeners being added to workers that just started. */
  private readonly pending = new Set<Promise<void>>();

  constructor(baseURL: string | undefined) {
    if (baseURL) this.allowOrigin(baseURL);
  }

  /** Lets requests to `url`'s origin through. */
  allowOrigin(url: string): void {
    this.origins.add(new URL(url).origin);
  }

  /** Everything found so far, one line each. */
  problems(): string[] {
    return [...this.found];
  }

  /**
   * Resolves once every worker seen so far listens for violations (a worker blocked on a lock, as a
   * WASM pthread waiting for work, answers only once it is free or gone).
   */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /** Watches `context`'s requests, and its pages and workers for violations, from now on. */
  async watch(context: BrowserContext): Promise<void> {
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:' || url.protocol === 'blob:' || this.origins.has(url.origin)) return;
      this.found.push(`request left the origin: ${request.method()} ${request.url()}`);
    });
    await context.exposeBinding(CHANNEL.binding, ({ page }, v: Violation) => {
      this.found.push(violationLine(`page ${page.url()}`, v));
    });
    await context.addInitScript(reportViolations, CHANNEL);
    const watchPage = (page: { on(event: 'worker', listener: (w: Worker) => void): unknown }) =>
      page.on('worker', (worker) => this.watchWorker(worker));
    context.pages().forEach(watchPage);
    context.on('page', watchPage);
    context.on('serviceworker', (worker) => this.watchWorker(worker));
  }

  /**
   * A worker's listener is added once Playwright sees the worker, a moment after it starts: a
   * violation in its first instants is not caught here (a request it makes still is).
   */
  private watchWorker(worker: Worker): void {
    worker.on('console', (message) => {
      const text = message.text();
      if (!text.startsWith(CHANNEL.tag)) return;
      const violation = JSON.parse(text.slice(CHANNEL.tag.length)) as Violation;
      this.found.push(violationLine(`worker ${worker.url()}`, violation));
    });
    const listening = worker
      .evaluate(reportViolations, CHANNEL)
      .catch(() => {}) // the worker ended first
      .finally(() => this.pending.delete(listening));
    this.pending.add(listening);
  }
}

export const test = base.extend<{ securityGuard: SecurityGuard }>({
  securityGuard: [
    async ({ baseURL }, use) => {
      const guard = new SecurityGuard(baseURL);
      await use(guard);
      base.expect(guard.problems(), 'CSP violations and requests that left the origin').toEqual([]);
    },
    { auto: true },
  ],
  context: async ({ context, securityGuard }, use) => {
    await securityGuard.watch(context);
    await use(context);
  },
});

export { expect } from '@playwright/test';
