// `npm run audit:prod`: `npm audit --omit=dev`, failing on any high or critical advisory against
// the shipped dependencies that scripts/audit-allowlist.json does not explain. It needs the
// registry's advisory service, so it runs apart from `npm test` (which works offline).
//
// Exit codes: 0 clean or every advisory explained, 1 an advisory unexplained, 2 no audit possible.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { type AllowedAdvisory, compareWithAllowList, readAudit } from './auditReport.ts';

const ALLOW_LIST = new URL('./audit-allowlist.json', import.meta.url);

// npm audit exits 1 whenever it finds anything: its JSON says what.
const json = await new Promise<string>((resolve) =>
  execFile('npm', ['audit', '--omit=dev', '--json'], { maxBuffer: 64 * 2 ** 20 }, (_error, stdout) =>
    resolve(stdout),
  ),
);
const outcome = readAudit(json);
if ('failure' in outcome) {
  console.error(`audit:prod: ${outcome.failure}`);
  process.exit(2);
}
const allowed = JSON.parse(await readFile(ALLOW_LIST, 'utf8')) as AllowedAdvisory[];
const { unexplained, stale } = compareWithAllowList(outcome.advisories, allowed);
for (const a of outcome.advisories) {
  const note = unexplained.includes(a) ? 'NOT EXPLAINED' : 'explained in the allow-list';
  console.log(`${a.severity} ${a.id} in ${a.package}: ${a.title} (${note})`);
}
for (const b of stale)
  console.log(`allow-list entry ${b.id} (${b.package}) matches no advisory now: remove it`);
console.log(
  `audit:prod: ${outcome.advisories.length} high or critical advisories, ${unexplained.length} not explained`,
);
process.exitCode = unexplained.length > 0 ? 1 : 0;
