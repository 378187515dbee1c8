// The built CLI against a service that accepts connections and never answers: the gate's
// budget counts from the start of the process, and the verdict and the audit line are on
// disk before it runs out — a pipeline step capped at the same budget sees both.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../lib/release/auditRecord.js';
import type { RequestLogEntry } from '../../lib/runner/api.js';
import { assertBuilt, check, fleetFor, runCli, tempDir, writeFleet } from '../cli/helpers.js';

const DEADLINE_MS = 6000;

let tmp: ReturnType<typeof tempDir>;
let baseUrl: string;
const sockets = new Set<Socket>();
const server = createServer((socket) => {
  // Accept, read, never answer.
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.resume();
});

beforeAll(async () => {
  assertBuilt();
  tmp = tempDir();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((done) => server.close(done));
  tmp.remove();
});

describe('verify against a hanging endpoint', () => {
  it('exits before the deadline counted from process start, with the verdict and the audit line written', async () => {
    // 14 checks, 12 allowed in flight (more than Node's 10 listeners per signal), a rate limit
    // that grants only a few tokens before the deadline: some checks hang until they are cut,
    // the rest are starved by our own limiter and never start.
    const checks = Array.from({ length: 14 }, (_, i) => check(`hang-${i}`, { url: `/hang/${i}`, tags: ['smoke'], timeoutMs: 60_000 }));
    const config = writeFleet(tmp.dir, fleetFor(baseUrl, checks, { defaults: { timeoutMs: 60_000, rateLimit: { requestsPerSecond: 1, burst: 4 } } }));
    const record = join(tmp.dir, 'trail', 'verify.jsonl');
    const requestLog = join(tmp.dir, 'requests.jsonl');

    const run = await runCli(['verify', '--config', config, '--env', 'local', '--deadline', `${DEADLINE_MS}ms`, '--concurrency', '12', '--record', record, '--request-log', requestLog], {
      cwd: tmp.dir,
      killAfterMs: DEADLINE_MS + 10_000,
    });

    // Noted once the child has closed its streams, so a little after it exited: a stricter bound.
    const exitedAt = Date.now();
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/MaxListenersExceededWarning/);
    expect(run.stdout).toMatch(/Verdict: roll back: the gate exceeded its deadline of 6s \(counted from process start\): (\d+) skipped \(never started\), (\d+) checks? cut mid-flight/);

    const lines = readFileSync(record, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const audit = JSON.parse(lines[0]!) as AuditRecord;
    expect(audit.exitCode).toBe(1);
    expect(audit.deadline).toMatchObject({ ms: DEADLINE_MS, reached: true });
    expect(audit.verdict).toMatch(/^roll back: the gate exceeded its deadline/);
    // The acceptance criterion: exited, audit line written, before the deadline counted from
    // the process's own start (the record says when that was: performance.timeOrigin).
    const processStartedAt = Date.parse(audit.deadline!.processStartedAt);
    expect(Date.parse(audit.endedAt)).toBeLessThan(processStartedAt + DEADLINE_MS);
    expect(exitedAt - processStartedAt).toBeLessThan(DEADLINE_MS);
    expect(run.elapsedMs).toBeGreaterThan(DEADLINE_MS / 2);
    expect(audit.actor.user).not.toBeNull();

    const skipped = audit.checks.filter((c) => c.skipped);
    const cut = audit.checks.filter((c) => !c.skipped && !c.ok);
    expect(skipped.length).toBeGreaterThan(0);
    expect(cut.length).toBeGreaterThan(0);
    expect(skipped.length + cut.length).toBe(14);
    expect(cut.every((c) => c.failureKind === 'deadline' && c.attempts === 1)).toBe(true);
    expect(skipped.every((c) => c.failureKind === 'deadline' && c.attempts === 0 && /rate-limited|deadline passed/.test(c.failure ?? ''))).toBe(true);
    expect(run.stdout).toContain(`${skipped.length} skipped (never started), ${cut.length} check${cut.length === 1 ? '' : 's'} cut mid-flight`);

    // Every check the limiter starved left a refusal in the request log.
    const entries = readFileSync(requestLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestLogEntry);
    const refused = new Set(entries.filter((e) => e.error?.startsWith('rate_limited:')).map((e) => e.checkId));
    for (const c of skipped.filter((s) => /rate-limited/.test(s.failure ?? ''))) expect(refused.has(c.checkId)).toBe(true);
  }, 30_000);
});
