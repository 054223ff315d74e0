import { describe, expect, it } from 'vitest';
import { compareWithAllowList, readAudit } from '../../scripts/auditReport.ts';

/** `npm audit --json` as npm 11 prints it (report version 2), trimmed. */
const REPORT = {
  auditReportVersion: 2,
  vulnerabilities: {
    protobufjs: {
      name: 'protobufjs',
      severity: 'critical',
      isDirect: false,
      via: [
        {
          source: 1092455,
          name: 'protobufjs',
          dependency: 'protobufjs',
          title: 'Prototype Pollution',
          url: 'https://github.com/advisories/GHSA-h755-8qp9-cq85',
          severity: 'critical',
          range: '>=7.0.0 <7.2.5',
        },
      ],
      effects: ['onnx-proto'],
    },
    // Vulnerable only through protobufjs: named, not repeated.
    'onnx-proto': { name: 'onnx-proto', severity: 'critical', isDirect: true, via: ['protobufjs'] },
    'some-lib': {
      name: 'some-lib',
      severity: 'moderate',
      via: [
        {
          source: 1,
          name: 'some-lib',
          title: 'ReDoS',
          url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc',
          severity: 'moderate',
        },
      ],
    },
  },
  metadata: { vulnerabilities: { critical: 2, high: 0, moderate: 1, low: 0, info: 0, total: 3 } },
};

describe('readAudit', () => {
  it('lists each high or critical advisory once, by GHSA id and package', () => {
    expect(readAudit(JSON.stringify(REPORT))).toEqual({
      advisories: [
        {
          id: 'GHSA-h755-8qp9-cq85',
          package: 'protobufjs',
          severity: 'critical',
          title: 'Prototype Pollution',
        },
      ],
    });
  });

  it('says so when npm could not reach the advisory service, or printed something else', () => {
    const refused = {
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      error: { summary: '' },
    };
    expect(readAudit(JSON.stringify(refused))).toEqual({
      failure:
        'npm audit could not query the advisories: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    });
    expect(readAudit('')).toEqual({ failure: 'npm audit printed no JSON' });
    expect(readAudit('{"auditReportVersion":2}')).toEqual({
      failure: 'npm audit printed no vulnerabilities field',
    });
  });
});

describe('compareWithAllowList', () => {
  const advisory = {
    id: 'GHSA-h755-8qp9-cq85',
    package: 'protobufjs',
    severity: 'critical',
    title: 'Prototype Pollution',
  };

  it('an advisory is explained only by an entry for the same id and package', () => {
    const entry = { id: advisory.id, package: 'protobufjs', reason: 'only the CLI exports ONNX' };
    expect(compareWithAllowList([advisory], [entry])).toEqual({ unexplained: [], stale: [] });
    const otherPackage = { ...entry, package: 'onnx-proto' };
    expect(compareWithAllowList([advisory], [otherPackage])).toEqual({
      unexplained: [advisory],
      stale: [otherPackage],
    });
    expect(compareWithAllowList([], [entry])).toEqual({ unexplained: [], stale: [entry] });
  });
});
