import { describe, expect, it } from 'vitest';
import type { AlarmRule, AlarmStateValue, DatapointValue } from '../../lib/alerting/evaluate.js';
import { AlarmTracker, ServiceAlarmTracker, alarmRoute, availabilityDatapoint, evaluateDatapoints, percentile, serviceTrackersFor, trackersFor } from '../../lib/alerting/evaluate.js';
import { alarmPolicyFor, environmentPages } from '../../lib/alerting/policy.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';
import type { CheckResult } from '../../lib/model/result.js';

const B: DatapointValue = 'breaching';
const O: DatapointValue = 'ok';
const M: DatapointValue = 'missing';

function rule(evaluationPeriods: number, datapointsToAlarm: number, treatMissingData: AlarmRule['treatMissingData']): AlarmRule {
  return { periodMs: 60_000, evaluationPeriods, datapointsToAlarm, treatMissingData };
}

describe('evaluateDatapoints: M of N with CloudWatch missing-data semantics', () => {
  const cases: { name: string; rule: AlarmRule; window: DatapointValue[]; current: AlarmStateValue; expected: AlarmStateValue }[] = [
    { name: '2 of 3: two breaching', rule: rule(3, 2, 'breaching'), window: [O, B, B], current: 'OK', expected: 'ALARM' },
    { name: '2 of 3: one breaching', rule: rule(3, 2, 'breaching'), window: [O, O, B], current: 'OK', expected: 'OK' },
    { name: '2 of 3: breaching need not be consecutive', rule: rule(3, 2, 'breaching'), window: [B, O, B], current: 'OK', expected: 'ALARM' },
    { name: '2 of 3: recovers when the window no longer holds 2', rule: rule(3, 2, 'breaching'), window: [B, O, O], current: 'ALARM', expected: 'OK' },
    { name: 'enough real datapoints: missing not filled', rule: rule(3, 2, 'breaching'), window: [B, M, O], current: 'OK', expected: 'OK' },
    // Windows are CloudWatch's evaluation range: evaluationPeriods + 2 datapoints.
    { name: 'too few real datapoints: only the shortfall is filled, as breaching', rule: rule(3, 2, 'breaching'), window: [M, M, M, M, O], current: 'OK', expected: 'ALARM' },
    { name: 'enough real datapoints in the range: gaps are not filled', rule: rule(3, 2, 'breaching'), window: [O, M, O, M, O], current: 'OK', expected: 'OK' },
    { name: 'the most recent evaluationPeriods real datapoints decide', rule: rule(3, 2, 'missing'), window: [O, B, M, B, O], current: 'OK', expected: 'ALARM' },
    { name: 'all missing, breaching', rule: rule(3, 2, 'breaching'), window: [M, M, M, M, M], current: 'OK', expected: 'ALARM' },
    { name: 'all missing, notBreaching', rule: rule(2, 2, 'notBreaching'), window: [M, M, M, M], current: 'ALARM', expected: 'OK' },
    { name: 'all missing, ignore keeps the state', rule: rule(1, 1, 'ignore'), window: [M, M, M], current: 'ALARM', expected: 'ALARM' },
    { name: 'all missing, missing', rule: rule(3, 2, 'missing'), window: [M, M, M, M, M], current: 'OK', expected: 'INSUFFICIENT_DATA' },
    { name: 'one ok among missing, missing', rule: rule(3, 2, 'missing'), window: [M, M, M, M, O], current: 'INSUFFICIENT_DATA', expected: 'OK' },
    { name: 'a short window after start cannot alarm yet', rule: rule(3, 2, 'breaching'), window: [M], current: 'INSUFFICIENT_DATA', expected: 'INSUFFICIENT_DATA' },
    { name: 'a short window that already decides', rule: rule(3, 2, 'breaching'), window: [B, B], current: 'INSUFFICIENT_DATA', expected: 'ALARM' },
    { name: 'a short window of passes decides OK once failures can no longer reach M', rule: rule(3, 2, 'breaching'), window: [O, O], current: 'INSUFFICIENT_DATA', expected: 'OK' },
    { name: 'only the last N datapoints count', rule: rule(3, 2, 'breaching'), window: [B, B, O, O, O], current: 'ALARM', expected: 'OK' },
  ];
  it.each(cases)('$name', (c) => {
    expect(evaluateDatapoints(c.window, c.rule, c.current)).toBe(c.expected);
  });
});

function result(over: Partial<CheckResult> & { startedAt: string }): CheckResult {
  return {
    checkId: 'health',
    environment: 'prod',
    location: 'local',
    runId: 'r',
    ok: true,
    degraded: false,
    durationMs: 20,
    phases: { dnsMs: 0, connectMs: 1, tlsMs: 0, ttfbMs: 18, transferMs: 1 },
    status: 200,
    bytes: 10,
    certDaysRemaining: null,
    assertions: [],
    failure: null,
    attempts: 1,
    flaky: false,
    ...over,
  };
}

describe('availability datapoint: quorum among the locations that reported', () => {
  const at = '2026-11-22T00:00:05.000Z';
  const fail = { ok: false, failure: { kind: 'connect_refused' as const, message: 'refused', retryable: true } };
  const two = ['eu-west-1', 'us-east-1'];
  const three = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];
  const cases: [string, string[], Partial<CheckResult>[], number, DatapointValue][] = [
    ['all passed', two, [{ location: 'eu-west-1' }, { location: 'us-east-1' }], 2, 'ok'],
    ['one of two failed, quorum 2', two, [{ location: 'eu-west-1', ...fail }, { location: 'us-east-1' }], 2, 'ok'],
    ['both failed, quorum 2', two, [{ location: 'eu-west-1', ...fail }, { location: 'us-east-1', ...fail }], 2, 'breaching'],
    ['one failed, one silent: silence counts neither way', two, [{ location: 'eu-west-1', ...fail }], 2, 'ok'],
    ['two of three failed, one silent, quorum 3: every reporting region failed', three, [{ location: 'eu-west-1', ...fail }, { location: 'us-east-1', ...fail }], 3, 'breaching'],
    ['two of three failed, one passed, quorum 3', three, [{ location: 'eu-west-1', ...fail }, { location: 'us-east-1', ...fail }, { location: 'ap-southeast-1' }], 3, 'ok'],
    ['one failed, two silent, quorum 3: never fewer than 2 failing', three, [{ location: 'eu-west-1', ...fail }], 3, 'ok'],
    ['one location, failed', ['local'], [{ location: 'local', ...fail }], 1, 'breaching'],
    ['degraded is not failed', two, [{ location: 'eu-west-1', degraded: true }, { location: 'us-east-1', degraded: true }], 2, 'ok'],
    ['nothing reported is missing', two, [], 2, 'missing'],
    ['skipped is not a report', two, [{ location: 'eu-west-1', skipped: true }], 2, 'missing'],
  ];
  it.each(cases)('%s', (_name, locations, results, quorum, expected) => {
    expect(availabilityDatapoint(results.map((r) => result({ startedAt: at, ...r })), locations, quorum)).toBe(expected);
  });
});

const check: Check = {
  kind: 'http',
  id: 'health',
  name: 'Health',
  service: 'api',
  owner: 'team-api',
  runbook: 'https://runbooks.example/health',
  rollbackNote: 'roll back',
  expect: '200',
  severity: 'critical',
  url: '/health',
  schedule: '1m',
  maxMs: 500,
};
const fleet: Fleet = { name: 'shop', homeRegion: 'eu-west-1', regions: ['eu-west-1'], environments: { prod: { baseUrl: 'https://shop.example' } }, checks: [check] };

describe('trackers follow the alarm policy the CDK alarms are built from', () => {
  const policy = alarmPolicyFor(fleet, check);
  const start = Date.parse('2026-11-22T00:00:00.000Z');
  const minute = 60_000;

  it('uses the policy values', () => {
    const [availability, latency, certChat, certPager] = trackersFor(fleet, check, 'prod', 1, { locations: ['local'], startMs: start });
    expect(availability!.options.rule).toEqual({
      periodMs: policy.availability.periodSeconds * 1000,
      evaluationPeriods: policy.availability.evaluationPeriods,
      datapointsToAlarm: policy.availability.datapointsToAlarm,
      treatMissingData: policy.availability.treatMissingData,
    });
    expect(availability!.name).toBe('probe-fleet/shop/availability/health');
    expect(latency!.options.rule.treatMissingData).toBe(policy.latency!.treatMissingData);
    // One pair per TLS endpoint, named by it; `prod` pages by default, so the critical one pages.
    expect([certChat!.name, certPager!.name]).toEqual(['probe-fleet/shop/cert-chat/shop.example_443', 'probe-fleet/shop/cert-pager/shop.example_443']);
    expect([availability!.options.route, latency!.options.route, certChat!.options.route, certPager!.options.route]).toEqual(['chat', 'chat', 'chat', 'pager']);
    expect(certChat!.options.rule).toMatchObject({ periodMs: 86_400_000, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'ignore' });
  });

  // One result per minute: P passes, F fails, _ no result (the probe was silent).
  const sequences: { name: string; runs: string; states: string }[] = [
    { name: 'one failure does not alarm', runs: 'PPFPP', states: 'IOOOO' },
    { name: 'two failures in three alarm, recovery after the window clears', runs: 'PFFPPP', states: 'IIAAOO' },
    { name: 'flapping F P F alarms (2 of 3)', runs: 'PFPFP', states: 'IIOAO' },
    // Probe silence is the fleet-health alarms' business: the availability alarm keeps its state
    // (treatMissingData ignore), whichever it was, and never pages before its first datum.
    { name: 'silence after passes keeps OK', runs: 'PP_____', states: 'IOOOOOO' },
    { name: 'silence after failures keeps ALARM (no recovery nobody measured)', runs: 'FF_____', states: 'IAAAAAA' },
    { name: 'a new check before its first datum stays INSUFFICIENT_DATA', runs: '____', states: 'IIII' },
    { name: 'after a start, the state waits until the window can decide', runs: 'PFP', states: 'IIO' },
    { name: 'alarm state transitions only once per change', runs: 'FFFFFPPP', states: 'IAAAAAOO' },
  ];
  it.each(sequences)('$name: $runs → $states', ({ runs, states }) => {
    const [tracker] = trackersFor(fleet, check, 'prod', 1, { locations: ['local'], startMs: start });
    const got: string[] = [];
    let transitions = 0;
    for (let i = 0; i < runs.length; i++) {
      const c = runs[i];
      if (c !== '_') {
        tracker!.observe(result({ startedAt: new Date(start + i * minute + 1000).toISOString(), ok: c === 'P', ...(c === 'F' ? { failure: { kind: 'connect_refused', message: 'connection refused', retryable: true } } : {}) }));
      }
      // Evaluated at the period boundary, as the monitor does.
      if (tracker!.evaluate(start + (i + 1) * minute)) transitions++;
      got.push(tracker!.state === 'ALARM' ? 'A' : tracker!.state === 'OK' ? 'O' : 'I');
    }
    expect(got.join('')).toBe(states);
    let changes = 0;
    for (let i = 0; i < states.length; i++) if (states[i] !== (i === 0 ? 'I' : states[i - 1])) changes++;
    expect(transitions).toBe(changes);
  });

  it('a recovery knows when the alarm began and the reason names the last failure', () => {
    const [tracker] = trackersFor(fleet, check, 'prod', 1, { locations: ['local'], startMs: start });
    const transitions = [];
    for (const [i, ok] of [true, false, false, true, true, true].entries()) {
      tracker!.observe(result({ startedAt: new Date(start + i * minute + 1000).toISOString(), ok, ...(ok ? {} : { failure: { kind: 'assertion', message: 'status: expected 200, got 503', retryable: false } }) }));
      const t = tracker!.evaluate(start + (i + 1) * minute);
      if (t) transitions.push(t);
    }
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['INSUFFICIENT_DATA->ALARM', 'ALARM->OK']);
    expect(transitions[0]!.reason).toContain('status: expected 200, got 503');
    expect(transitions[1]!.alarmSince).toBe(transitions[0]!.at);
  });

  it('latency: p95 above maxMs for 2 of 2 periods', () => {
    const latency = trackersFor(fleet, check, 'prod', 1, { locations: ['local'], startMs: start })[1]!;
    const period = latency.options.rule.periodMs;
    for (let p = 0; p < 2; p++) for (let i = 0; i < 10; i++) latency.observe(result({ startedAt: new Date(start + p * period + i * minute).toISOString(), durationMs: i < 8 ? 100 : 900 }));
    expect(latency.evaluate(start + 2 * period - 1)).toBeNull();
    expect(latency.evaluate(start + 2 * period)?.to).toBe('ALARM');
  });

  it('nearest-rank percentile', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('service alarm: ALARM while any member is in ALARM', () => {
  function member(state: AlarmStateValue): AlarmTracker {
    const t = new AlarmTracker({ name: `m-${state}`, kind: 'availability', target: 'x', checkId: 'x', environment: 'e', rule: rule(3, 2, 'breaching'), route: 'chat', datapoint: () => 'ok', locations: [], startMs: 0, describe: () => '' });
    t.state = state;
    return t;
  }
  const cases: [string, AlarmStateValue[], AlarmStateValue][] = [
    ['all members new', ['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA'], 'INSUFFICIENT_DATA'],
    ['one OK, one new', ['OK', 'INSUFFICIENT_DATA'], 'OK'],
    ['one in ALARM', ['OK', 'ALARM'], 'ALARM'],
  ];
  it.each(cases)('%s', (_name, states, expected) => {
    const service = new ServiceAlarmTracker('probe-fleet/shop/service/api', 'api', states.map(member), true);
    service.evaluate(0);
    expect(service.state).toBe(expected);
  });
  it('names the members in ALARM and knows when it began', () => {
    const members = [member('OK'), member('ALARM')];
    const service = new ServiceAlarmTracker('probe-fleet/shop/service/api', 'api', members, true);
    const fired = service.evaluate(1000)!;
    expect(fired).toMatchObject({ from: 'INSUFFICIENT_DATA', to: 'ALARM', kind: 'service', reason: 'in ALARM: m-ALARM' });
    members[1]!.state = 'OK';
    expect(service.evaluate(5000)).toMatchObject({ from: 'ALARM', to: 'OK', alarmSince: new Date(1000).toISOString() });
    expect(service.evaluate(6000)).toBeNull();
  });
});

describe('paging follows the environment', () => {
  const envs = { production: { baseUrl: 'https://shop.example' }, prod: { baseUrl: 'https://p.example' }, staging: { baseUrl: 'https://staging.example' }, qa: { baseUrl: 'https://qa.example', pages: true }, live: { baseUrl: 'https://live.example', pages: false } };
  const paging: Fleet = { ...fleet, environments: envs, checks: [{ ...check, maxMs: undefined }, { ...check, id: 'cart', severity: 'warning' }] };
  const targets = paging.checks.flatMap((c) => Object.keys(envs).map((environment) => ({ check: c, environment, trackers: trackersFor(paging, c, environment, 5, { locations: ['local'], startMs: 0 }) })));
  const cases: [string, 'pager' | 'chat'][] = [
    ['production', 'pager'],
    ['prod', 'pager'],
    ['staging', 'chat'],
    ['qa', 'pager'],
    ['live', 'chat'],
  ];
  it.each(cases)('critical service alarm in %s → %s; a service without critical checks → chat', (environment, route) => {
    const services = serviceTrackersFor(paging, targets);
    expect(services.find((s) => s.service === `api.${environment}`)?.route).toBe(route);
    expect(alarmRoute('service', true, environmentPages(paging, environment))).toBe(route);
    expect(alarmRoute('service', false, environmentPages(paging, environment))).toBe('chat');
    // The critical certificate alarm of the environment's only endpoint pages only where the environment pages.
    const certPager = targets.find((t) => t.environment === environment)!.trackers.find((t) => t.options.kind === 'cert-pager');
    expect(certPager?.options.route).toBe(route);
  });

  it('one certificate tracker per endpoint, shared by every target that sees it', () => {
    const shared = new Map<string, AlarmTracker>();
    const a = trackersFor(paging, paging.checks[0]!, 'staging', 5, { locations: ['local'], startMs: 0, certificateTrackers: shared });
    const b = trackersFor(paging, paging.checks[1]!, 'staging', 5, { locations: ['local'], startMs: 0, certificateTrackers: shared });
    const certs = (list: AlarmTracker[]) => list.filter((t) => t.options.kind.startsWith('cert'));
    expect(certs(a)).toHaveLength(2);
    expect(certs(a)[0]).toBe(certs(b)[0]);
    expect([...shared.keys()]).toEqual(['probe-fleet/shop/cert-chat/staging.example_443', 'probe-fleet/shop/cert-pager/staging.example_443']);
  });

  it('a certificate datum counts as soon as it arrives; a day without one keeps the state', () => {
    const [, certChat, certPager] = trackersFor(fleet, { ...check, maxMs: undefined }, 'prod', 1, { locations: ['local'], startMs: 0 });
    const day = 86_400_000;
    certChat!.observe(result({ startedAt: new Date(60_000).toISOString(), certDaysRemaining: 20 }));
    certPager!.observe(result({ startedAt: new Date(60_000).toISOString(), certDaysRemaining: 20 }));
    expect(certChat!.evaluate(120_000)?.to).toBe('ALARM');
    expect(certPager!.evaluate(120_000)?.to).toBe('OK');
    // Next day: no datum (the endpoint did not answer): both keep their state.
    expect(certChat!.evaluate(day + 120_000)).toBeNull();
    expect(certChat!.state).toBe('ALARM');
  });
});
