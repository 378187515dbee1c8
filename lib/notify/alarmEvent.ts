// One shape for "an alarm changed state", whether CloudWatch sent it through SNS or the local
// monitor's evaluator produced it. Every formatter reads this and nothing else.
import type { AlarmKind } from '../alerting/naming.js';
import { parseAlarmName } from '../alerting/naming.js';
import type { Severity } from '../model/fleet.js';
import { routeFor } from '../alerting/policy.js';
import type { NotifyConfig, NotifyTarget, RouteName } from './notifyConfig.js';

export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export interface AlarmEvent {
  alarmName: string;
  fleet: string;
  /** Null for alarms this tool did not name (still delivered, with what the message says). */
  kind: AlarmKind | null;
  subject: string;
  state: AlarmState;
  previousState: AlarmState | null;
  /** `firing` (→ALARM), `resolved` (ALARM→OK), `info` (anything else, e.g. INSUFFICIENT_DATA). */
  status: 'firing' | 'resolved' | 'info';
  reason: string;
  /** ISO-8601 time of this state change. */
  changedAt: string;
  /** For a recovery: when the alarm began, if known. */
  downSince: string | null;
  /** For a recovery: how long it was in alarm, if known. */
  downForMs: number | null;
  /** Human name of the region the alarm lives in, as CloudWatch names it. */
  alarmRegion: string;
  /** Probe regions involved (from the alarm's metrics, else from the check's configuration). */
  regions: string[];
  severity: Severity;
  /**
   * Where this alarm's ALARM goes (lib/infra and the local monitor wire it so): `pager` for a
   * service alarm of critical checks in a paging environment and a paging certificate alarm,
   * else `chat`. Null when the bundle cannot tell (older bundles, heartbeats, foreign alarms).
   * A recovery goes where its alarm went.
   */
  alarmRoute: RouteName | null;
  /** The check behind a per-check alarm. */
  target: NotifyTarget | null;
  /** For a service alarm: its checks. */
  serviceTargets: NotifyTarget[];
  /**
   * For a service alarm that fired: the checks whose alarms made it fire (from the composite's
   * `TriggeringChildren`, or the local monitor's members in ALARM). Empty when not known.
   */
  firingTargets: NotifyTarget[];
  /**
   * The failing checks' own failure texts (what woke someone: "connection refused"), for a
   * check's alarm or the checks that fired a service alarm. Known to the local monitor, which
   * holds the results; CloudWatch's alarm message carries no result, so empty in AWS.
   */
  failures: CheckFailure[];
  /** When the failing began: the first failing run (not when the alarm fired), if known. */
  failingSince: string | null;
  /** For a certificate alarm (`cert-chat`, `cert-pager`): its TLS endpoint and every check that depends on it. */
  certificate: EventCertificate | null;
  service: string | null;
  description: string;
  dashboardUrl: string;
  alarmArn: string | null;
  /** Present only on a test notification (`probe-fleet page --test`): no service is down. */
  test?: AlarmTest;
}

export interface CheckFailure {
  /** Alarm subject of the check (`<checkId>` or `<checkId>.<environment>`). */
  target: string;
  checkName: string;
  /** The check's own failure text, as its run reported it (redacted). */
  message: string;
  /** ISO time of the first failing run of this streak. */
  since: string;
}

export interface EventCertificate {
  /** `host:port`. */
  endpoint: string;
  /** Every check (target) that sees this certificate; empty when the bundle predates the list. */
  dependents: NotifyTarget[];
  /** The alarm's threshold: fewer days left than this breaches. Null when the bundle does not say. */
  thresholdDays: number | null;
}

/** What `probe-fleet page --test` writes into its message under TEST_MARKER_FIELD. */
export interface AlarmTest {
  /** Names this test, so its resolve closes exactly the incident it opened. */
  id: string;
  /** ISO-8601 time the test was sent. */
  sentAt: string;
  /** The route (topic) it was published to. */
  route: string;
}

/** The field of the alarm JSON that marks a test notification; CloudWatch never writes it. */
export const TEST_MARKER_FIELD = 'ProbeFleetTest';

function testMarker(value: unknown): AlarmTest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const id = str(v.id);
  if (id === null) return undefined;
  return { id, sentAt: str(v.sentAt) ?? '', route: str(v.route) ?? '' };
}

export class AlarmMessageError extends Error {
  readonly kind = 'alarm_message_invalid';
  /** The same message will fail the same way. */
  readonly retryable = false;
}

const STATES: readonly string[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function state(value: unknown, field: string, required: boolean): AlarmState | null {
  if (value === undefined || value === null) {
    if (required) throw new AlarmMessageError(`alarm message: expected ${field} to be one of ${STATES.join('/')}, received nothing`);
    return null;
  }
  if (typeof value !== 'string' || !STATES.includes(value)) {
    throw new AlarmMessageError(`alarm message: expected ${field} to be one of ${STATES.join('/')}, received ${JSON.stringify(value).slice(0, 60)}`);
  }
  return value as AlarmState;
}

/** CloudWatch writes `2015-06-03T17:43:27.123+0000`, which Date.parse does not read everywhere. */
export function parseCloudWatchTime(text: string | null): string | null {
  if (text === null) return null;
  const normalised = text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

interface Dimension {
  name?: unknown;
  value?: unknown;
}

/** Region dimensions named anywhere in a metric alarm's trigger, single metric or metric math. */
function regionsOfTrigger(trigger: unknown): string[] {
  const found = new Set<string>();
  const visit = (dimensions: unknown): void => {
    if (!Array.isArray(dimensions)) return;
    for (const d of dimensions as Dimension[]) {
      const name = str(d.name);
      const value = str(d.value);
      if (name === 'Region' && value) found.add(value);
    }
  };
  if (typeof trigger === 'object' && trigger !== null) {
    const t = trigger as { Dimensions?: unknown; Metrics?: unknown };
    visit(t.Dimensions);
    if (Array.isArray(t.Metrics)) {
      for (const m of t.Metrics as { MetricStat?: { Metric?: { Dimensions?: unknown } } }[]) {
        visit(m.MetricStat?.Metric?.Dimensions);
      }
    }
  }
  return [...found].sort();
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<name>` → `<name>` (names may hold colons). */
function alarmNameOfArn(arn: string): string | null {
  const match = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(arn);
  return match ? match[1]! : null;
}

/**
 * The child alarms a composite alarm's notification says triggered it: CloudWatch adds
 * `TriggeringChildren: [{ Arn, State: { Value, Timestamp } }]` to composite alarm messages
 * (empty for a state set by hand). Only the children in ALARM explain a firing composite.
 */
function triggeringAlarmNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const names: string[] = [];
  for (const child of value as { Arn?: unknown; State?: { Value?: unknown } }[]) {
    if (typeof child !== 'object' || child === null) continue;
    const arn = str(child.Arn);
    const name = arn === null ? null : alarmNameOfArn(arn);
    const childState = typeof child.State === 'object' && child.State !== null ? str(child.State.Value) : null;
    if (name !== null && (childState === null || childState === 'ALARM')) names.push(name);
  }
  return names;
}

export interface ParseContext {
  config: NotifyConfig;
  /** Which topic the message came through; decides severity for alarms without a check. */
  route: RouteName;
}

/** Parses the `Message` of a CloudWatch alarm SNS notification (metric, metric-math or composite). */
export function parseAlarmMessage(message: string, context: ParseContext): AlarmEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    throw new AlarmMessageError(`alarm message: expected JSON from CloudWatch, received ${JSON.stringify(message.slice(0, 80))}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AlarmMessageError(`alarm message: expected a JSON object, received ${JSON.stringify(message.slice(0, 80))}`);
  }
  const m = raw as Record<string, unknown>;
  const alarmName = str(m.AlarmName);
  if (!alarmName) throw new AlarmMessageError('alarm message: expected a string AlarmName, received nothing');
  const newState = state(m.NewStateValue, 'NewStateValue', true)!;
  const oldState = state(m.OldStateValue, 'OldStateValue', false);
  const changedAt = parseCloudWatchTime(str(m.StateChangeTime)) ?? new Date().toISOString();
  // Present on newer messages (composite alarms and recent metric alarms); without it a
  // recovery cannot say how long it was down, and says so instead of guessing.
  const previousChange = parseCloudWatchTime(str(m.PreviousStateChangeTime));
  return buildAlarmEvent({
    config: context.config,
    route: context.route,
    alarmName,
    state: newState,
    previousState: oldState,
    reason: str(m.NewStateReason) ?? '',
    changedAt,
    downSince: newState === 'OK' && oldState === 'ALARM' ? previousChange : null,
    alarmRegion: str(m.Region) ?? context.config.homeRegion,
    metricRegions: regionsOfTrigger(m.Trigger),
    description: str(m.AlarmDescription) ?? '',
    alarmArn: str(m.AlarmArn),
    triggeringAlarms: triggeringAlarmNames(m.TriggeringChildren),
    test: testMarker(m[TEST_MARKER_FIELD]),
  });
}

export interface AlarmEventInput {
  config: NotifyConfig;
  route: RouteName;
  alarmName: string;
  state: AlarmState;
  previousState: AlarmState | null;
  reason: string;
  changedAt: string;
  downSince: string | null;
  alarmRegion: string;
  metricRegions: string[];
  description: string;
  alarmArn: string | null;
  /** Names of the member alarms in ALARM that made a service composite fire, if known. */
  triggeringAlarms?: readonly string[];
  test?: AlarmTest | undefined;
  /** The failing checks' failure texts, by target, when the caller holds the results (the local monitor). */
  failures?: readonly { target: string; message: string; since: string }[];
  /** The first failing run behind a firing alarm, when known. */
  failingSince?: string | null;
}

/**
 * The service (and its checks) a service composite covers. Its subject is the service, or
 * `<service>.<environment>` when the service has one composite per environment (lib/infra
 * serviceAlarmKey); environment names hold no dot, so the last dot splits the two.
 */
function serviceScope(config: NotifyConfig, subject: string): { service: string; targets: NotifyTarget[] } {
  const targets = Object.values(config.targets);
  const whole = targets.filter((t) => t.service === subject);
  const dot = subject.lastIndexOf('.');
  if (whole.length > 0 || dot < 0) return { service: subject, targets: whole };
  const service = subject.slice(0, dot);
  const environment = subject.slice(dot + 1);
  const inEnvironment = targets.filter((t) => t.service === service && t.environment === environment);
  return inEnvironment.length > 0 ? { service, targets: inEnvironment } : { service: subject, targets: [] };
}

/**
 * A certificate alarm's subject is its TLS endpoint (`host:port`, spelt safe for alarm names):
 * the bundle's `certificates` name the endpoint and its dependent checks. A bundle without them
 * (or an older per-check certificate alarm) still names what it can: the subject, and the check
 * when the subject is one.
 */
function certificateScope(config: NotifyConfig, kind: 'cert-chat' | 'cert-pager', subject: string): EventCertificate {
  const known = config.certificates?.[subject];
  if (known) {
    return {
      endpoint: known.endpoint,
      dependents: known.targets.map((t) => config.targets[t]).filter((t): t is NotifyTarget => t !== undefined),
      thresholdDays: kind === 'cert-chat' ? known.chatDays : known.pagerDays,
    };
  }
  const legacy = config.targets[subject];
  // `host_443` → `host:443`: the alarm name's spelling of the last colon, a best reading.
  return { endpoint: legacy ? subject : subject.replace(/_(\d+)$/, ':$1'), dependents: legacy ? [legacy] : [], thresholdDays: null };
}

/** As lib/alerting/evaluate.ts alarmRoute and serviceTrackersFor decide it, from the bundle's facts. */
function alarmRouteOf(kind: AlarmKind | null, certificatePages: boolean | null, serviceTargets: readonly NotifyTarget[]): RouteName | null {
  switch (kind) {
    case 'availability':
    case 'latency':
    case 'cert-chat':
      return 'chat';
    case 'cert-pager':
      return certificatePages === null ? null : certificatePages ? 'pager' : 'chat';
    case 'service': {
      if (serviceTargets.length === 0 || serviceTargets.some((t) => t.pages === undefined)) return null;
      const critical = serviceTargets.filter((t) => t.severity === 'critical');
      const chosen = critical.length > 0 ? critical : serviceTargets;
      return routeFor(critical.length > 0, chosen.some((t) => t.pages === true));
    }
    default:
      return null;
  }
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * The alarm's own severity, whichever topic carried it: a check's alarm has its check's; a
 * service alarm the highest of the checks that fired it (else of its checks); the critical
 * certificate alarm is critical and the warning one a warning. Only alarms that belong to no
 * check (heartbeats, names this tool did not make) fall back to the route.
 */
function severityOf(kind: AlarmKind | null, target: NotifyTarget | null, members: readonly NotifyTarget[], route: RouteName): Severity {
  if (target) return target.severity;
  if (kind === 'cert-pager') return 'critical';
  if (kind === 'cert-chat') return 'warning';
  if (kind === 'service' && members.length > 0) {
    return members.map((m) => m.severity).reduce((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a));
  }
  return route === 'pager' ? 'critical' : 'warning';
}

/** Joins what an alarm says with what the fleet knows about its subject. Shared with the local monitor. */
export function buildAlarmEvent(input: AlarmEventInput): AlarmEvent {
  const identity = parseAlarmName(input.alarmName);
  const kind = identity?.kind ?? null;
  const subject = identity?.subject ?? input.alarmName;
  const isCertificate = kind === 'cert-chat' || kind === 'cert-pager';
  const certificate = isCertificate ? certificateScope(input.config, kind, subject) : null;
  const perCheck = kind === 'availability' || kind === 'latency';
  const target = perCheck ? (input.config.targets[subject] ?? null) : null;
  const scope = kind === 'service' ? serviceScope(input.config, subject) : null;
  const serviceTargets = scope?.targets ?? [];
  const firingTargets: NotifyTarget[] = [];
  if (kind === 'service' && input.state === 'ALARM') {
    for (const name of input.triggeringAlarms ?? []) {
      const child = parseAlarmName(name);
      // A member is a per-check alarm; keep only checks this service covers, once each.
      const member = child && child.kind !== 'service' && child.kind !== 'heartbeat' ? serviceTargets.find((t) => t.target === child.subject) : undefined;
      if (member && !firingTargets.includes(member)) firingTargets.push(member);
    }
  }
  const certificateServices = [...new Set((certificate?.dependents ?? []).map((d) => d.service))];
  const service = target?.service ?? scope?.service ?? (certificateServices.length === 1 ? certificateServices[0]! : null);
  const status = input.state === 'ALARM' ? 'firing' : input.state === 'OK' && input.previousState === 'ALARM' ? 'resolved' : 'info';
  const downForMs = input.downSince === null ? null : Math.max(0, Date.parse(input.changedAt) - Date.parse(input.downSince));
  const regions =
    input.metricRegions.length > 0
      ? input.metricRegions
      : kind === 'heartbeat' && subject !== DEAD_LETTER_SUBJECT
        ? [subject]
        : (target?.regions ?? [...new Set([...serviceTargets, ...(certificate?.dependents ?? [])].flatMap((t) => t.regions))].sort());
  const severity = severityOf(kind, target, firingTargets.length > 0 ? firingTargets : serviceTargets, input.route);
  return {
    alarmName: input.alarmName,
    fleet: identity?.fleet ?? input.config.fleet,
    kind,
    subject,
    state: input.state,
    previousState: input.previousState,
    status,
    reason: input.reason,
    changedAt: input.changedAt,
    downSince: input.downSince,
    downForMs,
    alarmRegion: input.alarmRegion,
    regions,
    severity,
    alarmRoute: alarmRouteOf(kind, certificate === null ? null : (input.config.certificates?.[subject]?.pages ?? null), serviceTargets),
    target,
    serviceTargets,
    firingTargets,
    failures: (input.failures ?? []).map((f) => ({ ...f, checkName: input.config.targets[f.target]?.checkName ?? f.target })),
    failingSince: input.failingSince ?? null,
    certificate,
    service,
    description: input.description,
    dashboardUrl: input.config.dashboardUrl,
    alarmArn: input.alarmArn,
    ...(input.test ? { test: input.test } : {}),
  };
}

/** `1h 5m`, `42s`: how long something lasted, for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The notify function's own dead-letter alarm (lib/infra names it so). */
const DEAD_LETTER_SUBJECT = 'notify-dead-letters';

const KIND_LABEL: Record<AlarmKind, string> = {
  availability: 'failing',
  latency: 'slow',
  'cert-chat': 'certificate expires soon',
  'cert-pager': 'certificate about to expire',
  heartbeat: 'probes silent',
  service: 'service down',
};

/** One line for titles and PagerDuty summaries: `[ALARM] Health endpoint (api) failing in eu-west-1, us-east-1`. */
export function headline(event: AlarmEvent): string {
  if (event.test) {
    const where = event.test.route ? ` (${event.test.route} route)` : '';
    return event.status === 'resolved'
      ? `[TEST RESOLVED] on-call path test for ${event.fleet}${where} closed`
      : `[TEST] on-call path test for ${event.fleet}${where}: no service is down`;
  }
  const what = event.certificate
    ? `TLS endpoint ${event.certificate.endpoint}${event.certificate.dependents.length > 0 ? ` (${event.certificate.dependents.length === 1 ? event.certificate.dependents[0]!.checkName : `${event.certificate.dependents.length} checks`})` : ''}`
    : event.target
    ? `${event.target.checkName} (${event.target.service}${event.target.environment ? `, ${event.target.environment}` : ''})`
    : event.kind === 'service'
      ? `service ${event.service ?? event.subject}${event.service !== null && event.subject.startsWith(`${event.service}.`) ? ` (${event.subject.slice(event.service.length + 1)})` : ''}`
      : event.kind === 'heartbeat'
        ? event.subject === DEAD_LETTER_SUBJECT
          ? 'notification delivery (dead-letter queue)'
          : `probes in ${event.subject}`
        : event.alarmName;
  const label = event.kind ? KIND_LABEL[event.kind] : 'in alarm';
  if (event.status === 'resolved') {
    return `[RESOLVED] ${what} recovered${event.downForMs !== null ? ` after ${formatDuration(event.downForMs)}` : ''}`;
  }
  if (event.status === 'info') return `[${event.state}] ${what}`;
  const where = event.regions.length > 0 ? ` in ${event.regions.join(', ')}` : '';
  return `[ALARM] ${what} ${label}${where}`;
}

/** `Health endpoint: text`, or just `text` when one check speaks; distinct texts only. */
function perCheck(targets: readonly NotifyTarget[], pick: (t: NotifyTarget) => string): string {
  const distinct = [...new Set(targets.map(pick))];
  if (distinct.length === 1) return distinct[0]!;
  return targets.map((t) => `${t.checkName}: ${pick(t)}`).join('; ');
}

/** Label/value facts shared by every chat format, in the order on-call reads them. */
export function facts(event: AlarmEvent): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  if (event.test) {
    out.push({
      label: 'TEST',
      value: `Sent by probe-fleet page --test at ${event.test.sentAt || event.changedAt} (test ${event.test.id}) to prove the on-call path. No service is down: acknowledge it, then resolve it (probe-fleet page --test --resolve).`,
    });
  }
  const t = event.target;
  // The checks a firing service alarm is about: those whose alarms fired it, when known.
  const firing = t ? [] : event.firingTargets;
  const cert = event.certificate;
  if (cert) {
    out.push({ label: 'Endpoint', value: cert.endpoint });
    if (cert.thresholdDays !== null) out.push({ label: 'Threshold', value: `fewer than ${cert.thresholdDays} days left` });
    out.push({
      label: cert.dependents.length === 1 ? 'Dependent check' : 'Dependent checks',
      value: cert.dependents.length > 0 ? cert.dependents.map((d) => `${d.checkName} (${d.target})`).join(', ') : 'not known to this notification bundle (redeploy to list them)',
    });
    const services = [...new Set(cert.dependents.map((d) => d.service))];
    if (services.length > 0) out.push({ label: services.length === 1 ? 'Service' : 'Services', value: services.join(', ') });
  }
  if (t) {
    out.push({ label: 'Check', value: `${t.checkName} (${t.checkId})` });
    out.push({ label: 'Service', value: t.service });
    out.push({ label: 'Environment', value: t.environment });
  } else if (event.service && !cert) {
    out.push({ label: 'Service', value: event.service });
    if (firing.length > 0) {
      out.push({ label: firing.length === 1 ? 'Failing check' : 'Failing checks', value: firing.map((f) => `${f.checkName} (${f.target})`).join(', ') });
      const others = event.serviceTargets.filter((s) => !firing.includes(s));
      if (others.length > 0) out.push({ label: 'Other checks', value: others.map((s) => s.checkName).join(', ') });
    } else if (event.serviceTargets.length > 0) {
      out.push({ label: 'Checks', value: event.serviceTargets.map((s) => s.checkName).join(', ') });
    }
  }
  if (event.status !== 'resolved' && event.failures.length > 0) {
    // The check's own words first: what broke, before any alarm arithmetic.
    out.push({
      label: event.failures.length === 1 ? 'Failure' : 'Failures',
      value: event.failures.length === 1 && t ? event.failures[0]!.message : event.failures.map((f) => `${f.checkName}: ${f.message}`).join('; '),
    });
  }
  if (event.regions.length > 0) out.push({ label: 'Regions', value: event.regions.join(', ') });
  if (event.status === 'resolved') {
    out.push({ label: 'Down for', value: event.downForMs !== null ? formatDuration(event.downForMs) : 'unknown (the alarm message did not say when it began)' });
    if (event.downSince) out.push({ label: 'Down since', value: event.downSince });
    out.push({ label: 'Recovered at', value: event.changedAt });
  } else if (event.failingSince !== null) {
    out.push({ label: 'Failing since', value: event.failingSince });
    out.push({ label: 'Alarm since', value: event.changedAt });
  } else {
    out.push({ label: 'Since', value: event.changedAt });
  }
  out.push({ label: 'Severity', value: event.severity });
  if (t) {
    out.push({ label: 'Expected', value: t.expect });
    out.push({ label: 'Owner', value: t.owner });
  } else if (firing.length > 0) {
    out.push({ label: 'Expected', value: perCheck(firing, (f) => f.expect) });
    out.push({ label: 'Owner', value: [...new Set(firing.map((f) => f.owner))].join(', ') });
  } else if (event.serviceTargets.length > 0) {
    out.push({ label: 'Owner', value: [...new Set(event.serviceTargets.map((s) => s.owner))].join(', ') });
  } else if (cert && cert.dependents.length > 0) {
    out.push({ label: 'Owner', value: [...new Set(cert.dependents.map((d) => d.owner))].join(', ') });
  }
  if (event.reason) out.push({ label: 'Reason', value: event.reason });
  if (t) out.push({ label: 'Rollback', value: t.rollbackNote });
  else if (firing.length > 0) out.push({ label: 'Rollback', value: perCheck(firing, (f) => f.rollbackNote) });
  return out;
}

/** Runbook links for the event: the check's, or those of the checks that fired a service alarm, else every check's of the service. */
export function runbooks(event: AlarmEvent): { label: string; url: string }[] {
  if (event.target) return [{ label: 'Runbook', url: event.target.runbook }];
  const seen = new Set<string>();
  const out: { label: string; url: string }[] = [];
  const from = event.certificate ? event.certificate.dependents : event.firingTargets.length > 0 ? event.firingTargets : event.serviceTargets;
  for (const t of from) {
    if (seen.has(t.runbook)) continue;
    seen.add(t.runbook);
    out.push({ label: `Runbook: ${t.checkName}`, url: t.runbook });
  }
  return out;
}
