import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDynamicCode, formatHits } from '../../scripts/dynamicCodeScan.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sll-lab-scan-'));
  await mkdir(join(dir, 'assets'));
  // Each way of turning a string into code, minified as bundlers write it.
  await writeFile(
    join(dir, 'assets', 'page.js'),
    [
      'var a=eval("1+1");',
      'var b=(0,eval)(src);',
      'var c=self["eval"](src);',
      'var d=new Function("a","return a");e=Function(`return this`)();',
      'var f=(function(){}).constructor("return this")();',
      'setTimeout("tick()",10);setInterval(\'tick()\',10);',
    ].join('\n'),
  );
  // A worker kept as a string still counts.
  await writeFile(
    join(dir, 'assets', 'worker.mjs'),
    'export const w=`importScripts:function(f){(0,eval)(f)}`;',
  );
  // Look-alikes that are not dynamic code.
  await writeFile(
    join(dir, 'assets', 'clean.js'),
    'evaluate(x);retrieval(y);isFunction(z);function g(){}setTimeout(()=>g(),0);x.constructor(y);' +
      'var s="evaluation";typeof Function;Function.prototype.call;',
  );
  await writeFile(join(dir, 'notes.txt'), 'eval("not a script")');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('findDynamicCode', () => {
  it('names each eval, Function constructor and string timer with its place and context, and nothing else', async () => {
    const hits = await findDynamicCode(dir);
    expect(hits.map((h) => `${h.file}:${h.line} ${h.kind}`)).toEqual([
      'assets/page.js:1 eval call',
      'assets/page.js:2 indirect eval',
      'assets/page.js:3 eval by name',
      'assets/page.js:4 Function constructor',
      'assets/page.js:4 Function constructor',
      'assets/page.js:5 Function through .constructor',
      'assets/page.js:6 timer with a string',
      'assets/page.js:6 timer with a string',
      'assets/worker.mjs:1 indirect eval',
    ]);
    expect(hits[3]).toMatchObject({
      column: 11,
      context: 'var d=new Function("a","return a");e=Function(`return this`)();',
    });
    expect(formatHits(hits.slice(1, 2))).toBe('assets/page.js:2:10 indirect eval: …var b=(0,eval)(src);…');
  });
});
