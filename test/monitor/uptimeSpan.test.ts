// Uptime figures say how much of their window they cover until the window is full: a monitor
// that started 3 h ago shows "99.2% over 3 h" under "Uptime 7 d", not a bare 99.2%.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../lib/model/result.js';
import { TargetHistory } from '../../lib/monitor/history.js';
import { coverage } from '../../lib/monitor/page.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-11-22T12:00:00Z');

function run(at: number, ok = true): CheckResult {
  return {
    checkId: 'health',
    environment: 'prod',
    location: 'local',
    runId: 'r',
    startedAt: new Date(at).toISOString(),
    ok,
    degraded: false,
    durationMs: 10,
    phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, ttfbMs: 8, transferMs: 1 },
    status: ok ? 200 : 503,
    bytes: 2,
    certDaysRemaining: null,
    assertions: [],
    failure: ok ? null : { kind: 'assertion', message: 'status: expected 200, got 503', retryable: false },
    attempts: 1,
    flaky: false,
  };
}

describe('uptime coverage', () => {
  const cases: { name: string; runsAgo: number[]; window: number; covered: number | null; text: string }[] = [
    { name: 'no runs', runsAgo: [], window: 7 * DAY, covered: null, text: '' },
    { name: 'a monitor 3 h old, 7 d window', runsAgo: [3 * HOUR, 2 * HOUR, HOUR], window: 7 * DAY, covered: 3 * HOUR, text: ' <span class="over">over 3 h</span>' },
    { name: 'a monitor 12 min old, 24 h window', runsAgo: [12 * 60_000, 60_000], window: DAY, covered: 12 * 60_000, text: ' <span class="over">over 12 min</span>' },
    { name: 'runs older than the window: full, nothing said', runsAgo: [30 * HOUR, HOUR], window: DAY, covered: DAY, text: '' },
    { name: 'retention pruned the run at the window edge: within 1 % is full', runsAgo: [7 * DAY - 60_000, HOUR], window: 7 * DAY, covered: 7 * DAY - 60_000, text: '' },
    { name: 'three days of a week', runsAgo: [3 * DAY, HOUR], window: 7 * DAY, covered: 3 * DAY, text: ' <span class="over">over 3 d</span>' },
    { name: 'only runs before the window', runsAgo: [30 * HOUR], window: DAY, covered: null, text: '' },
  ];
  it.each(cases)('$name', (c) => {
    const history = new TargetHistory();
    for (const ago of c.runsAgo) history.add(run(NOW - ago));
    const covered = history.coveredMs(NOW - c.window, NOW);
    expect(covered).toBe(c.covered);
    expect(coverage(covered, c.window)).toBe(c.text);
  });
});
