// Scripted metric streams: what the deployed fleet would publish, run by run, written from the
// metric contract the probes and the alarms share (not from the publisher's code):
// - per check target that reached a verdict: Success (1/0), Duration, Degraded with dimensions
//   {Fleet, Check, Region}, timestamped with the run's SCHEDULED time, in the home region;
// - a check whose secret lookup failed publishes none of those and counts into
//   SecretLookupFailures {Fleet, Region} (published only when > 0);
// - per invocation: ChecksRun and ChecksSkipped {Fleet, Region};
// - CertificateDaysRemaining {Fleet, Endpoint=host:port}, from every region, at the first
//   scheduled run of each UTC day and on any run at or below the fleet's certificate warning
//   threshold;
// - Lambda's own metrics (Invocations, Errors, Throttles per FunctionName) and EventBridge's
//   (Invocations, TriggeredRules, FailedInvocations per RuleName) in the probe's region:
//   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
// The schedule of each shard comes from its rule in the template (rate or cron expression,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html);
// which targets a shard runs comes from the fleet's shard plan, joined by the rule's input.
import { DEFAULT_CERT_DAYS } from '../../../lib/alerting/policy.js';
import { checkTarget } from '../../../lib/alerting/naming.js';
import { namespaceOf, resolveSettings } from '../../../lib/config/resolve.js';
import { planShards, type Shard, type ShardTarget } from '../../../lib/lambda/shards.js';
import type { Check, Fleet } from '../../../lib/model/fleet.js';
import type { MetricStore } from './metricStore.js';
import type { ScheduledRuleDef } from './templateAlarms.js';

const MINUTE = 60_000;

/** absent: the deployed shard does not have the target yet (a check added by a later deploy). */
export type TargetOutcome = 'pass' | 'fail' | 'secret-failure' | 'absent';
/**
 * ok: the handler ran; silent: nothing fired (rule disabled, shard gone); error: the function
 * failed before publishing; throttled: Lambda refused the invocation; undeliverable:
 * EventBridge fired but could not invoke the function (a permission or a deleted function).
 */
export type InvocationOutcome = 'ok' | 'silent' | 'error' | 'throttled' | 'undeliverable';

export interface Run {
  region: string;
  shardId: string;
  functionName: string;
  ruleName: string;
  /** The event's time: the scheduled minute. */
  scheduledMs: number;
  /** The shard's schedule period. */
  periodMs: number;
}

export interface Script {
  invocation?(run: Run): InvocationOutcome;
  outcome?(run: Run, target: ShardTarget, check: Check): TargetOutcome;
  /** Delay from the scheduled time to the handler's start (EventBridge fires "within the minute"). */
  startDelayMs?(run: Run): number;
  /** Days until the certificate of `endpoint` expires at `atMs`. */
  certificateDays?(endpoint: string, atMs: number): number;
  /**
   * Which clock stamps the run's datums: `scheduled` (the contract: the event's time) or
   * `handler` (the handler's own start, as before the contract; negative controls only).
   */
  clock?: 'scheduled' | 'handler';
  /**
   * What a failed secret lookup publishes: nothing about the service (the contract), or
   * Success=0 as a failed check (before the contract; negative controls only).
   */
  secretFailure?: 'no-verdict' | 'failed-check';
}

export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** One field of an EventBridge cron: *, ?, lists, ranges, steps, and day/month names. */
function cronField(text: string, min: number, max: number, names: readonly string[] = [], nameBase = 1): (v: number) => boolean {
  if (text === '*' || text === '?') return () => true;
  const value = (s: string): number => {
    const i = names.indexOf(s.toUpperCase());
    if (i >= 0) return i + nameBase;
    const n = Number(s);
    if (!Number.isInteger(n)) throw new SimulationError(`cron field "${text}": cannot read "${s}" (L, W and # are not modelled)`);
    return n;
  };
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) [from, to] = range.split('-').map(value) as [number, number];
    else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    for (let v = from; v <= to; v += step) allowed.add(v);
  }
  return (v) => allowed.has(v);
}

/** Whether a schedule expression fires at the minute `ms` (UTC). `rate` rules start at `originMs`. */
export function firesAt(expression: string, ms: number, originMs: number): boolean {
  if (ms % MINUTE !== 0) return false;
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const unit = rate[2]!.startsWith('minute') ? MINUTE : rate[2]!.startsWith('hour') ? 60 * MINUTE : 1440 * MINUTE;
    const every = Number(rate[1]) * unit;
    return ms >= originMs && (ms - originMs) % every === 0;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) throw new SimulationError(`schedule "${expression}": expected rate(...) or cron(...)`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new SimulationError(`schedule "${expression}": expected 6 cron fields`);
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const d = new Date(ms);
  // EventBridge numbers days of the week 1-7 from Sunday.
  return (
    cronField(minute, 0, 59)(d.getUTCMinutes()) &&
    cronField(hour, 0, 23)(d.getUTCHours()) &&
    cronField(dom, 1, 31)(d.getUTCDate()) &&
    cronField(month, 1, 12, MONTH_NAMES)(d.getUTCMonth() + 1) &&
    cronField(dow, 1, 7, DOW_NAMES)(d.getUTCDay() + 1) &&
    cronField(year, 1970, 2199)(d.getUTCFullYear())
  );
}

/** `host:port` of every TLS endpoint a check target sees, lower-case host. */
export function endpointsOf(fleet: Fleet, check: Check, environment: string): string[] {
  const base = fleet.environments[environment]?.baseUrl;
  const hostPort = (url: URL): string | null => (url.protocol === 'https:' ? `${url.hostname.toLowerCase()}:${url.port || '443'}` : null);
  if (check.kind === 'tls') {
    const baseUrl = base ? new URL(base) : null;
    const host = (check.host ?? baseUrl?.hostname ?? '').toLowerCase();
    return [`${host}:${check.port ?? (baseUrl?.port || 443)}`];
  }
  if (check.kind !== 'http' && check.kind !== 'flow') return [];
  const urls = check.kind === 'http' ? [check.url] : check.steps.map((s) => s.url);
  const out = new Set<string>();
  for (const u of urls) {
    const url = /^[a-z]+:/i.test(u) ? new URL(u) : base ? new URL(u.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`) : null;
    const hp = url ? hostPort(url) : null;
    if (hp) out.add(hp);
  }
  return [...out];
}

export interface Simulation {
  runs: number;
  datums: number;
}

/** Publishes into `store` everything the fleet would publish between `fromMs` and `toMs`. */
export function simulateFleet(fleet: Fleet, rules: readonly ScheduledRuleDef[], store: MetricStore, fromMs: number, toMs: number, script: Script = {}, originMs = fromMs): Simulation {
  const shards = new Map<string, Shard>(planShards(fleet).map((s) => [s.id, s]));
  const namespace = namespaceOf(fleet);
  const chatDays = fleet.alerting?.policy?.certificateDays?.chat ?? DEFAULT_CERT_DAYS.chat;
  const checks = new Map(fleet.checks.map((c) => [c.id, c]));
  let runs = 0;
  const before = store.count;
  const probeRules = rules.filter((r) => r.targets.some((t) => typeof (t.input as { shard?: unknown } | undefined)?.shard === 'string'));
  if (probeRules.length === 0) throw new SimulationError('no scheduled rule with a {"shard": …} input: the probe layout changed, the simulator needs updating');
  for (const rule of probeRules) {
    const target = rule.targets[0]!;
    const shardId = (target.input as { shard: string }).shard;
    const shard = shards.get(shardId);
    if (!shard) throw new SimulationError(`rule ${rule.ruleName} runs shard ${shardId}, which the fleet's shard plan does not have`);
    if (shard.region !== rule.region) throw new SimulationError(`shard ${shardId} is in ${shard.region}, its rule in ${rule.region}`);
    if (!rule.enabled) continue;
    for (let t = Math.ceil(fromMs / MINUTE) * MINUTE; t < toMs; t += MINUTE) {
      if (!firesAt(rule.scheduleExpression, t, originMs)) continue;
      const run: Run = { region: rule.region, shardId, functionName: target.functionName, ruleName: rule.ruleName, scheduledMs: t, periodMs: shard.periodSeconds * 1000 };
      const invocation = script.invocation?.(run) ?? 'ok';
      if (invocation === 'silent') continue;
      runs++;
      const start = t + (script.startDelayMs?.(run) ?? 20_000);
      const done = start + 3_000;
      const stamp = script.clock === 'handler' ? start : t;
      const put = (where: string, ns: string, name: string, dimensions: Record<string, string>, value: number, timestampMs = stamp): void =>
        store.put({ namespace: ns, name, dimensions, region: where, timestampMs, arrivalMs: done, value });
      const events = { RuleName: rule.ruleName };
      put(rule.region, 'AWS/Events', 'TriggeredRules', events, 1);
      if (invocation === 'undeliverable') {
        put(rule.region, 'AWS/Events', 'FailedInvocations', events, 1);
        continue;
      }
      if (invocation === 'throttled') {
        // An asynchronous invocation Lambda throttles is accepted by EventBridge and retried by Lambda; here it never runs.
        put(rule.region, 'AWS/Events', 'Invocations', events, 1);
        put(rule.region, 'AWS/Lambda', 'Throttles', { FunctionName: run.functionName }, 1, start);
        continue;
      }
      put(rule.region, 'AWS/Events', 'Invocations', events, 1);
      put(rule.region, 'AWS/Lambda', 'Invocations', { FunctionName: run.functionName }, 1, start);
      put(rule.region, 'AWS/Lambda', 'Errors', { FunctionName: run.functionName }, invocation === 'error' ? 1 : 0, start);
      if (invocation === 'error') continue;

      let ran = 0;
      let skipped = 0;
      let secretFailures = 0;
      const firstRunOfDay = t % (1440 * MINUTE) < shard.periodSeconds * 1000;
      const certificates = new Map<string, number>();
      for (const st of shard.targets) {
        const check = checks.get(st.checkId);
        if (!check) throw new SimulationError(`shard ${shardId} names check ${st.checkId}, which the fleet does not have`);
        const outcome = script.outcome?.(run, st, check) ?? 'pass';
        if (outcome === 'absent') continue;
        if (outcome === 'secret-failure' && script.secretFailure !== 'failed-check') {
          secretFailures++;
          skipped++;
          continue;
        }
        ran++;
        const environments = resolveSettings(fleet, check).environments.length;
        const dims = { Fleet: fleet.name, Check: checkTarget(check.id, st.environment, environments), Region: rule.region };
        put(fleet.homeRegion, namespace, 'Success', dims, outcome === 'pass' ? 1 : 0);
        if (outcome === 'secret-failure') secretFailures++;
        put(fleet.homeRegion, namespace, 'Duration', dims, outcome === 'pass' ? 120 : 5_000);
        put(fleet.homeRegion, namespace, 'Degraded', dims, 0);
        for (const endpoint of endpointsOf(fleet, check, st.environment)) {
          const days = script.certificateDays?.(endpoint, t) ?? 90;
          certificates.set(endpoint, Math.min(days, certificates.get(endpoint) ?? Infinity));
        }
      }
      for (const [endpoint, days] of certificates) {
        if (firstRunOfDay || days <= chatDays) put(fleet.homeRegion, namespace, 'CertificateDaysRemaining', { Fleet: fleet.name, Endpoint: endpoint }, days);
      }
      const fleetDims = { Fleet: fleet.name, Region: rule.region };
      put(fleet.homeRegion, namespace, 'ChecksRun', fleetDims, ran);
      put(fleet.homeRegion, namespace, 'ChecksSkipped', fleetDims, skipped);
      if (secretFailures > 0) put(fleet.homeRegion, namespace, 'SecretLookupFailures', fleetDims, secretFailures);
    }
  }
  return { runs, datums: store.count - before };
}
