// The fleet on one machine: every check × environment on its own drift-free schedule, one
// run of it at a time, all sharing one rate-limiter registry (as one Lambda shard does);
// each result stored (synced) before it is reported, fed to the alarm trackers, and
// alarm changes handed to the notifier.
import { setMaxListeners } from 'node:events';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmTracker, AlarmTransition, ServiceAlarmTracker } from '../alerting/evaluate.js';
import { serviceTrackersFor, trackersFor } from '../alerting/evaluate.js';
import { checkTarget } from '../alerting/naming.js';
import { resolveSettings } from '../config/resolve.js';
import type { Fleet, Schedule } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { PlannedCheck, RateLimiterRegistry, RequestLogSink } from '../runner/api.js';
import { runCheck } from '../runner/runCheck.js';
import { selectChecks } from '../runner/runPlan.js';
import { createRateLimiterRegistry } from '../runner/tokenBucket.js';
import type { Redactor, SecretProvider } from '../secrets/secrets.js';
import type { NotifyConfig, RouteName } from '../notify/notifyConfig.js';
import type { MonitorClock } from './clock.js';
import { systemClock } from './clock.js';
import { TargetHistory } from './history.js';
import type { AlarmEvent } from '../notify/alarmEvent.js';
import type { NotificationDelivery, Notifier, Undelivered } from './notifier.js';
import type { FailureContext } from './notifier.js';
import { shouldNotify, toAlarmEvent } from './notifier.js';
import type { OutboxEntry } from './outbox.js';
import type { ReplayRow } from './segmentStore.js';
import { DEFAULT_RETRY_FOR_MS, Outbox, retryDelayMs } from './outbox.js';
import { nextSlot } from './slots.js';
import type { StaleLock, StoredResult } from './store.js';
import { DEFAULT_RETENTION_MS, resultId } from './store.js';
import { openWindows } from '../config/maintenance.js';
import type { MaintenanceWindow } from '../model/fleet.js';

export const LOCAL_LOCATION = 'local';
/** Notifications that failed after their retries, one JSON line each, in the data directory. */
export const UNDELIVERED_FILE = 'undelivered.jsonl';
const COMPACT_EVERY_MS = 3600_000;

/** What the monitor needs of a result store (the segmented log, or the single-file store of tests). */
export interface MonitorStore {
  readonly dir: string;
  readonly tookOverLock: StaleLock | null;
  has(id: string): boolean;
  /** True once the result is on disk; false when its slot already has one. */
  append(entry: StoredResult): boolean | Promise<boolean>;
  compact(now: number): number;
}

export interface MonitorOptions {
  fleet: Fleet;
  environments: string[];
  secrets: SecretProvider;
  redactor: Redactor;
  requestLog: RequestLogSink;
  store: MonitorStore;
  /**
   * What the store held at start: replayed into the status and the alarm state, silently.
   * Empty when the caller streams them in with replayResult and finishReplay instead.
   */
  stored: readonly StoredResult[];
  notifier: Notifier;
  notifyConfig: NotifyConfig;
  /** One line per result and per alarm change. */
  log: (line: string) => void;
  clock?: MonitorClock;
  location?: string;
  /** Test and rehearsal only: every schedule and alarm period becomes this long. */
  periodMsOverride?: number;
  retentionMs?: number;
  /** Where notifications are written before they are sent (default: the store's directory). */
  outbox?: Outbox;
  /** How long a failing notification is retried before it is kept (default 1 h). */
  retryForMs?: number;
  /** Windows besides the fleet's own `maintenance`, read at each alarm (`probe-fleet mute`). */
  maintenance?: () => readonly MaintenanceWindow[];
}

export interface TargetState {
  planned: PlannedCheck;
  target: string;
  schedule: Schedule;
  history: TargetHistory;
  trackers: AlarmTracker[];
  running: boolean;
  nextAt: number | null;
  skippedSlots: number;
}

export type MonitorEvent = { type: 'result'; target: string; result: CheckResult; id: string } | { type: 'alarm'; transition: AlarmTransition };

export class Monitor {
  readonly targets: TargetState[];
  /** One per service, as the CDK composite: what pages. */
  readonly services: ServiceAlarmTracker[];
  readonly startedAt: number;
  private readonly clock: MonitorClock;
  private readonly location: string;
  private readonly limiter: RateLimiterRegistry;
  private readonly listeners = new Set<(event: MonitorEvent) => void>();
  private readonly pendingNotifications = new Set<Promise<void>>();
  readonly outbox: Outbox;
  /** Notifications being sent right now, by id: one attempt at a time per notification. */
  private readonly sending = new Set<string>();
  /** When each pending notification may be tried again (absent: now). */
  private readonly retryAt = new Map<string, number>();
  private lastCompaction: number;
  private runSeq = 0;
  /** Notifications this run kept in the dead-letter file (or failed to keep). */
  undeliveredCount = 0;

  constructor(private readonly options: MonitorOptions) {
    this.clock = options.clock ?? systemClock;
    this.location = options.location ?? LOCAL_LOCATION;
    this.startedAt = this.clock.now();
    this.lastCompaction = this.startedAt;
    // One registry for the whole monitor: every check and retry against an origin shares its budget.
    this.limiter = createRateLimiterRegistry(options.fleet);
    const planned = selectChecks(options.fleet, { environments: options.environments });
    // One certificate alarm per TLS endpoint, shared by every target that sees it (as in AWS).
    const certificateTrackers = new Map<string, AlarmTracker>();
    const envCount = new Map<string, number>();
    for (const check of options.fleet.checks) envCount.set(check.id, resolveSettings(options.fleet, check).environments.length);
    this.targets = planned.map((p) => {
      const count = envCount.get(p.check.id) ?? 1;
      return {
        planned: p,
        target: checkTarget(p.check.id, p.environment, count),
        schedule: resolveSettings(options.fleet, p.check).schedule,
        history: new TargetHistory(),
        trackers: trackersFor(options.fleet, p.check, p.environment, count, {
          locations: [this.location],
          startMs: this.startedAt,
          certificateTrackers,
          ...(options.periodMsOverride !== undefined ? { periodMsOverride: options.periodMsOverride } : {}),
        }),
        running: false,
        nextAt: null,
        skippedSlots: 0,
      };
    });
    this.services = serviceTrackersFor(
      options.fleet,
      this.targets.map((t) => ({ check: t.planned.check, environment: t.planned.environment, trackers: t.trackers })),
    );
    this.outbox = options.outbox ?? Outbox.open(options.store.dir);
    const stale = options.store.tookOverLock;
    if (stale) options.log(`store ${options.store.dir}: took over ${stale.file} left by ${stale.pid === null ? 'a process that died while creating it' : `pid ${stale.pid}, which is no longer running`}`);
    this.replay(options.stored);
  }

  private replayIndex: Map<string, TargetState> | null = null;

  /** Rebuilds history and alarm state from the store; no notification for what was already true. */
  private replay(stored: readonly StoredResult[]): void {
    for (const entry of stored) this.replayResult(entry);
    this.finishReplay();
  }

  /**
   * One stored result into history and alarm state. Alarm trackers only get results that can
   * still enter one of their evaluation ranges (a week of results would otherwise sit in their
   * period maps until the first evaluation), and certificate trackers only results that saw a
   * certificate.
   */
  replayResult({ result }: StoredResult): void {
    this.replayIndex ??= new Map(this.targets.map((t) => [`${t.planned.check.id}\u0000${t.planned.environment}`, t]));
    const target = this.replayIndex.get(`${result.checkId}\u0000${result.environment}`);
    if (!target) return;
    target.history.add(result);
    const at = Date.parse(result.startedAt);
    const now = this.clock.now();
    for (const tracker of target.trackers) {
      const rule = tracker.options.rule;
      if (at < now - rule.periodMs * (rule.evaluationPeriods + 5)) continue;
      if ((tracker.options.kind === 'cert-chat' || tracker.options.kind === 'cert-pager') && result.certDaysRemaining === null) continue;
      tracker.observe(result);
    }
  }

  private rowIndex: Map<string, TargetState> | null = null;

  /** The newest row replayed per target, to rebuild its last result when no full one was replayed. */
  private readonly newestRow = new Map<TargetState, ReplayRow>();

  /**
   * One stored run, from the segmented store's columns: a passing run outside every alarm's
   * evaluation range is only a point of history (no result object is built); failures (their
   * text), certificate readings and recent runs go in full, as replayResult.
   */
  replayRow(row: ReplayRow): void {
    this.rowIndex ??= new Map(this.targets.map((t) => [`${t.planned.check.id}\t${t.planned.environment}`, t]));
    const target = this.rowIndex.get(row.targetKey);
    if (!target) return;
    const newest = this.newestRow.get(target);
    if (!newest || newest.startMs <= row.startMs) this.newestRow.set(target, row);
    const horizon = this.replayHorizon.get(target) ?? this.horizonOf(target);
    if (!row.ok || row.certDays !== null || row.startMs >= horizon) {
      const entry = row.entry();
      if (entry) this.replayResult(entry);
      return;
    }
    if (!row.skipped) target.history.addPoint(row.startMs, row.ok, row.degraded, Math.round(row.durationMs));
  }

  private readonly replayHorizon = new Map<TargetState, number>();

  /** Before this instant no run of the target can enter an alarm's evaluation range. */
  private horizonOf(target: TargetState): number {
    const now = this.clock.now();
    const horizon = Math.min(...target.trackers.filter((k) => k.options.kind !== 'cert-chat' && k.options.kind !== 'cert-pager').map((k) => now - k.options.rule.periodMs * (k.options.rule.evaluationPeriods + 5)));
    this.replayHorizon.set(target, horizon);
    return horizon;
  }

  /** After the last replayResult: alarm states as of now, silently. */
  finishReplay(): void {
    this.replayIndex = null;
    this.rowIndex = null;
    for (const [target, row] of this.newestRow) {
      if (target.history.last !== null && Date.parse(target.history.last.startedAt) >= row.startMs) continue;
      const entry = row.entry();
      if (entry) target.history.last = entry.result;
    }
    this.newestRow.clear();
    this.replayHorizon.clear();
    const now = this.clock.now();
    for (const target of this.targets) for (const tracker of target.trackers) tracker.evaluate(now);
    for (const service of this.services) service.evaluate(now);
  }

  onEvent(listener: (event: MonitorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: MonitorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A status-page client's problem must not stop the monitor.
      }
    }
  }

  /** Runs until the signal aborts; then lets in-flight checks finish (or hit their deadline) and returns. */
  async run(signal: AbortSignal): Promise<void> {
    // Every check's loop waits on the same signal: many listeners are expected here.
    setMaxListeners(this.targets.length + 16, signal);
    this.reconcile();
    // What a previous process wrote and did not deliver goes first, under its own id.
    const left = this.outbox.pending();
    if (left.length > 0) this.options.log(`outbox ${this.outbox.file}: ${left.length} notification(s) pending from before, delivering`);
    for (const entry of left) this.deliver(entry);
    const loops = this.targets.map((t) => this.loop(t, signal));
    const ticker = this.evaluateLoop(signal);
    const retries = this.retryLoop(signal);
    await Promise.all([...loops, ticker, retries]);
    // Last word on alarms with everything that finished, then wait for deliveries in flight;
    // those still waiting for a retry stay pending in the outbox for the next start.
    this.evaluateAll();
    if (this.pendingNotifications.size > 0) this.options.log(`waiting for ${this.pendingNotifications.size} notification(s) in flight…`);
    await Promise.allSettled([...this.pendingNotifications]);
    const waiting = this.outbox.pending().length;
    if (waiting > 0) this.options.log(`outbox ${this.outbox.file}: ${waiting} notification(s) not yet delivered, sent at the next start`);
    this.outbox.close();
  }

  /**
   * A crash between storing the result that changed an alarm and writing its notification
   * leaves an alarm whose replayed state nobody was told about (replay itself is silent).
   * The outbox knows what was last said per alarm; a difference is said now. Without an
   * outbox file (the first start) there is no record to compare with, and nothing is said.
   */
  private reconcile(): void {
    if (!this.outbox.hadHistory) return;
    const at = new Date(this.clock.now()).toISOString();
    const seen = new Set<string>();
    const check = (name: string, state: AlarmTransition['to'], route: RouteName, base: Pick<AlarmTransition, 'kind' | 'target' | 'checkId' | 'environment'>, firing: readonly string[] = []): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const last = this.outbox.lastNotified(name)?.state ?? 'OK';
      if (state === 'ALARM' && last !== 'ALARM') {
        this.onTransition({ ...base, alarmName: name, from: last, to: 'ALARM', at, alarmSince: null, reason: 'in ALARM at start, and no notification of it was written before the monitor stopped' }, route, firing);
      } else if (state === 'OK' && last === 'ALARM') {
        this.onTransition({ ...base, alarmName: name, from: 'ALARM', to: 'OK', at, alarmSince: null, reason: 'OK at start; the recovery happened while the monitor was stopped or before its notification was written' }, route, firing);
      }
    };
    for (const target of this.targets) {
      for (const tracker of target.trackers) {
        const o = tracker.options;
        check(tracker.name, tracker.state, o.route, { kind: o.kind, target: o.target, checkId: o.checkId, environment: o.environment });
      }
    }
    for (const service of this.services) {
      const firing = service.members.filter((m) => m.state === 'ALARM').map((m) => m.name);
      check(service.name, service.state, service.route, { kind: 'service', target: service.service, checkId: '', environment: '' }, firing);
    }
  }

  /** Retries pending notifications whose backoff ended. */
  private async retryLoop(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (!(await this.clock.sleepUntil(this.clock.now() + 1000, signal))) return;
      const now = this.clock.now();
      for (const entry of this.outbox.pending()) {
        if ((this.retryAt.get(entry.id) ?? 0) <= now) this.deliver(entry);
      }
    }
  }

  private periodMsOf(target: TargetState): number {
    if (this.options.periodMsOverride !== undefined) return this.options.periodMsOverride;
    const now = this.clock.now();
    const a = nextSlot(target.schedule, now);
    return nextSlot(target.schedule, a) - a;
  }

  private async loop(target: TargetState, signal: AbortSignal): Promise<void> {
    let slot = nextSlot(target.schedule, this.clock.now(), this.options.periodMsOverride);
    for (;;) {
      target.nextAt = slot;
      if (!(await this.clock.sleepUntil(slot, signal))) return;
      const periodMs = this.periodMsOf(target);
      target.running = true;
      try {
        await this.runOnce(target, slot, periodMs);
      } catch (error) {
        // The store refused the result (disk full, permissions): it is not reported, the
        // monitor says so and keeps running; the slot counts as missing data.
        this.options.log(`${new Date(this.clock.now()).toISOString()}  ! ${target.target}: ${this.options.redactor.redact(error instanceof Error ? error.message : String(error))}`);
      } finally {
        target.running = false;
      }
      // The next slot follows the schedule from this slot, not from when the run ended.
      let next = nextSlot(target.schedule, slot, this.options.periodMsOverride);
      const now = this.clock.now();
      if (next <= now) {
        // The run outlasted its period: those slots are skipped, never run late or doubled.
        const caughtUp = nextSlot(target.schedule, now, this.options.periodMsOverride);
        let missed = 0;
        for (let s = next; s < caughtUp && missed < 10_000; s = nextSlot(target.schedule, s, this.options.periodMsOverride)) missed++;
        target.skippedSlots += missed;
        this.options.log(`${new Date(now).toISOString()}  ! ${target.target}: run of ${new Date(slot).toISOString()} outlasted its period; ${missed} slot(s) skipped`);
        next = caughtUp;
      }
      slot = next;
    }
  }

  private async runOnce(target: TargetState, slot: number, periodMs: number): Promise<void> {
    const id = resultId(target.target, this.location, new Date(slot));
    if (this.options.store.has(id)) return;
    const runId = `${new Date(slot).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-${(++this.runSeq).toString(36)}`;
    const result = await runCheck(target.planned, {
      fleet: this.options.fleet,
      runId,
      location: this.location,
      secrets: this.options.secrets,
      redactor: this.options.redactor,
      requestLog: this.options.requestLog,
      // A run must end before the next slot of the same check begins.
      deadline: slot + periodMs,
      rateLimiters: this.limiter,
    });
    await this.record(target, id, result);
  }

  private async record(target: TargetState, id: string, result: CheckResult): Promise<void> {
    if (!(await this.options.store.append({ id, result }))) return;
    target.history.add(result);
    for (const tracker of target.trackers) tracker.observe(result);
    const mark = result.skipped ? 'SKIP' : !result.ok ? 'FAIL' : result.degraded ? 'SLOW' : 'PASS';
    const detail = result.failure ? `  ${result.failure.message}` : '';
    this.options.log(`${result.startedAt}  ${mark} ${target.target} ${Math.round(result.durationMs)}ms #${id}${detail}`);
    this.emit({ type: 'result', target: target.target, result, id });
    this.evaluateAll();
    this.maybeCompact();
  }

  private async evaluateLoop(signal: AbortSignal): Promise<void> {
    // Alarm periods end whether or not a result arrives (silence is data too).
    const every = Math.min(1000, Math.max(50, Math.floor((this.options.periodMsOverride ?? 4000) / 4)));
    for (;;) {
      const next = (Math.floor(this.clock.now() / every) + 1) * every;
      if (!(await this.clock.sleepUntil(next, signal))) return;
      this.evaluateAll();
    }
  }

  private evaluateAll(): void {
    const now = this.clock.now();
    for (const target of this.targets) {
      for (const tracker of target.trackers) {
        const transition = tracker.evaluate(now);
        if (transition) this.onTransition(transition, tracker.options.route);
      }
    }
    // After the members, so a service alarm sees this instant's check alarms.
    for (const service of this.services) {
      const transition = service.evaluate(now);
      if (transition) {
        const firing = service.members.filter((m) => m.state === 'ALARM').map((m) => m.name);
        this.onTransition(transition, service.route, firing);
      }
    }
  }

  private onTransition(transition: AlarmTransition, alarmTopic: RouteName, triggeringAlarms: readonly string[] = []): void {
    this.options.log(`${transition.at}  ALARM-STATE ${transition.alarmName}: ${transition.from} -> ${transition.to} (${transition.reason})`);
    this.emit({ type: 'alarm', transition });
    if (!shouldNotify(transition)) return;
    const held = transition.to === 'ALARM' ? this.maintenanceHolding(transition, triggeringAlarms) : [];
    if (held.length > 0) {
      // Data, not notifications: the alarm state stays ALARM and the status page shows it; its
      // recovery is not sent either, since nobody was told it fired.
      this.options.log(`${transition.at}  ${transition.alarmName} in ALARM during maintenance (${held.join(', ')}); no notification is sent`);
      return;
    }
    let route: RouteName = alarmTopic;
    let recoveryOf: string | null = null;
    if (transition.to === 'OK') {
      // A recovery goes where its alarm went, and only to the destinations that received it.
      const alarm = this.outbox.lastNotified(transition.alarmName);
      if (alarm === null || alarm.state !== 'ALARM') {
        if (this.outbox.hadHistory || alarm !== null) {
          this.options.log(`${transition.at}  ${transition.alarmName} recovered; no notification of its alarm was written, so no recovery is sent (nobody was told it fired)`);
          return;
        }
        // No outbox yet (the first start of this version): as before, the chat route says it.
        route = 'chat';
      } else {
        route = alarm.route;
        recoveryOf = alarm.id;
        if (alarm.entryState === 'pending') {
          // Still not delivered: nobody needs waking for what already recovered.
          this.outbox.markDone(alarm.id, this.clock.now());
          this.options.log(`${transition.at}  ${transition.alarmName} recovered before its alarm was delivered to every destination; the alarm is withdrawn`);
        }
      }
    }
    const event = toAlarmEvent(transition, this.options.notifyConfig, route, this.location, triggeringAlarms, this.failureContext(transition, triggeringAlarms));
    let entry: OutboxEntry;
    try {
      entry = this.outbox.enqueue(event, route, this.clock.now(), recoveryOf);
    } catch (error) {
      // Not written, so not sent either: a notification nobody can prove was sent would be
      // repeated or lost by the next start. Said loudly; the alarm state stays as it is.
      this.options.log(`! notification ${event.alarmName} ${event.state} not sent: ${this.options.redactor.redact((error as Error).message)}`);
      return;
    }
    this.deliver(entry);
  }

  /**
   * The failing behind an alarm from the results themselves: each failing check's own failure
   * text and its first failing run. A check's alarm speaks for its target; a service alarm for
   * the members that fired it. Certificates and latency carry their numbers in the reason.
   */
  /** The open maintenance windows covering every target of an alarm (empty: notify). */
  private maintenanceHolding(transition: AlarmTransition, triggeringAlarms: readonly string[]): string[] {
    let targets: TargetState[];
    if (transition.kind === 'availability') targets = this.targets.filter((t) => t.target === transition.target);
    else if (transition.kind === 'service') {
      const names = new Set(triggeringAlarms);
      targets = this.targets.filter((t) => t.trackers.some((k) => k.options.kind === 'availability' && names.has(k.name)));
    } else return [];
    if (targets.length === 0) return [];
    let extra: readonly MaintenanceWindow[] = [];
    try {
      extra = this.options.maintenance?.() ?? [];
    } catch (error) {
      this.options.log(`! maintenance windows could not be read (${(error as Error).message}); notifying as usual`);
    }
    const windows = { maintenance: [...(this.options.fleet.maintenance ?? []), ...extra] };
    const at = new Date(transition.at);
    const names = new Set<string>();
    for (const target of targets) {
      const open = openWindows(windows, { checkId: target.planned.check.id, service: target.planned.check.service, environment: target.planned.environment }, at);
      if (open.length === 0) return [];
      for (const window of open) names.add(window.name);
    }
    return [...names];
  }

  private failureContext(transition: AlarmTransition, triggeringAlarms: readonly string[]): FailureContext | undefined {
    let targets: TargetState[];
    if (transition.kind === 'availability') targets = this.targets.filter((t) => t.target === transition.target);
    else if (transition.kind === 'service') {
      const names = new Set(transition.to === 'ALARM' ? triggeringAlarms : (this.services.find((s) => s.name === transition.alarmName)?.members.map((m) => m.name) ?? []));
      targets = this.targets.filter((t) => t.trackers.some((k) => k.options.kind === 'availability' && names.has(k.name)));
    } else return undefined;
    const recovery = transition.to === 'OK';
    const failures: FailureContext['failures'] = [];
    let since: number | null = null;
    for (const target of targets) {
      const streak = target.history.failureStreak();
      if (!streak || streak.ongoing === recovery) continue;
      since = since === null ? streak.since : Math.min(since, streak.since);
      if (streak.note) failures.push({ target: target.target, message: this.options.redactor.redact(streak.note.message), since: new Date(streak.since).toISOString() });
    }
    return { failures, since: since === null ? null : new Date(since).toISOString() };
  }

  /** One round of attempts for one notification; on failure, a retry after backoff, then kept. */
  private deliver(entry: OutboxEntry): void {
    if (this.sending.has(entry.id) || entry.state !== 'pending') return;
    this.sending.add(entry.id);
    entry.rounds++;
    const now = (): number => this.clock.now();
    const delivery: NotificationDelivery = { id: entry.id, ledger: this.outbox.ledgerFor(entry.id, now) };
    if (entry.event.status === 'resolved') {
      const alarm = this.outbox.alarmOf(entry);
      if (alarm) delivery.recoveryDestinations = new Set(alarm.delivered);
    }
    const attempt = this.options.notifier
      .notify(entry.event, entry.route, delivery)
      .catch((error: unknown): Undelivered => ({ destinations: [], error: error instanceof Error ? error.message : String(error) }))
      .then((undelivered) => {
        if (!undelivered) {
          this.outbox.markDone(entry.id, now());
          this.retryAt.delete(entry.id);
          return;
        }
        const retryFor = this.options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
        if (now() - entry.createdAt < retryFor) {
          const wait = retryDelayMs(entry.rounds);
          this.retryAt.set(entry.id, now() + wait);
          this.options.log(`! notification ${entry.event.alarmName} ${entry.event.state} not delivered${undelivered.destinations.length > 0 ? ` to ${undelivered.destinations.join(', ')}` : ''}; retrying in ${Math.round(wait / 1000)}s`);
          return;
        }
        this.outbox.markKept(entry.id, this.options.redactor.redact(undelivered.error), now());
        this.retryAt.delete(entry.id);
        this.keepUndelivered(entry.event, entry.route, undelivered);
      })
      .catch((error: unknown) => this.options.log(`! outbox: ${this.options.redactor.redact(error instanceof Error ? error.message : String(error))}`))
      .finally(() => this.sending.delete(entry.id));
    this.pendingNotifications.add(attempt);
    void attempt.finally(() => this.pendingNotifications.delete(attempt));
  }

  /**
   * A notification that failed after its retries is appended to the dead-letter file, so it is
   * not lost with only a log line: what was to be said, where, and why it failed. Destinations
   * are named by their secret names and errors are redacted; no webhook URL or key is written.
   */
  private keepUndelivered(event: AlarmEvent, route: RouteName, undelivered: Undelivered): void {
    const redact = (text: string): string => this.options.redactor.redact(text);
    const file = join(this.options.store.dir, UNDELIVERED_FILE);
    const entry = {
      at: new Date(this.clock.now()).toISOString(),
      route,
      alarmName: event.alarmName,
      state: event.state,
      previousState: event.previousState,
      changedAt: event.changedAt,
      destinations: undelivered.destinations,
      error: redact(undelivered.error),
      event,
    };
    this.undeliveredCount++;
    const what = `notification ${event.alarmName} ${event.state} (${route}) not delivered${undelivered.destinations.length > 0 ? ` to ${undelivered.destinations.join(', ')}` : ''}`;
    try {
      const fd = openSync(file, 'a');
      try {
        writeSync(fd, `${redact(JSON.stringify(entry))}\n`);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.options.log(`! ${what}; kept in ${file} (resend with probe-fleet monitor --resend-undelivered)`);
    } catch (error) {
      this.options.log(`! ${what}, and could not be kept in ${file} (${redact((error as Error).message)}): ${redact(undelivered.error)}`);
    }
  }

  private maybeCompact(): void {
    const now = this.clock.now();
    if (now - this.lastCompaction < COMPACT_EVERY_MS) return;
    this.lastCompaction = now;
    const retention = this.options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.options.store.compact(now);
    for (const target of this.targets) target.history.prune(now - retention);
  }

  now(): number {
    return this.clock.now();
  }

  /** A line in the monitor's own log, for its companions (the status server's warnings). */
  notice(line: string): void {
    this.options.log(line);
  }

  get periodMsOverride(): number | undefined {
    return this.options.periodMsOverride;
  }
}
