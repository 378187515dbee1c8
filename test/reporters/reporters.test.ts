import { describe, expect, it } from 'vitest';
import { palette, shouldColor } from '../../lib/reporters/colors.js';
import { createReporter } from '../../lib/reporters/createReporter.js';
import { formatAssertion } from '../../lib/reporters/format.js';
import type { JsonReport } from '../../lib/reporters/json.js';
import type { ReporterName } from '../../lib/reporters/createReporter.js';
import { fanOut, summarize } from '../../lib/reporters/reporter.js';
import type { Reporter } from '../../lib/reporters/reporter.js';
import { Redactor } from '../../lib/secrets/secrets.js';
import { fleet, PLANTED_SECRET, planned, results } from './fixtures.js';
import { findAll, parseXml } from './xmlCheck.js';

const ANSI = /\u001b\[/;

function buffer(isTTY = false) {
  let text = '';
  return { stream: { write: (t: string) => (text += t), isTTY }, text: () => text };
}

function drive(reporter: Reporter): Promise<void> | void {
  reporter.onBegin({ fleet, runId: '20261122T003000Z-abc123', planned });
  results.forEach((r, i) => reporter.onCheckEnd(r, planned[i]!));
  return reporter.onEnd(summarize(results, 2345), results);
}

function redactor(): Redactor {
  const r = new Redactor();
  r.add(PLANTED_SECRET);
  return r;
}

async function render(name: ReporterName, color = false): Promise<string> {
  const out = buffer(color);
  await drive(createReporter(name, out.stream, { redactor: redactor(), color }));
  return out.text();
}

describe('summarize', () => {
  it('counts each outcome once, degraded and flaky inside passed, skipped apart from failed', () => {
    expect(summarize(results, 2345.4)).toEqual({ total: 6, passed: 3, failed: 2, degraded: 1, flaky: 1, skipped: 1, durationMs: 2345 });
  });

  it('is all zeros for an empty run', () => {
    expect(summarize([], 0)).toEqual({ total: 0, passed: 0, failed: 0, degraded: 0, flaky: 0, skipped: 0, durationMs: 0 });
  });
});

describe('formatAssertion', () => {
  it('reads like Gatus: what was checked, expected, got', () => {
    expect(formatAssertion({ description: 'status', ok: false, expected: '200', actual: '404' })).toBe('status: expected 200, got 404');
  });
});

describe('shouldColor', () => {
  const cases: { name: string; isTTY: boolean; env: NodeJS.ProcessEnv; color: boolean }[] = [
    { name: 'a TTY without NO_COLOR', isTTY: true, env: {}, color: true },
    { name: 'a TTY with NO_COLOR=1', isTTY: true, env: { NO_COLOR: '1' }, color: false },
    { name: 'a TTY with an empty NO_COLOR (the spec ignores it)', isTTY: true, env: { NO_COLOR: '' }, color: true },
    { name: 'a pipe', isTTY: false, env: {}, color: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(shouldColor({ write: () => true, isTTY: c.isTTY }, c.env)).toBe(c.color);
    });
  }
});

describe('list reporter', () => {
  it('prints a live line per check with its symbol, then a table and the failure details', async () => {
    const text = await render('list');
    const lines = text.split('\n');
    expect(lines.find((l) => l.includes('health [prod]'))).toMatch(/^ {2}✓ health \[prod\] 42 ms$/);
    expect(lines.find((l) => l.includes('login [prod]'))).toMatch(/^ {2}✗ login \[prod\] 42 ms failed {2}step "get token": status: expected 200, got 404/);
    expect(lines.find((l) => l.includes('products [prod]'))).toMatch(/^ {2}~ products \[prod\] 1\.80 s degraded$/);
    expect(lines.find((l) => l.includes('search [prod]'))).toMatch(/^ {2}~ search \[prod\] 42 ms flaky$/);
    expect(lines.find((l) => l.includes('me [staging]'))).toMatch(/✗ me \[staging\] 0 ms skipped {2}deadline: not started/);

    const header = lines.find((l) => l.includes('failure reason'));
    expect(header?.trim().split(/\s{2,}/)).toEqual(['check', 'environment', 'result', 'duration', 'failure reason']);
    expect(lines.find((l) => /^ {2}cart\s+staging\s+failed\s+42 ms\s+connect_refused: connect to 127\.0\.0\.1:1 refused/.test(l))).toBeDefined();

    const failures = text.slice(text.indexOf('Failures'));
    for (const expected of [
      '1) login [prod] Check login',
      'owner:     team-auth',
      'kind:      assertion (step "get token")',
      'retryable: no',
      'assertion: status: expected 200, got 404',
      'runbook:   https://runbooks.example/login',
      'rollback:  roll back auth to the previous release',
      '2) cart [staging]',
      'retryable: yes',
      'message:   connect to 127.0.0.1:1 refused',
      '3) me [staging]',
    ]) {
      expect(failures).toContain(expected);
    }
    expect(failures).not.toContain('health [prod]');
    expect(lines.at(-2)).toBe('6 checks: 3 passed, 2 failed, 1 degraded, 1 flaky, 1 skipped in 2.35 s');
  });

  it('never writes the planted secret, even where it is cut short in the table', async () => {
    const text = await render('list');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(PLANTED_SECRET);
    expect(text).not.toContain(PLANTED_SECRET.slice(0, 8));
  });

  it('writes ANSI colours only when asked to', async () => {
    expect(await render('list', false)).not.toMatch(ANSI);
    const coloured = await render('list', true);
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain(palette(true).green('✓'));
    expect(coloured).toContain(palette(true).red('✗'));
  });
});

describe('json reporter', () => {
  it('writes one document with the run id, fleet, summary and the result values exactly', async () => {
    const report = JSON.parse(await render('json')) as JsonReport;
    expect(report.runId).toBe('20261122T003000Z-abc123');
    expect(report.fleet).toBe('shop');
    expect(report.summary).toEqual(summarize(results, 2345));
    expect(report.results).toHaveLength(results.length);
    // Passing results without a secret in them come through untouched.
    for (const i of [0, 2, 3]) expect(report.results[i]).toEqual(results[i]);
    // Failed and skipped ones too, with only `check` added beside the runner's fields.
    for (const i of [4, 5]) {
      const { check, ...rest } = report.results[i]!;
      expect(rest).toEqual(results[i]);
      expect(check).toBeDefined();
    }
  });

  it('names the owner, runbook and rollback note of every result that did not pass, and of no other', async () => {
    const report = JSON.parse(await render('json')) as JsonReport;
    expect(report.results.map((r) => [r.checkId, r.check?.owner ?? null])).toEqual([
      ['health', null],
      ['login', 'team-auth'],
      ['products', null],
      ['search', null],
      ['cart', 'team-cart'],
      ['me', 'team-auth'],
    ]);
    expect(report.results[1]?.check).toEqual({
      name: 'Check login',
      service: 'auth',
      owner: 'team-auth',
      severity: 'critical',
      expect: 'login answers 200',
      runbook: 'https://runbooks.example/login',
      rollbackNote: 'roll back auth to the previous release',
    });
  });

  it('redacts the planted secret inside result strings', async () => {
    const text = await render('json');
    expect(text).not.toContain(PLANTED_SECRET);
    const report = JSON.parse(text) as JsonReport;
    expect(report.results[1]?.failure?.message).toBe('2 assertions failed for [REDACTED]');
  });
});

describe('junit reporter', () => {
  it('is well-formed XML with one testcase per check per environment', async () => {
    const root = parseXml(await render('junit'));
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ tests: '6', failures: '2', skipped: '1', errors: '0', time: '2.345' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attributes.name)).toEqual(['shop [prod]', 'shop [staging]']);
    expect(suites.map((s) => [s.attributes.tests, s.attributes.failures, s.attributes.skipped])).toEqual([
      ['4', '1', '0'],
      ['2', '1', '1'],
    ]);
    const cases = findAll(root, 'testcase');
    expect(cases.map((c) => [c.attributes.name, c.attributes.classname])).toEqual([
      ['health: Check health [prod]', 'api'],
      ['login: Check login [prod]', 'auth'],
      ['products: Check products [prod]', 'catalog'],
      ['search: Check search [prod]', 'catalog'],
      ['cart: Check cart [staging]', 'cart'],
      ['me: Check me [staging]', 'auth'],
    ]);
    expect(cases[0]?.attributes.time).toBe('0.042');
  });

  it('carries the failure kind and the resolved assertions, escaped and intact', async () => {
    const root = parseXml(await render('junit'));
    const failures = findAll(root, 'failure');
    expect(failures.map((f) => f.attributes.type)).toEqual(['assertion', 'connect_refused']);
    const login = failures[0]!;
    expect(login.attributes.message).toContain('status: expected 200, got 404');
    expect(login.attributes.message).toContain('$.token: expected exists, got missing in {"error":"<bad> & \\"quoted\\" [REDACTED]"}');
    expect(login.text).toContain('owner: team-auth');
    expect(login.text).toContain('rollback: roll back auth to the previous release');
    expect(login.text).toContain('retryable: no');
    expect(findAll(root, 'skipped')).toHaveLength(1);
    const outs = findAll(root, 'system-out').map((o) => o.text);
    expect(outs).toContain('flaky: passed only on attempt 2');
    expect(outs.some((o) => o.startsWith('degraded: 1800 ms'))).toBe(true);
  });

  it('never writes the planted secret', async () => {
    expect(await render('junit')).not.toContain(PLANTED_SECRET);
  });
});

describe('xml check', () => {
  const broken: [string, string][] = [
    ['an unclosed element', '<a><b></a>'],
    ['a raw ampersand', '<a>x & y</a>'],
    ['a raw < in an attribute', '<a b="<"/>'],
    ['an unquoted attribute', '<a b=c/>'],
  ];
  for (const [name, xml] of broken) {
    it(`rejects ${name}`, () => {
      expect(() => parseXml(xml)).toThrow();
    });
  }
});

describe('fanOut', () => {
  it('sends every event to every reporter', async () => {
    const list = buffer();
    const json = buffer();
    await drive(fanOut([createReporter('list', list.stream, { redactor: redactor() }), createReporter('json', json.stream, { redactor: redactor() })]));
    expect(list.text()).toContain('Failures');
    expect((JSON.parse(json.text()) as JsonReport).results).toHaveLength(6);
  });
});
