/**
 * Finds code that turns strings into code in the shipped bundles: eval (direct, indirect or looked
 * up by name), the Function constructor (also reached through `.constructor`), and setTimeout or
 * setInterval given a string. The scan reads the text, so it also finds such calls inside scripts
 * kept as strings (a worker built from a Blob). e2e/build.spec.ts runs it on a fresh build.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface DynamicCodeHit {
  /** Relative to the scanned folder. */
  file: string;
  line: number;
  column: number;
  kind: string;
  /** The text around the hit on its line, whitespace folded. */
  context: string;
}

const PATTERNS: { kind: string; pattern: RegExp }[] = [
  { kind: 'eval call', pattern: /(?<![\w$])eval\s*\(/g },
  { kind: 'indirect eval', pattern: /(?<![\w$])eval\s*\)/g },
  { kind: 'eval by name', pattern: /\[\s*["'`]eval["'`]\s*\]/g },
  { kind: 'Function constructor', pattern: /(?<![\w$])Function\s*\(/g },
  { kind: 'Function through .constructor', pattern: /\.constructor\s*\(\s*["'`]/g },
  { kind: 'timer with a string', pattern: /(?<![\w$])set(?:Timeout|Interval)\s*\(\s*["'`]/g },
];

const CONTEXT_CHARS = 60;

async function scriptFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every hit in the .js and .mjs files under `dir`, in file order. */
export async function findDynamicCode(dir: string): Promise<DynamicCodeHit[]> {
  const hits: DynamicCodeHit[] = [];
  for (const path of await scriptFiles(dir)) {
    const text = await readFile(path, 'utf8');
    for (const { kind, pattern } of PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const before = text.slice(0, match.index);
        const lineStart = before.lastIndexOf('\n') + 1;
        const lineEnd = text.indexOf('\n', match.index);
        const contextEnd = match.index + match[0].length + CONTEXT_CHARS;
        hits.push({
          file: relative(dir, path),
          line: before.split('\n').length,
          column: match.index - lineStart + 1,
          kind,
          context: text
            .slice(
              Math.max(lineStart, match.index - CONTEXT_CHARS),
              lineEnd < 0 ? contextEnd : Math.min(lineEnd, contextEnd),
            )
            .replace(/\s+/g, ' '),
        });
      }
    }
  }
  return hits;
}

/** One line a hit, for a test's failure message. */
export function formatHits(hits: DynamicCodeHit[]): string {
  return hits.map((h) => `${h.file}:${h.line}:${h.column} ${h.kind}: …${h.context}…`).join('\n');
}
