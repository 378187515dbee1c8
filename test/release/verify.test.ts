// `probe-fleet verify` in process against real regression services on 127.0.0.1: the gate
// passes a healthy release and fails on each regression it owns.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVerifyCommand } from '../../lib/cli/commands/verify.js';
import type { AuditRecord } from '../../lib/release/auditRecord.js';
import type { JsonReport } from '../../lib/reporters/json.js';
import type { RegressionService } from '../support/regressionService.js';
import { startRegressionService } from '../support/regressionService.js';
import { captureIO, check, fleet, tempDir, writeFleet } from './helpers.js';

// In this long-lived test process the gate's budget counts from each run's start; the real
// process-start origin is exercised against the built CLI in verifyDeadline.test.ts.
const verifyCommand = createVerifyCommand({ processStartedAt: () => Date.now() });

let staging: RegressionService;
let production: RegressionService;
let tmp: ReturnType<typeof tempDir>;
let config: string;

const CHECKS = [
  check('products', { assertions: [{ type: 'status', equals: 200 }, { type: 'responseTime', lessThanMs: 250 }] }),
  check('products-one', { url: '/products?limit=1', severity: 'warning', tags: ['smoke'] }),
  // Neither smoke nor critical: not part of the gate unless asked for by tag.
  check('catalogue-deep', { url: '/products?limit=50', severity: 'warning', tags: ['nightly'] }),
];

beforeAll(async () => {
  tmp = tempDir();
  staging = await startRegressionService();
  production = await startRegressionService();
  config = writeFleet(tmp.dir, fleet({ staging: staging.url, production: production.url }, CHECKS));
});

afterAll(async () => {
  await staging.close();
  await production.close();
  tmp.remove();
});

beforeEach(() => {
  staging.deploy({});
  production.deploy({});
  staging.requests.length = 0;
  production.requests.length = 0;
});

async function verify(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO(tmp.dir, env);
  const code = await verifyCommand.run(['--config', config, '--request-log', join(tmp.dir, 'requests.jsonl'), ...args], io);
  return { code, out: io.out(), err: io.err() };
}

function report(out: string): JsonReport {
  return JSON.parse(out) as JsonReport;
}

describe('verify', () => {
  it('passes a healthy release: the critical path only, the version read once, synthetic headers on the wire', async () => {
    const run = await verify(['--env', 'staging', '--expect-version', '1.4.0']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const paths = staging.requests.map((r) => r.path).sort();
    expect(paths).toEqual(['/health', '/products?limit=1', '/products?limit=2']);
    expect(production.requests).toHaveLength(0);
    for (const r of staging.requests) expect(r.headers['x-synthetic-request']).toBe('true');
    expect(run.out).toMatch(/✓ staging\s+3 passed, 0 failed, 0 flaky — shop 1\.4\.0/);
    expect(run.out).toContain('Verdict: healthy');
  });

  const regressions: { name: string; regression: Parameters<RegressionService['deploy']>[0]; failing: string; kind: string; also?: RegExp }[] = [
    { name: 'a wrong version', regression: { version: '1.3.9' }, failing: 'version-shop', kind: 'version_mismatch', also: /expected version "1\.4\.0", received "1\.3\.9"/ },
    { name: '+300 ms latency', regression: { extraLatencyMs: 300 }, failing: 'products', kind: 'assertion', also: /response ?time|responseTime/i },
    { name: 'a service answering 500', regression: { errorRate: 1 }, failing: 'products', kind: 'assertion', also: /500/ },
  ];
  for (const row of regressions) {
    it(`fails on ${row.name} with kind ${row.kind}, naming owner and rollback note`, async () => {
      staging.deploy(row.regression);
      const run = await verify(['--env', 'staging', '--expect-version', '1.4.0', '--reporter', 'json']);
      expect(run.code).toBe(1);
      const parsed = report(run.out);
      const failed = parsed.results.find((r) => r.checkId === row.failing)!;
      expect(failed.ok).toBe(false);
      expect(failed.failure?.kind).toBe(row.kind);
      // A failed request is retried once; a wrong version was read fine and asking again cannot cure it.
      expect(failed.attempts).toBe(row.kind === 'version_mismatch' ? 1 : 2);
      if (row.kind === 'version_mismatch') {
        expect(failed.version).toBe('1.3.9');
        expect(failed.failure?.retryable).toBe(false);
      }
      // The JSON report names who owns the failed check and how to roll back, as the issue asks.
      expect(failed.check).toMatchObject({ owner: 'team-shop', service: 'shop', severity: 'critical', runbook: expect.stringMatching(/^https:\/\/runbooks\.example\.com\//), rollbackNote: expect.stringContaining('roll back shop') });
      expect(parsed.results.filter((r) => r.ok).every((r) => r.check === undefined)).toBe(true);
      const said = [failed.failure?.message ?? '', ...failed.assertions.filter((a) => !a.ok).map((a) => `${a.description}: expected ${a.expected}, got ${a.actual}`)].join('\n');
      expect(said).toMatch(row.also!);
      // The per-environment section goes to stderr when stdout carries the JSON report.
      expect(run.err).toMatch(/✗ staging/);
      expect(run.err).toContain('Verdict: roll back');
    });
  }

  it('the list report names the check, its owner, the resolved assertion and the rollback note', async () => {
    staging.deploy({ extraLatencyMs: 300 });
    const run = await verify(['--env', 'staging']);
    expect(run.code).toBe(1);
    expect(run.out).toContain('products');
    expect(run.out).toContain('team-shop');
    expect(run.out).toContain('roll back shop (products)');
    expect(run.out).toMatch(/expected < ?250/);
  });

  it('a 5% error rate: the failure passes on its retry and is reported flaky, not hidden', async () => {
    staging.deploy({ errorRate: 0.05 });
    const run = await verify(['--env', 'staging', '--reporter', 'json']);
    expect(run.code).toBe(0);
    const parsed = report(run.out);
    expect(parsed.summary.flaky).toBe(1);
    const flaky = parsed.results.find((r) => r.flaky)!;
    expect(flaky.attempts).toBe(2);
    expect(run.err).toMatch(/✓ staging\s+2 passed, 0 failed, 1 flaky/);
    // What the service saw: the first request failed (500), so one check was asked twice.
    expect(staging.requests).toHaveLength(3);
  });

  it('--env all runs every environment in parallel and reports each', async () => {
    staging.deploy({ extraLatencyMs: 50 });
    production.deploy({ version: '1.3.9', extraLatencyMs: 50 });
    const run = await verify(['--env', 'all', '--expect-version', '1.4.0']);
    expect(run.code).toBe(1);
    expect(staging.requests.length).toBe(3);
    expect(production.requests.length).toBe(3);
    expect(run.out).toMatch(/✓ staging\s+3 passed.*shop 1\.4\.0/);
    expect(run.out).toMatch(/✗ production\s+2 passed, 1 failed.*shop 1\.3\.9 \(expected 1\.4\.0\)/);
    expect(run.out).toContain('Verdict: roll back: 1 of 2 environments failed');
    // In parallel: each environment received a request while the other was still being answered.
    const lastAnswer = (s: RegressionService): number => Math.max(...s.requests.map((r) => r.answeredAt ?? Number.POSITIVE_INFINITY));
    const firstArrival = (s: RegressionService): number => Math.min(...s.requests.map((r) => r.arrivedAt));
    expect(firstArrival(production)).toBeLessThan(lastAnswer(staging));
    expect(firstArrival(staging)).toBeLessThan(lastAnswer(production));
  });

  it('--tags replaces the critical-path selection', async () => {
    const run = await verify(['--env', 'staging', '--tags', 'nightly']);
    expect(run.code).toBe(0);
    expect(staging.requests.map((r) => r.path)).toEqual(['/products?limit=50']);
  });

  it('--record FILE appends one audit line per run to that file (directories created): who, what, when, each result', async () => {
    const file = join(tmp.dir, 'audit', 'gates', 'shop.jsonl');
    const ci = { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'release-bot', GITHUB_RUN_ID: '4242', GITHUB_SHA: 'abc123', USER: 'someone-else' };
    await verify(['--env', 'staging', '--expect-version', '1.4.0', '--record', file], ci);
    production.deploy({ version: '1.3.9' });
    await verify(['--env', 'production', '--expect-version', '1.4.0', '--record', file], { USER: 'alice' });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(first).toMatchObject({
      kind: 'verify',
      fleet: 'release-test',
      environments: ['staging'],
      baseUrls: { staging: staging.url },
      expectedVersion: '1.4.0',
      exitCode: 0,
      verdict: 'healthy: 1 of 1 environment passed',
      deadline: { ms: 120_000, reached: false },
      actor: { user: 'release-bot', ci: 'github-actions', pipelineId: '4242', commit: 'abc123' },
    });
    expect(first!.checks.map((c) => c.checkId).sort()).toEqual(['products', 'products-one', 'version-shop']);
    expect(first!.checks.every((c) => c.ok && typeof c.durationMs === 'number')).toBe(true);
    expect(Date.parse(first!.endedAt)).toBeGreaterThanOrEqual(Date.parse(first!.startedAt));
    expect(second).toMatchObject({ environments: ['production'], exitCode: 1, verdict: 'roll back: 1 of 1 environment failed', actor: { user: 'alice', ci: null } });
    expect(second!.checks.find((c) => c.checkId === 'version-shop')).toMatchObject({ ok: false, failureKind: 'version_mismatch', version: '1.3.9' });
  });

  it('--record DIR/ (or an existing directory) appends to DIR/verify.jsonl', async () => {
    const dir = join(tmp.dir, 'audit-dir');
    await verify(['--env', 'staging', '--record', `${dir}/`]);
    await verify(['--env', 'staging', '--record', dir]);
    expect(readFileSync(join(dir, 'verify.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('with no CI or shell variable naming anyone, the audit actor is the operating-system account', async () => {
    const file = join(tmp.dir, 'os-user.jsonl');
    await verify(['--env', 'staging', '--record', file], {});
    const record = JSON.parse(readFileSync(file, 'utf8').trim()) as AuditRecord;
    expect(record.actor.user).toBe(userInfo().username);
    expect(record.actor.user).not.toBeNull();
  });

  it('a record that cannot be written is reported with its path and does not change the verdict', async () => {
    const blocker = join(tmp.dir, 'probes.config.json');
    const run = await verify(['--env', 'staging', '--record', join(blocker, 'verify.jsonl')]);
    expect(run.code).toBe(0);
    expect(run.err).toContain(`could not append the audit record to ${join(blocker, 'verify.jsonl')}`);
    expect(existsSync(join(blocker, 'verify.jsonl'))).toBe(false);
  });

  // A service that answers only after 3 s: the gate's own limits, not the service, must end these runs.
  it('a gate that exceeds --deadline exits 1 and says so, whatever the checks were doing', async () => {
    staging.deploy({ extraLatencyMs: 3000 });
    const io = captureIO(tmp.dir);
    const running = verifyCommand.run(['--config', config, '--request-log', join(tmp.dir, 'requests.jsonl'), '--env', 'staging', '--deadline', '200ms'], io);
    expect(await running).toBe(1);
    expect(io.out()).toMatch(/✗ staging/);
    expect(io.out()).toMatch(/Verdict: roll back/);
    expect(io.out()).toMatch(/the gate exceeded its deadline of 0\.2s \(counted from process start\): 0 skipped \(never started\), 2 checks cut mid-flight/);
  });

  it('an interrupt (the CLI signal) exits 1: the gate did not finish, so the release is unverified', async () => {
    staging.deploy({ extraLatencyMs: 3000 });
    const io = captureIO(tmp.dir);
    const running = verifyCommand.run(['--config', config, '--request-log', join(tmp.dir, 'requests.jsonl'), '--env', 'staging'], io);
    // Interrupt once the gate is demonstrably mid-flight: a check's request reached the service.
    for (let i = 0; i < 400 && staging.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(staging.requests.length).toBeGreaterThan(0);
    io.abort();
    expect(await running).toBe(1);
    expect(io.out()).toContain('Verdict: interrupted: the gate did not finish; treat the release as unverified');
    expect(io.out()).not.toContain('Verdict: healthy');
  });

  const usage: { name: string; args: string[]; fleetExtra?: Record<string, unknown>; message: RegExp }[] = [
    { name: 'an unknown environment', args: ['--env', 'nowhere'], message: /invalid --env/ },
    { name: 'an unreadable deadline', args: ['--env', 'staging', '--deadline', 'soon'], message: /invalid --deadline: expected a positive duration/ },
    { name: 'an unknown reporter', args: ['--env', 'staging', '--reporter', 'tap'], message: /invalid --reporter/ },
    { name: 'a selection that matches nothing', args: ['--env', 'staging', '--tags', 'none-such'], message: /expected at least one, received none/ },
  ];
  for (const row of usage) {
    it(`exits 2 on ${row.name}, and nothing reaches the service`, async () => {
      const run = await verify(row.args);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(row.message);
      expect(staging.requests).toHaveLength(0);
    });
  }

  it('exits 2 when --expect-version has no version source to read', async () => {
    const bare = writeFleet(tmp.dir, fleet({ staging: staging.url }, CHECKS, { versions: {} }), 'bare.json');
    const io = captureIO(tmp.dir);
    const code = await verifyCommand.run(['--config', bare, '--env', 'staging', '--expect-version', '2.0.0', '--request-log', '-'], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/--expect-version needs a version source: expected fleet.versions to name one of the verified services \(shop\)/);
    expect(staging.requests).toHaveLength(0);
  });
});
