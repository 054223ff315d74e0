/**
 * Reads `npm audit --json` output: the high and critical advisories against the shipped
 * dependencies, and which of them the allow-list (scripts/audit-allowlist.json) explains.
 * scripts/auditProd.ts runs the audit.
 */

export interface Advisory {
  /** The GitHub advisory id (GHSA-...), or the advisory's URL when it has none. */
  id: string;
  package: string;
  severity: string;
  title: string;
}

export interface AllowedAdvisory {
  id: string;
  package: string;
  /** Why the lab is not exposed: where the package runs, what the flaw needs. */
  reason: string;
}

const BLOCKING = new Set(['high', 'critical']);

/** What npm audit said, or why it could not say anything. */
export type AuditOutcome = { advisories: Advisory[] } | { failure: string };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The high and critical advisories in `npm audit --json` output, each once. */
export function readAudit(json: string): AuditOutcome {
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch {
    return { failure: 'npm audit printed no JSON' };
  }
  if (!isRecord(report)) return { failure: 'npm audit printed no report' };
  if (isRecord(report.error) || typeof report.message === 'string') {
    const error = isRecord(report.error) ? report.error.summary : undefined;
    return { failure: `npm audit could not query the advisories: ${String(report.message ?? error)}` };
  }
  if (!isRecord(report.vulnerabilities)) return { failure: 'npm audit printed no vulnerabilities field' };
  const found = new Map<string, Advisory>();
  for (const entry of Object.values(report.vulnerabilities)) {
    if (!isRecord(entry) || !Array.isArray(entry.via)) continue;
    // `via` holds advisories (objects) and the names of vulnerable dependencies (strings), which
    // are listed under their own names.
    for (const via of entry.via) {
      if (!isRecord(via) || !BLOCKING.has(String(via.severity))) continue;
      const url = String(via.url ?? via.source);
      const id = /GHSA-[\w-]+$/.exec(url)?.[0] ?? url;
      const pkg = String(via.name);
      found.set(`${id} ${pkg}`, {
        id,
        package: pkg,
        severity: String(via.severity),
        title: String(via.title),
      });
    }
  }
  return { advisories: [...found.values()] };
}

/** Advisories the allow-list does not explain, and allow-list entries no advisory needs any more. */
export function compareWithAllowList(
  advisories: Advisory[],
  allowed: AllowedAdvisory[],
): { unexplained: Advisory[]; stale: AllowedAdvisory[] } {
  const matches = (a: Advisory, b: AllowedAdvisory) => a.id === b.id && a.package === b.package;
  return {
    unexplained: advisories.filter((a) => !allowed.some((b) => matches(a, b))),
    stale: allowed.filter((b) => !advisories.some((a) => matches(a, b))),
  };
}
