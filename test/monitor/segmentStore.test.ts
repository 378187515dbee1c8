// The segmented result store: one file per UTC hour; a torn last line is cut, a slot stored
// twice counts once, retention deletes whole hours, and the single-file store is migrated.
import { appendFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../lib/model/result.js';
import type { ReplayRow } from '../../lib/monitor/segmentStore.js';
import { SEGMENTS_DIR, SegmentedResultStore, segmentLine, storedIdsOf } from '../../lib/monitor/segmentStore.js';
import { RESULTS_FILE } from '../../lib/monitor/store.js';
import { tempDir } from './support.js';

const HOUR = 3600_000;
const NOW = Date.parse('2026-11-22T12:30:00.000Z');

function result(startMs: number, ok = true, message = ''): CheckResult {
  return {
    checkId: 'health',
    environment: 'prod',
    location: 'local',
    runId: 'r',
    startedAt: new Date(startMs).toISOString(),
    ok,
    degraded: false,
    durationMs: 42.5,
    phases: { dnsMs: 1, connectMs: 1, tlsMs: 0, ttfbMs: 30, transferMs: 1 },
    status: ok ? 200 : 503,
    bytes: 10,
    certDaysRemaining: ok ? 40 : null,
    assertions: [],
    failure: ok ? null : ({ kind: 'assertion', message, retryable: true } as unknown as CheckResult['failure']),
    attempts: 1,
    flaky: false,
  };
}

const id = (t: number): string => `health.prod@local@${new Date(t).toISOString()}`;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function reopen(dir: string, now = NOW): Promise<{ rows: ReplayRow[]; store: SegmentedResultStore; report: Awaited<ReturnType<SegmentedResultStore['replay']>> }> {
  const rows: ReplayRow[] = [];
  const { store, report } = await SegmentedResultStore.open(dir, (r) => rows.push(r), { now });
  return { rows, store, report };
}

describe('segmented result store', () => {
  it('appends into hourly segments and replays the columns, with failures in full', async () => {
    const dir = tempDir('probe-fleet-seg-');
    dirs.push(dir);
    const first = await reopen(dir);
    expect(await first.store.append({ id: id(NOW - 2 * HOUR), result: result(NOW - 2 * HOUR) })).toBe(true);
    expect(await first.store.append({ id: id(NOW - 60_000), result: result(NOW - 60_000, false, 'status: expected 200, got 503 <b>') })).toBe(true);
    expect(await first.store.append({ id: id(NOW - 60_000), result: result(NOW - 60_000) })).toBe(false);
    first.store.close();
    expect(readdirSync(join(dir, SEGMENTS_DIR)).sort()).toEqual(['2026-11-22T10.log', '2026-11-22T12.log']);
    const second = await reopen(dir);
    expect(second.rows.map((r) => [r.targetKey, r.ok, r.durationMs, r.certDays])).toEqual([
      ['health\tprod', true, 42.5, 40],
      ['health\tprod', false, 42.5, null],
    ]);
    expect(second.rows[1]!.entry()?.result.failure?.message).toBe('status: expected 200, got 503 <b>');
    expect(second.rows[0]!.entry()?.result).toMatchObject({ ok: true, status: 200, certDaysRemaining: 40, startedAt: new Date(NOW - 2 * HOUR).toISOString() });
    expect(second.store.has(id(NOW - 60_000))).toBe(true);
    second.store.close();
  });

  it('cuts a torn last line, skips damaged lines, counts a slot stored twice once', async () => {
    const dir = tempDir('probe-fleet-seg-');
    dirs.push(dir);
    const a = await reopen(dir);
    await a.store.append({ id: id(NOW - 120_000), result: result(NOW - 120_000) });
    a.store.close();
    const segment = join(dir, SEGMENTS_DIR, '2026-11-22T12.log');
    appendFileSync(segment, 'not a row\n');
    appendFileSync(segment, segmentLine({ id: id(NOW - 120_000), result: result(NOW - 120_000) }));
    appendFileSync(segment, 'health.prod@local@2026-11-22T12:29:00.000Z\thealth\tpro');
    const b = await reopen(dir);
    expect(b.report).toMatchObject({ loaded: 1, corruptLines: 1, duplicates: 1 });
    expect(b.report.tornBytes).toBeGreaterThan(0);
    expect(await b.store.append({ id: id(NOW - 60_000), result: result(NOW - 60_000) })).toBe(true);
    b.store.close();
    // The torn line is gone; the next append started on a clean line.
    expect(storedIdsOf(dir).filter((x) => x.startsWith('health'))).toEqual([id(NOW - 120_000), id(NOW - 120_000), id(NOW - 60_000)]);
  });

  it('retention deletes whole segments, at open and at compaction', async () => {
    const dir = tempDir('probe-fleet-seg-');
    dirs.push(dir);
    const a = await reopen(dir);
    await a.store.append({ id: id(NOW - 8 * 24 * HOUR), result: result(NOW - 8 * 24 * HOUR) });
    await a.store.append({ id: id(NOW - 6 * 24 * HOUR), result: result(NOW - 6 * 24 * HOUR) });
    a.store.close();
    const b = await reopen(dir);
    expect(b.rows).toHaveLength(1);
    expect(readdirSync(join(dir, SEGMENTS_DIR))).toEqual(['2026-11-16T12.log']);
    expect(b.store.compact(NOW + 2 * 24 * HOUR)).toBe(1);
    expect(readdirSync(join(dir, SEGMENTS_DIR))).toEqual([]);
    b.store.close();
  });

  it('moves an older single-file store into segments once', async () => {
    const dir = tempDir('probe-fleet-seg-');
    dirs.push(dir);
    writeFileSync(join(dir, RESULTS_FILE), `${JSON.stringify({ id: id(NOW - HOUR), result: result(NOW - HOUR) })}\n{"id":"torn`);
    const a = await reopen(dir);
    expect(a.rows.map((r) => r.id)).toEqual([id(NOW - HOUR)]);
    expect(existsSync(join(dir, RESULTS_FILE))).toBe(false);
    expect(existsSync(join(dir, `${RESULTS_FILE}.migrated`))).toBe(true);
    a.store.close();
  });
});
