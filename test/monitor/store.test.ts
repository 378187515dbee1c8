import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../lib/model/result.js';
import { LOCK_FILE, ResultStore, RESULTS_FILE, StoreLockedError, resultId } from '../../lib/monitor/store.js';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'probe-fleet-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function result(startedAt: string, ok = true): CheckResult {
  return {
    checkId: 'health',
    environment: 'prod',
    location: 'local',
    runId: 'r1',
    startedAt,
    ok,
    degraded: false,
    durationMs: 12,
    phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, ttfbMs: 10, transferMs: 1 },
    status: ok ? 200 : 503,
    bytes: 15,
    certDaysRemaining: null,
    assertions: [],
    failure: ok ? null : { kind: 'assertion', message: 'status: expected 200, got 503', retryable: false },
    attempts: 1,
    flaky: false,
  };
}

function entry(minute: number, base = Date.parse('2026-11-22T00:00:00Z')) {
  const slot = new Date(base + minute * 60_000);
  return { id: resultId('health', 'local', slot), result: result(slot.toISOString()) };
}

const NOW = Date.parse('2026-11-22T01:00:00Z');

describe('ResultStore', () => {
  it('keeps what was appended across reopen, and refuses a second result for the same slot', () => {
    const d = dir();
    const { store } = ResultStore.open(d, { now: NOW });
    expect(store.append(entry(1))).toBe(true);
    expect(store.append(entry(2))).toBe(true);
    expect(store.append(entry(2))).toBe(false);
    store.close();
    const reopened = ResultStore.open(d, { now: NOW });
    expect(reopened.results.map((r) => r.id)).toEqual([entry(1).id, entry(2).id]);
    expect(reopened.report).toEqual({ loaded: 2, tornBytes: 0, corruptLines: 0, duplicates: 0 });
    expect(reopened.store.append(entry(2))).toBe(false);
    reopened.store.close();
  });

  const torn: [string, string][] = [
    ['a half-written line without newline', '{"id":"health@local@2026-11-22T00:03:00.000Z","result":{"checkId":"he'],
    ['a garbage last line with its newline', '{"id":"x","res\n'],
  ];
  it.each(torn)('recovers from %s: cut off, later appends readable', (_name, tail) => {
    const d = dir();
    const { store } = ResultStore.open(d, { now: NOW });
    store.append(entry(1));
    store.append(entry(2));
    store.close();
    appendFileSync(join(d, RESULTS_FILE), tail);
    const reopened = ResultStore.open(d, { now: NOW });
    expect(reopened.report.tornBytes).toBe(Buffer.byteLength(tail));
    expect(reopened.results).toHaveLength(2);
    reopened.store.append(entry(3));
    reopened.store.close();
    const lines = readFileSync(join(d, RESULTS_FILE), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([entry(1).id, entry(2).id, entry(3).id]);
  });

  it('drops duplicate ids and damaged middle lines on open, and rewrites the file clean', () => {
    const d = dir();
    const lines = [entry(1), entry(1), entry(2)].map((e) => JSON.stringify(e));
    lines.splice(1, 0, 'not json');
    writeFileSync(join(d, RESULTS_FILE), `${lines.join('\n')}\n`);
    const { store, results, report } = ResultStore.open(d, { now: NOW });
    expect(report).toEqual({ loaded: 2, tornBytes: 0, corruptLines: 1, duplicates: 1 });
    expect(results).toHaveLength(2);
    store.close();
    expect(readFileSync(join(d, RESULTS_FILE), 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  it('compaction keeps 7 days, atomically, and leaves no temporary file', () => {
    const d = dir();
    const { store } = ResultStore.open(d, { now: NOW });
    const old = Date.parse('2026-11-14T00:00:00Z');
    store.append(entry(0, old));
    store.append(entry(1, old));
    store.append(entry(5));
    expect(store.compact(NOW)).toBe(2);
    expect(existsSync(join(d, `${RESULTS_FILE}.tmp`))).toBe(false);
    store.append(entry(6));
    store.close();
    const reopened = ResultStore.open(d, { now: NOW });
    expect(reopened.results.map((r) => r.id)).toEqual([entry(5).id, entry(6).id]);
    reopened.store.close();
  });

  it('a compaction that died before its rename leaves the live file intact', () => {
    const d = dir();
    const { store } = ResultStore.open(d, { now: NOW });
    store.append(entry(1));
    store.close();
    writeFileSync(join(d, `${RESULTS_FILE}.tmp`), 'partial');
    const reopened = ResultStore.open(d, { now: NOW });
    expect(reopened.results).toHaveLength(1);
    expect(existsSync(join(d, `${RESULTS_FILE}.tmp`))).toBe(false);
    reopened.store.close();
  });
});

/** The pid of a process that has exited: a lock naming it is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  expect(child.status).toBe(0);
  return child.pid;
}

describe('ResultStore: one live monitor per data directory', () => {
  it('refuses a second open while the first holds the lock, naming the directory and the pid, and leaves the first store intact', () => {
    const d = dir();
    const first = ResultStore.open(d, { now: NOW });
    first.store.append(entry(1));
    // A torn tail as seen mid-write: the second open must not cut it from under the first.
    appendFileSync(join(d, RESULTS_FILE), '{"id":"health@local@2026-11-22T00:02:00.000Z","res');
    const before = readFileSync(join(d, RESULTS_FILE), 'utf8');
    let thrown: unknown;
    try {
      ResultStore.open(d, { now: NOW });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreLockedError);
    const locked = thrown as StoreLockedError;
    expect(locked.pid).toBe(process.pid);
    expect(locked.retryable).toBe(false);
    expect(locked.message).toContain(`data directory ${d} is in use by another monitor (pid ${process.pid})`);
    expect(readFileSync(join(d, RESULTS_FILE), 'utf8')).toBe(before);
    first.store.close();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    // Released on close: the next open gets it (and now cuts the torn tail).
    const reopened = ResultStore.open(d, { now: NOW });
    expect(reopened.report.tornBytes).toBeGreaterThan(0);
    expect(reopened.store.tookOverLock).toBeNull();
    reopened.store.close();
  });

  it('takes over a lock whose pid is no longer running, and says whose', () => {
    const d = dir();
    const pid = deadPid();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid, token: 'old' }));
    const { store } = ResultStore.open(d, { now: NOW });
    expect(store.tookOverLock).toEqual({ file: join(d, LOCK_FILE), pid });
    expect((JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')) as { pid: number }).pid).toBe(process.pid);
    store.close();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('takes over an unreadable lock (its writer died while creating it)', () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), '');
    const { store } = ResultStore.open(d, { now: NOW });
    expect(store.tookOverLock).toEqual({ file: join(d, LOCK_FILE), pid: null });
    store.close();
  });
});
