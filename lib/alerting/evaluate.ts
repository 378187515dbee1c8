// The local reading of the alarm policy, with CloudWatch's semantics, so that the monitor
// on a laptop and the CDK alarms in AWS change state on the same sequence of results:
// - results fall into periods aligned to the period length (as CloudWatch aggregates);
// - each period gives one datapoint: breaching, ok, or missing;
// - CloudWatch reads an evaluation range a little longer than `evaluationPeriods` (5 datapoints
//   for 3 periods in its documentation; here always `evaluationPeriods + 2`). With at least
//   `evaluationPeriods` real datapoints in the range it judges the most recent of them and
//   ignores `treatMissingData`; with fewer it fills only the shortfall ("as few times as
//   possible"), and with `missing` applies its rule against premature alarms;
// - ALARM when at least `datapointsToAlarm` of the judged datapoints breach;
// - a degraded result (ok, but slower than degradedMs) is not a failure.
import type { Check, Fleet } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { AlarmKind } from './naming.js';
import { alarmName, checkTarget } from './naming.js';
import type { LatencyPolicy, TreatMissingData } from './policy.js';
import { alarmPolicyFor, environmentPages, routeFor } from './policy.js';
import { resolveSettings } from '../config/resolve.js';
import { certificateEndpointsOf, planCertificateEndpoints, type CertificateDependent, type CertificateEndpointPlan } from './certificateEndpoints.js';

export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
export type DatapointValue = 'breaching' | 'ok' | 'missing';

export interface AlarmRule {
  periodMs: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

/** Datapoints CloudWatch reads beyond `evaluationPeriods` when some are missing. */
const EXTRA_RANGE = 2;

/** How many of the latest datapoints one evaluation reads: CloudWatch's evaluation range. */
export function evaluationRange(rule: Pick<AlarmRule, 'evaluationPeriods'>): number {
  return rule.evaluationPeriods + EXTRA_RANGE;
}

/**
 * One evaluation of the latest datapoints (oldest first). Fewer datapoints than the
 * evaluation range means periods the monitor never observed (it just started): the state
 * changes only if every possible value of those periods leads to the same decision.
 */
export function evaluateDatapoints(values: readonly DatapointValue[], rule: AlarmRule, current: AlarmStateValue): AlarmStateValue {
  const size = evaluationRange(rule);
  const range = values.slice(-size);
  const unobserved = size - range.length;
  if (unobserved === 0) return evaluateRange(range, rule, current);
  const ifOk = evaluateRange([...Array<DatapointValue>(unobserved).fill('ok'), ...range], rule, current);
  const ifBreaching = evaluateRange([...Array<DatapointValue>(unobserved).fill('breaching'), ...range], rule, current);
  return ifOk === ifBreaching ? ifOk : current;
}

/** CloudWatch's documented evaluation of one full evaluation range. */
function evaluateRange(range: readonly DatapointValue[], rule: AlarmRule, current: AlarmStateValue): AlarmStateValue {
  const { evaluationPeriods: n, datapointsToAlarm: m } = rule;
  const real = range.filter((v) => v !== 'missing');
  const breaching = real.filter((v) => v === 'breaching').length;
  const verdict = (breaches: number): AlarmStateValue => (breaches >= m ? 'ALARM' : 'OK');
  // Enough real datapoints: the most recent `n` of them decide, gaps notwithstanding.
  if (real.length >= n) return verdict(real.slice(-n).filter((v) => v === 'breaching').length);
  if (real.length === 0) {
    switch (rule.treatMissingData) {
      case 'breaching':
        return 'ALARM';
      case 'notBreaching':
        return 'OK';
      case 'ignore':
        return current;
      case 'missing':
        return 'INSUFFICIENT_DATA';
    }
  }
  // Too few real datapoints: fill only the shortfall.
  const shortfall = n - real.length;
  switch (rule.treatMissingData) {
    case 'breaching':
      return verdict(breaching + shortfall);
    case 'notBreaching':
      return verdict(breaching);
    case 'missing':
      if (real.length === breaching && prematureAlarm(range.slice(-n), m)) return 'ALARM';
      break;
    case 'ignore':
      break;
  }
  if (breaching >= m) return 'ALARM';
  // A real non-breaching datapoint settles it; breaching ones too few to alarm do not.
  if (real.length > breaching) return 'OK';
  return rule.treatMissingData === 'missing' ? 'INSUFFICIENT_DATA' : current;
}

/**
 * CloudWatch goes to ALARM, whatever the count, when the oldest breaching datapoint of the
 * last `evaluationPeriods` is at least `datapointsToAlarm` periods old and everything after it
 * breached or is missing (its rule against alarming late on intermittent data). Its tables
 * apply this only when no real datapoint in the range is OK; the caller checks that.
 */
function prematureAlarm(latest: readonly DatapointValue[], m: number): boolean {
  const oldest = latest.indexOf('breaching');
  if (oldest < 0) return false;
  const age = latest.length - oldest;
  return age >= m && latest.slice(oldest).every((v) => v !== 'ok');
}

/**
 * Availability datapoint of one period, as the CDK alarm's math computes it
 * (lib/infra/availabilityAlarm.ts, availabilityExpression): a location that reported nothing is
 * neither failing nor healthy; breaching when the failing locations reach min(quorum, locations
 * that reported) and number at least `minFailing`; no location at all is a missing datapoint.
 */
export function availabilityDatapoint(results: readonly CheckResult[], locations: readonly string[], quorum: number, minFailing = Math.min(2, locations.length)): DatapointValue {
  const reported = results.filter((r) => !r.skipped);
  let reporting = 0;
  let failing = 0;
  for (const location of locations) {
    const here = reported.filter((r) => r.location === location);
    if (here.length === 0) continue;
    reporting++;
    // Minimum of Success over the period: any failed run fails the location for that period.
    if (here.some((r) => !r.ok)) failing++;
  }
  if (reporting === 0) return 'missing';
  return failing >= minFailing && (failing >= quorum || failing >= reporting) ? 'breaching' : 'ok';
}

/** Nearest-rank percentile, as CloudWatch computes percentiles over raw values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function latencyStatistic(durations: readonly number[], statistic: LatencyPolicy['statistic']): number | null {
  if (durations.length === 0) return null;
  switch (statistic) {
    case 'Maximum':
      return Math.max(...durations);
    case 'Average':
      return durations.reduce((a, b) => a + b, 0) / durations.length;
    default:
      return percentile(durations, Number(statistic.slice(1)));
  }
}

export function latencyDatapoint(results: readonly CheckResult[], policy: LatencyPolicy): DatapointValue {
  const durations = results.filter((r) => !r.skipped).map((r) => r.durationMs);
  const value = latencyStatistic(durations, policy.statistic);
  if (value === null) return 'missing';
  return value > policy.thresholdMs ? 'breaching' : 'ok';
}

export function certificateDatapoint(results: readonly CheckResult[], days: number): DatapointValue {
  // Skipped results carry no certificate; a failed run that saw one still tells its expiry.
  const seen = results.map((r) => r.certDaysRemaining).filter((d): d is number => d !== null);
  if (seen.length === 0) return 'missing';
  return Math.min(...seen) < days ? 'breaching' : 'ok';
}

export interface AlarmTransition {
  alarmName: string;
  kind: AlarmKind;
  target: string;
  checkId: string;
  environment: string;
  from: AlarmStateValue;
  to: AlarmStateValue;
  /** ISO time of the change. */
  at: string;
  /** For ALARM → OK: when the alarm began (known locally, unlike in an SNS message). */
  alarmSince: string | null;
  reason: string;
}

export interface TrackerOptions {
  name: string;
  kind: AlarmKind;
  target: string;
  checkId: string;
  environment: string;
  rule: AlarmRule;
  datapoint: (results: readonly CheckResult[]) => DatapointValue;
  /** Locations that must report before a period is complete ahead of its end. */
  locations: readonly string[];
  /** Where its ALARM goes (routeFor: critical and a paging environment → pager). */
  route: 'pager' | 'chat';
  /**
   * A period counts as soon as it holds a result (certificates: a day's minimum can only
   * fall, so the first datum of the day already tells), instead of at its end.
   */
  earlyPeriods?: boolean;
  /** Periods before this instant count only if they hold results (the monitor was not running). */
  startMs: number;
  describe: (values: readonly DatapointValue[], latest: readonly CheckResult[]) => string;
}

/** The state of one alarm, fed with results, asked to evaluate at a given time. */
export class AlarmTracker {
  state: AlarmStateValue = 'INSUFFICIENT_DATA';
  private alarmSince: string | null = null;
  private readonly periods = new Map<number, CheckResult[]>();

  constructor(readonly options: TrackerOptions) {}

  get name(): string {
    return this.options.name;
  }

  observe(result: CheckResult): void {
    const period = Math.floor(Date.parse(result.startedAt) / this.options.rule.periodMs);
    const list = this.periods.get(period);
    if (list) list.push(result);
    else this.periods.set(period, [result]);
  }

  /**
   * Whether a period's datapoint is final at `nowMs`. A period with locations is final once
   * every location reported in it, or once a whole further period has passed (a run may end
   * up to one period after its slot, so its result can arrive after its period ended; silence
   * is only silence after that). A period without locations (latency, certificates) is
   * final when it ended.
   */
  private complete(period: number, nowMs: number): boolean {
    const { periodMs } = this.options.rule;
    if (this.options.earlyPeriods && (this.periods.get(period) ?? []).length > 0) return true;
    if (this.options.locations.length === 0) return nowMs >= (period + 1) * periodMs;
    if (nowMs >= (period + 2) * periodMs) return true;
    const reported = new Set((this.periods.get(period) ?? []).filter((r) => !r.skipped).map((r) => r.location));
    return this.options.locations.every((l) => reported.has(l));
  }

  /** The datapoints of the evaluation range at `nowMs`, oldest first. */
  window(nowMs: number): DatapointValue[] {
    const { periodMs } = this.options.rule;
    const range = evaluationRange(this.options.rule);
    const current = Math.floor(nowMs / periodMs);
    let last = current;
    while (last > current - 2 && !this.complete(last, nowMs)) last--;
    // The period the monitor started in has no slot of its own (the first run is at the next boundary).
    const firstObserved = Math.ceil(this.options.startMs / periodMs);
    const values: DatapointValue[] = [];
    for (let p = last - range + 1; p <= last; p++) {
      const results = this.periods.get(p);
      if (p < firstObserved && !results) continue;
      values.push(this.options.datapoint(results ?? []));
    }
    // Older periods can never enter a window again.
    for (const p of this.periods.keys()) if (p < last - range) this.periods.delete(p);
    return values;
  }

  /** Evaluates at `nowMs`; returns the transition when the state changed. */
  evaluate(nowMs: number): AlarmTransition | null {
    const values = this.window(nowMs);
    const next = evaluateDatapoints(values, this.options.rule, this.state);
    if (next === this.state) return null;
    const at = new Date(nowMs).toISOString();
    const latest = [...this.periods.values()].flat().sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const transition: AlarmTransition = {
      alarmName: this.options.name,
      kind: this.options.kind,
      target: this.options.target,
      checkId: this.options.checkId,
      environment: this.options.environment,
      from: this.state,
      to: next,
      at,
      alarmSince: this.state === 'ALARM' ? this.alarmSince : null,
      reason: this.options.describe(values, latest),
    };
    this.state = next;
    this.alarmSince = next === 'ALARM' ? at : null;
    return transition;
  }
}

export interface TrackerSetup {
  /** `['local']` on a laptop. */
  locations: string[];
  startMs: number;
  /** Test-only: replaces every period (schedule and alarm) with this length. */
  periodMsOverride?: number;
  /**
   * Certificate trackers by alarm name, shared by every target that sees the same TLS
   * endpoint (as the CDK app builds one alarm pair per endpoint). Pass one map for all the
   * targets of a monitor so a certificate alarms once; without it each call gets its own.
   */
  certificateTrackers?: Map<string, AlarmTracker>;
}

function summary(values: readonly DatapointValue[], rule: AlarmRule): string {
  const breaching = values.filter((v) => v === 'breaching').length;
  return `${breaching} of the last ${values.length} datapoint(s) breaching (alarm at ${rule.datapointsToAlarm} of ${rule.evaluationPeriods}, missing data ${rule.treatMissingData}): [${values.join(', ')}]`;
}

function lastFailure(results: readonly CheckResult[]): string {
  const failed = [...results].reverse().find((r) => !r.ok && r.failure);
  return failed?.failure ? `; last failure at ${failed.startedAt}: ${failed.failure.message}` : '';
}

/** Every alarm the CDK stacks would create for one check against one environment, as trackers. */
export function trackersFor(fleet: Fleet, check: Check, environment: string, environmentCount: number, setup: TrackerSetup): AlarmTracker[] {
  const policy = alarmPolicyFor(fleet, check);
  const target = checkTarget(check.id, environment, environmentCount);
  const base = { target, checkId: check.id, environment, startMs: setup.startMs };
  const ms = (seconds: number): number => setup.periodMsOverride ?? seconds * 1000;
  const name = (kind: AlarmKind): string => alarmName({ fleet: fleet.name, kind, subject: target });
  const locations = setup.locations;
  const quorum = Math.min(policy.availability.quorum, locations.length);
  const minFailing = Math.min(policy.availability.minFailingRegions, locations.length);
  const availabilityRule: AlarmRule = {
    periodMs: ms(policy.availability.periodSeconds),
    evaluationPeriods: policy.availability.evaluationPeriods,
    datapointsToAlarm: policy.availability.datapointsToAlarm,
    treatMissingData: policy.availability.treatMissingData,
  };
  const trackers = [
    new AlarmTracker({
      ...base,
      name: name('availability'),
      kind: 'availability',
      rule: availabilityRule,
      // Per-check alarms warn in chat; the service composite is what pages.
      route: 'chat',
      locations,
      datapoint: (r) => availabilityDatapoint(r, locations, quorum, minFailing),
      describe: (v, r) =>
        `${summary(v, availabilityRule)}; a datapoint breaches when ${quorum > minFailing ? `${quorum} of ${locations.length} location(s), or every reporting one (at least ${minFailing}),` : `${quorum} of ${locations.length} location(s)`} fail; a silent location counts neither way${lastFailure(r)}`,
    }),
  ];
  const latency = policy.latency;
  if (latency) {
    const rule: AlarmRule = {
      periodMs: ms(latency.periodSeconds),
      evaluationPeriods: latency.evaluationPeriods,
      datapointsToAlarm: latency.datapointsToAlarm,
      treatMissingData: latency.treatMissingData,
    };
    trackers.push(
      new AlarmTracker({
        ...base,
        name: name('latency'),
        kind: 'latency',
        rule,
        route: 'chat',
        locations: [],
        datapoint: (r) => latencyDatapoint(r, latency),
        describe: (v) => `${summary(v, rule)}; a datapoint breaches when ${latency.statistic} duration > ${latency.thresholdMs} ms`,
      }),
    );
  }
  if (policy.certificate) {
    const shared = setup.certificateTrackers ?? new Map<string, AlarmTracker>();
    const endpoints = new Set(certificateEndpointsOf(fleet, check, environment));
    // Thresholds and routes come from every target of the fleet that sees the endpoint, as in
    // the CDK app, whatever part of the fleet this monitor runs.
    for (const plan of certificatePlansOf(fleet).filter((p) => endpoints.has(p.endpoint))) {
      const rule: AlarmRule = {
        periodMs: ms(plan.policy.periodSeconds),
        evaluationPeriods: plan.policy.evaluationPeriods,
        datapointsToAlarm: plan.policy.datapointsToAlarm,
        treatMissingData: plan.policy.treatMissingData,
      };
      for (const [kind, days, route] of [
        ['cert-chat', plan.chatDays, 'chat'],
        ['cert-pager', plan.pagerDays, plan.pages ? 'pager' : 'chat'],
      ] as const) {
        const trackerName = alarmName({ fleet: fleet.name, kind, subject: plan.endpoint });
        let tracker = shared.get(trackerName);
        if (!tracker) {
          tracker = new AlarmTracker({
            // An endpoint alarm belongs to no single check (its description lists them).
            target: plan.endpoint,
            checkId: '',
            environment: '',
            startMs: setup.startMs,
            name: trackerName,
            kind,
            rule,
            route,
            locations: [],
            earlyPeriods: true,
            // A result carries the smallest days remaining of the run's connections: exact
            // for a check with one endpoint, the most cautious reading for a flow with several.
            datapoint: (r) => certificateDatapoint(r, days),
            describe: (v, r) => {
              const daysLeft = r.map((x) => x.certDaysRemaining).filter((d): d is number => d !== null);
              return `${summary(v, rule)}; a datapoint breaches when the certificate of ${plan.endpoint} has fewer than ${days} days left${daysLeft.length > 0 ? ` (now ${Math.min(...daysLeft)})` : ''}`;
            },
          });
          shared.set(trackerName, tracker);
        }
        trackers.push(tracker);
      }
    }
  }
  return trackers;
}

/** Planned once per fleet object: a monitor asks for every target, and planning walks the whole fleet. */
const certificatePlans = new WeakMap<Fleet, CertificateEndpointPlan[]>();
function certificatePlansOf(fleet: Fleet): CertificateEndpointPlan[] {
  let plans = certificatePlans.get(fleet);
  if (!plans) {
    plans = planCertificateEndpoints(fleet, fleetTargets(fleet));
    certificatePlans.set(fleet, plans);
  }
  return plans;
}

/** Every check × environment of the fleet, with its `Check` dimension. */
function fleetTargets(fleet: Fleet): CertificateDependent[] {
  return fleet.checks.flatMap((check) => {
    const environments = resolveSettings(fleet, check).environments;
    return environments.map((environment) => ({ target: checkTarget(check.id, environment, environments.length), check, environment }));
  });
}

/**
 * The service alarm, as the CDK composite states it: ALARM while any member (the service's
 * critical checks' availability alarms, or all of them when none is critical) is in ALARM.
 */
export class ServiceAlarmTracker {
  state: AlarmStateValue = 'INSUFFICIENT_DATA';
  private alarmSince: string | null = null;

  constructor(
    readonly name: string,
    readonly service: string,
    readonly members: readonly AlarmTracker[],
    /** Whether the members are critical checks. */
    readonly critical: boolean,
    /** Critical members in an environment that pages: the pager topic (routeFor). */
    readonly route: 'pager' | 'chat' = critical ? 'pager' : 'chat',
  ) {}

  evaluate(nowMs: number): AlarmTransition | null {
    const states = this.members.map((m) => m.state);
    const next: AlarmStateValue = states.includes('ALARM') ? 'ALARM' : states.every((s) => s === 'INSUFFICIENT_DATA') ? this.state : 'OK';
    if (next === this.state) return null;
    const at = new Date(nowMs).toISOString();
    const firing = this.members.filter((m) => m.state === 'ALARM').map((m) => m.name);
    const transition: AlarmTransition = {
      alarmName: this.name,
      kind: 'service',
      target: this.service,
      checkId: '',
      environment: '',
      from: this.state,
      to: next,
      at,
      alarmSince: this.state === 'ALARM' ? this.alarmSince : null,
      reason: firing.length > 0 ? `in ALARM: ${firing.join(', ')}` : `none of ${this.members.length} member alarm(s) in ALARM`,
    };
    this.state = next;
    this.alarmSince = next === 'ALARM' ? at : null;
    return transition;
  }
}

/**
 * Service alarms over the given trackers, grouped and named as the CDK composites are: one
 * per service, or one per `<service>.<environment>` when the service's checks run against
 * several environments of the fleet (so staging never pages as the service).
 */
export function serviceTrackersFor(fleet: Fleet, targets: readonly { check: Check; environment: string; trackers: readonly AlarmTracker[] }[]): ServiceAlarmTracker[] {
  const groups = new Map<string, { check: Check; availability: AlarmTracker }[]>();
  const fleetEnvironments = new Map<string, Set<string>>();
  for (const check of fleet.checks) {
    const set = fleetEnvironments.get(check.service) ?? new Set<string>();
    for (const e of resolveSettings(fleet, check).environments) set.add(e);
    fleetEnvironments.set(check.service, set);
  }
  for (const t of targets) {
    const availability = t.trackers.find((x) => x.options.kind === 'availability');
    if (!availability) continue;
    const perEnvironment = (fleetEnvironments.get(t.check.service)?.size ?? 1) > 1;
    // Environment names hold no dot, so `<service>.<environment>` reads back unambiguously.
    const key = perEnvironment ? `${t.check.service}.${t.environment}` : t.check.service;
    const list = groups.get(key) ?? [];
    list.push({ check: t.check, availability });
    groups.set(key, list);
  }
  return [...groups.entries()].map(([key, members]) => {
    const critical = members.filter((m) => m.check.severity === 'critical');
    const chosen = critical.length > 0 ? critical : members;
    const pages = chosen.some((m) => environmentPages(fleet, m.availability.options.environment));
    return new ServiceAlarmTracker(alarmName({ fleet: fleet.name, kind: 'service', subject: key }), key, chosen.map((m) => m.availability), critical.length > 0, routeFor(critical.length > 0, pages));
  });
}

/**
 * Which topic an alarm's ALARM goes to, as lib/infra wires it: a service composite or a
 * critical certificate alarm pages when it is critical and its environment pages (routeFor);
 * everything else posts to chat. Every OK goes to chat; in AWS a paging alarm's OK also
 * reaches the pager topic's own subscribers, which the notify function, like the local
 * monitor, leaves to them. Trackers carry the same answer as `options.route` / `route`.
 */
export function alarmRoute(kind: AlarmKind, critical: boolean, pages = true): 'pager' | 'chat' {
  if (kind === 'cert-pager') return pages ? 'pager' : 'chat';
  if (kind === 'service') return routeFor(critical, pages);
  return 'chat';
}
