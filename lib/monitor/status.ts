// The JSON behind the status page (`/api/status`, `/api/checks/:id/history`): plain data,
// computed from the monitor's in-memory history on each request.
import type { AlarmKind } from '../alerting/naming.js';
import type { Severity } from '../model/fleet.js';
import type { FailureNote, LatencyBucket, Point, TimelineBucket } from './history.js';
import type { Monitor, TargetState } from './monitor.js';

const HOUR = 3600_000;
export const CHART_BUCKETS = 48;
export const TIMELINE_BUCKETS = 60;

export type CheckState = 'passing' | 'degraded' | 'failing' | 'pending';

export interface CheckStatus {
  target: string;
  checkId: string;
  environment: string;
  name: string;
  kind: string;
  service: string;
  severity: Severity;
  owner: string;
  runbook: string;
  expect: string;
  schedule: string;
  state: CheckState;
  /** The availability alarm, the one that pages. */
  alarm: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  alarms: { kind: AlarmKind; name: string; state: string }[];
  lastRun: { at: string; ok: boolean; durationMs: number; status: number | null; message: string | null } | null;
  nextRunAt: string | null;
  running: boolean;
  uptime24h: number | null;
  uptime7d: number | null;
  /** The span (ms) each uptime figure covers: the whole window once runs older than it exist, less before. */
  uptime24hCoveredMs: number | null;
  uptime7dCoveredMs: number | null;
  runs24h: number;
  latency24h: { p50: number; p95: number } | null;
  certDaysRemaining: number | null;
  recentFailures: FailureNote[];
  chart: LatencyBucket[];
  /** First failing run of the ongoing failure (from stored results: a restart keeps it); null unless failing. */
  failingSince: string | null;
  /** Up/down over the last 24 h (or since the first run). */
  timeline: TimelineBucket[];
}

/** A failing check, for the list the page leads with. */
export interface FailingCheck {
  target: string;
  name: string;
  service: string;
  severity: Severity;
  since: string | null;
  reason: string | null;
}

export interface ServiceStatus {
  name: string;
  state: CheckState;
  /** The service alarm (what pages), as the CDK composite. */
  alarm: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  checks: CheckStatus[];
}

export interface StatusSnapshot {
  fleet: string;
  location: string;
  generatedAt: string;
  startedAt: string;
  summary: { checks: number; passing: number; degraded: number; failing: number; pending: number; alarms: number; undeliveredNotifications: number };
  /** Failing checks, longest failing first: what the page shows before anything else. */
  failing: FailingCheck[];
  /** When the earliest pending check runs first, while any has not run. */
  firstRunAt: string | null;
  /** Services, the worst first; inside each, failing checks first. */
  services: ServiceStatus[];
}

function stateOf(t: TargetState): CheckState {
  const last = t.history.last;
  if (!last) return 'pending';
  if (!last.ok) return 'failing';
  return last.degraded ? 'degraded' : 'passing';
}

const RANK: Record<CheckState, number> = { failing: 3, degraded: 2, pending: 1, passing: 0 };

export function checkStatus(t: TargetState, now: number, periodMsOverride?: number): CheckStatus {
  const { check, environment } = t.planned;
  const last = t.history.last;
  const availability = t.trackers.find((x) => x.options.kind === 'availability');
  const streak = t.history.failureStreak();
  return {
    target: t.target,
    checkId: check.id,
    environment,
    name: check.name,
    kind: check.kind,
    service: check.service,
    severity: check.severity,
    owner: check.owner,
    runbook: check.runbook,
    expect: check.expect,
    schedule: periodMsOverride === undefined ? t.schedule : `${periodMsOverride} ms (rehearsal)`,
    state: stateOf(t),
    alarm: availability?.state ?? 'INSUFFICIENT_DATA',
    alarms: t.trackers.map((x) => ({ kind: x.options.kind, name: x.name, state: x.state })),
    lastRun: last
      ? { at: last.startedAt, ok: last.ok, durationMs: Math.round(last.durationMs), status: last.status, message: last.failure?.message ?? null }
      : null,
    nextRunAt: t.nextAt === null ? null : new Date(t.nextAt).toISOString(),
    running: t.running,
    uptime24h: t.history.uptime(now - 24 * HOUR),
    uptime7d: t.history.uptime(now - 7 * 24 * HOUR),
    uptime24hCoveredMs: t.history.coveredMs(now - 24 * HOUR, now),
    uptime7dCoveredMs: t.history.coveredMs(now - 7 * 24 * HOUR, now),
    runs24h: t.history.since(now - 24 * HOUR).length,
    latency24h: t.history.latency(now - 24 * HOUR),
    certDaysRemaining: t.history.lastCert?.days ?? null,
    recentFailures: t.history.failures.slice(0, 5),
    chart: t.history.latencySeries(now - 24 * HOUR, now, CHART_BUCKETS),
    failingSince: streak?.ongoing ? new Date(streak.since).toISOString() : null,
    timeline: t.history.timeline(now - 24 * HOUR, now, TIMELINE_BUCKETS),
  };
}

/** Failing first, then slow, waiting, passing; among failing, the longest failing first. */
function byUrgency(a: CheckStatus, b: CheckStatus): number {
  return RANK[b.state] - RANK[a.state] || (a.failingSince ?? '').localeCompare(b.failingSince ?? '');
}

function worstAlarm(states: readonly ('OK' | 'ALARM' | 'INSUFFICIENT_DATA')[]): 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' {
  if (states.includes('ALARM')) return 'ALARM';
  return states.includes('OK') ? 'OK' : 'INSUFFICIENT_DATA';
}

export function statusSnapshot(monitor: Monitor, fleet: string, location: string): StatusSnapshot {
  const now = monitor.now();
  const checks = monitor.targets.map((t) => checkStatus(t, now, monitor.periodMsOverride));
  const services = new Map<string, CheckStatus[]>();
  for (const c of checks) {
    const list = services.get(c.service);
    if (list) list.push(c);
    else services.set(c.service, [c]);
  }
  const count = (s: CheckState): number => checks.filter((c) => c.state === s).length;
  const failing = checks
    .filter((c) => c.state === 'failing')
    .sort(byUrgency)
    .map((c) => ({ target: c.target, name: c.name, service: c.service, severity: c.severity, since: c.failingSince, reason: c.lastRun?.message ?? null }));
  const firstRuns = checks.filter((c) => c.state === 'pending' && c.nextRunAt !== null).map((c) => c.nextRunAt!).sort();
  return {
    fleet,
    location,
    generatedAt: new Date(now).toISOString(),
    startedAt: new Date(monitor.startedAt).toISOString(),
    summary: {
      checks: checks.length,
      passing: count('passing'),
      degraded: count('degraded'),
      failing: count('failing'),
      pending: count('pending'),
      alarms: checks.filter((c) => c.alarm === 'ALARM').length,
      // Since this start; the dead-letter file in the data directory keeps them all.
      undeliveredNotifications: monitor.undeliveredCount,
    },
    failing,
    firstRunAt: firstRuns[0] ?? null,
    services: [...services.entries()]
      .map(([name, list]) => ({
        name,
        // With one composite per environment, the worst of them.
        alarm: worstAlarm(monitor.services.filter((s) => s.service === name || s.service.startsWith(`${name}.`)).map((s) => s.state)),
        state: list.reduce<CheckState>((worst, c) => (RANK[c.state] > RANK[worst] ? c.state : worst), 'passing'),
        checks: [...list].sort(byUrgency),
      }))
      // Stable: services of equal state keep the fleet's order.
      .sort((a, b) => RANK[b.state] - RANK[a.state]),
  };
}

export interface CheckHistory {
  checkId: string;
  targets: { target: string; environment: string; points: Point[]; series: LatencyBucket[] }[];
}

/** History of a check (all its environments) or of one target; null when unknown. */
export function checkHistory(monitor: Monitor, id: string, hours: number): CheckHistory | null {
  const now = monitor.now();
  const since = now - hours * HOUR;
  const matching = monitor.targets.filter((t) => t.target === id || t.planned.check.id === id);
  if (matching.length === 0) return null;
  return {
    checkId: matching[0]!.planned.check.id,
    targets: matching.map((t) => ({
      target: t.target,
      environment: t.planned.environment,
      points: t.history.since(since),
      series: t.history.latencySeries(since, now, CHART_BUCKETS),
    })),
  };
}
