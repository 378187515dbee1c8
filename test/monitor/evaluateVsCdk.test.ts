// The local evaluator against the CDK alarm definitions: the synthesized CloudWatch alarms
// and the monitor's trackers must agree on every setting, and the same sequence of results
// must move both through the same states.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { AlarmRule, AlarmStateValue, DatapointValue } from '../../lib/alerting/evaluate.js';
import { evaluateDatapoints, evaluationRange, serviceTrackersFor, trackersFor } from '../../lib/alerting/evaluate.js';
import { ProbeFleet } from '../../lib/infra/index.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';
import type { CheckResult } from '../../lib/model/result.js';
import { evaluateExpression, type Series } from '../infra/replay/metricMath.js';

function check(id: string, over: Partial<Check>): Check {
  return { kind: 'http', id, name: `Check ${id}`, service: 'shop', owner: 'team-shop', runbook: `https://runbooks.example/${id}`, rollbackNote: 'Roll back.', expect: '200', severity: 'critical', url: '/health', ...over } as Check;
}

const fleet: Fleet = {
  name: 'shop',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1', 'us-east-1', 'ap-southeast-1'],
  environments: { production: { baseUrl: 'https://shop.example.com' } },
  checks: [
    check('checkout', { schedule: '1m', maxMs: 1500 }),
    check('cart', { schedule: '5m', severity: 'warning', alarm: { evaluationPeriods: 5, datapointsToAlarm: 3, quorum: 3 } }),
    check('search', { schedule: '2m', regions: ['eu-west-1'] }),
  ],
  alerting: { policy: { evaluationPeriods: 4, datapointsToAlarm: 2 } },
};

interface CfnAlarm {
  AlarmName: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  TreatMissingData: string;
  Threshold: number;
  ComparisonOperator: string;
  Period?: number;
  Metrics?: { Id: string; Expression?: string; Period?: number; MetricStat?: { Period: number; Stat: string; Metric: { MetricName: string; Dimensions?: { Name: string; Value: string }[] } } }[];
}

function synthesizedAlarms(): Map<string, CfnAlarm> {
  const app = new App({ builtinCloudFormationValidation: false });
  const probeFleet = new ProbeFleet(app, 'Fleet', { fleet, bundling: 'skip' });
  const alarms = new Map<string, CfnAlarm>();
  for (const stack of probeFleet.stacks) {
    const template = Template.fromStack(stack);
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
      const resources = template.findResources(type) as Record<string, { Properties: CfnAlarm }>;
      for (const { Properties } of Object.values(resources)) alarms.set(Properties.AlarmName, Properties);
    }
  }
  return alarms;
}

function periodOf(alarm: CfnAlarm): number {
  if (alarm.Period !== undefined) return alarm.Period;
  const expression = alarm.Metrics?.find((m) => m.Expression !== undefined);
  return expression?.Period ?? alarm.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period ?? NaN;
}

const alarms = synthesizedAlarms();

describe('trackers match the synthesized alarms', () => {
  const cases = fleet.checks.flatMap((c) => trackersFor(fleet, c, 'production', 1, { locations: fleet.regions, startMs: 0 }).map((t) => [t.name, t] as const));
  it.each(cases)('%s', (name, tracker) => {
    const alarm = alarms.get(name);
    expect(alarm, `alarm ${name} in the synthesized templates`).toBeDefined();
    expect({
      EvaluationPeriods: alarm!.EvaluationPeriods,
      DatapointsToAlarm: alarm!.DatapointsToAlarm,
      TreatMissingData: alarm!.TreatMissingData,
      PeriodMs: periodOf(alarm!) * 1000,
    }).toEqual({
      EvaluationPeriods: tracker.options.rule.evaluationPeriods,
      DatapointsToAlarm: tracker.options.rule.datapointsToAlarm,
      TreatMissingData: tracker.options.rule.treatMissingData,
      PeriodMs: tracker.options.rule.periodMs,
    });
  });
});

function topicOf(actions: unknown[] | undefined): string {
  const text = JSON.stringify(actions ?? []);
  return text.includes('-pager') || text.includes('PagerTopic') ? 'pager' : text.includes('-chat') || text.includes('ChatTopic') ? 'chat' : text;
}

describe('local notifications take the route the synthesized alarm actions take', () => {
  const targets = fleet.checks.map((c) => ({ check: c, environment: 'production', trackers: trackersFor(fleet, c, 'production', 1, { locations: fleet.regions, startMs: 0 }) }));
  const cases = [
    ...targets.flatMap((t) => t.trackers.map((x) => [x.name, x.options.route] as const)),
    ...serviceTrackersFor(fleet, targets).map((s) => [s.name, s.route] as const),
  ];
  it.each(cases)('%s → %s, OK → chat (and the pager topic after a page)', (name, route) => {
    const alarm = alarms.get(name);
    expect(alarm, `alarm ${name} in the synthesized templates`).toBeDefined();
    expect(topicOf(alarm!.AlarmActions)).toBe(route);
    // The monitor notifies OK on chat only, as the notify function does: it skips OK on the
    // pager topic, which carries it for the pager's own subscribers (HTTPS integrations).
    expect((alarm!.OKActions ?? []).map((a) => topicOf([a]))).toEqual(route === 'pager' ? ['chat', 'pager'] : ['chat']);
  });
});

/**
 * CloudWatch's side, read from the template alone (the datapoints are evaluated with the same
 * `evaluateDatapoints` as the local side, so this checks the wiring, not the evaluator; the
 * table in 'AWS's documented treat-missing-data examples' below checks the evaluator): the
 * availability alarm's expression, evaluated by an independent metric math evaluator over the
 * Minimum of Success per region (1 passed, 0 failed, no value when the region was silent),
 * compared with the alarm's Threshold by its ComparisonOperator.
 */
function cloudWatchStates(alarm: CfnAlarm, regions: string[], periods: (Record<string, boolean> | null)[]): AlarmStateValue[] {
  expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  const rule: AlarmRule = { periodMs: periodOf(alarm) * 1000, evaluationPeriods: alarm.EvaluationPeriods, datapointsToAlarm: alarm.DatapointsToAlarm, treatMissingData: alarm.TreatMissingData as AlarmRule['treatMissingData'] };
  const expression = alarm.Metrics!.find((m) => m.Expression !== undefined)!.Expression!;
  const regionOf = new Map(alarm.Metrics!.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat!.Metric.Dimensions!.find((d) => d.Name === 'Region')!.Value]));
  const values: DatapointValue[] = [];
  const states: AlarmStateValue[] = [];
  let state: AlarmStateValue = 'INSUFFICIENT_DATA';
  for (const period of periods) {
    const lookup = (id: string) => {
      const passed = period?.[regionOf.get(id) ?? ''];
      const series: Series = new Map(passed === undefined ? [] : [[0, passed ? 1 : 0]]);
      return { kind: 'series' as const, series };
    };
    const result = evaluateExpression(expression, { grid: [0], lookup });
    const value = result.kind === 'series' ? result.series.get(0) : undefined;
    values.push(value === undefined ? 'missing' : value >= alarm.Threshold ? 'breaching' : 'ok');
    // An alarm that has existed long enough sees a full window; compare from then on.
    if (values.length >= rule.evaluationPeriods) state = evaluateDatapoints(values.slice(-evaluationRange(rule)), rule, state);
    states.push(state);
  }
  return states;
}

function result(checkId: string, location: string, startedAt: number, ok: boolean): CheckResult {
  return { checkId, environment: 'production', location, runId: 'r', startedAt: new Date(startedAt).toISOString(), ok, degraded: false, durationMs: 30, phases: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 30, transferMs: 0 }, status: ok ? 200 : 503, bytes: 0, certDaysRemaining: null, assertions: [], failure: ok ? null : { kind: 'assertion', message: 'status: expected 200, got 503', retryable: false }, attempts: 1, flaky: false };
}

// Per period, which regions passed (true), failed (false) or were silent (absent); null: nobody reported.
const E = 'eu-west-1';
const U = 'us-east-1';
const A = 'ap-southeast-1';
const ok3 = { [E]: true, [U]: true, [A]: true };
const EUfail = { [E]: false, [U]: false, [A]: true };
const EUfailAsilent = { [E]: false, [U]: false };
const sequences: { name: string; checkId: string; periods: (Record<string, boolean> | null)[]; alarms: boolean }[] = [
  { name: 'checkout: one region failing never reaches the quorum of 2', checkId: 'checkout', periods: [ok3, ok3, ok3, ok3, { [E]: false, [U]: true, [A]: true }, { [E]: false, [U]: true, [A]: true }, { [E]: false, [U]: true, [A]: true }, ok3], alarms: false },
  { name: 'checkout: two regions failing twice in four alarms, then recovers', checkId: 'checkout', periods: [ok3, ok3, ok3, ok3, EUfail, ok3, EUfail, ok3, ok3, ok3, ok3], alarms: true },
  { name: 'checkout: a silent region counts neither way (one failing, one silent)', checkId: 'checkout', periods: [ok3, ok3, ok3, ok3, { [E]: false, [A]: true }, { [E]: false, [A]: true }, ok3, ok3, ok3], alarms: false },
  { name: 'checkout: nobody reports (probes down) keeps the state', checkId: 'checkout', periods: [ok3, ok3, ok3, ok3, null, null, null, null, ok3, ok3, ok3], alarms: false },
  { name: 'checkout: two silent periods among real ones do not alarm', checkId: 'checkout', periods: [ok3, ok3, ok3, ok3, null, null, ok3, ok3, ok3], alarms: false },
  { name: 'cart: quorum 3, two failing with the third passing never alarms', checkId: 'cart', periods: [ok3, ok3, ok3, ok3, ok3, EUfail, EUfail, EUfail, EUfail, ok3, ok3], alarms: false },
  { name: 'cart: quorum 3, two failing with the third silent alarms (3 of 5)', checkId: 'cart', periods: [ok3, ok3, ok3, ok3, ok3, EUfailAsilent, ok3, EUfailAsilent, EUfailAsilent, ok3, ok3, ok3, ok3, ok3], alarms: true },
];

describe('the same results give the same alarm states locally and in CloudWatch', () => {
  it.each(sequences)('$name', ({ checkId, periods, alarms: expectAlarm }) => {
    const c = fleet.checks.find((x) => x.id === checkId)!;
    const regions = c.regions ?? fleet.regions;
    const base = Date.parse('2026-11-22T00:00:00Z');
    const [tracker] = trackersFor(fleet, c, 'production', 1, { locations: regions, startMs: base });
    const alarm = alarms.get(tracker!.name)!;
    const periodMs = tracker!.options.rule.periodMs;
    const local: AlarmStateValue[] = [];
    periods.forEach((period, i) => {
      for (const region of regions) {
        const passed = period?.[region];
        if (passed !== undefined) tracker!.observe(result(checkId, region, base + i * periodMs + 5000, passed));
      }
      // A period with a silent region is final locally once the next period has passed too.
      tracker!.evaluate(base + (i + 2) * periodMs);
      local.push(tracker!.state);
    });
    const cloud = cloudWatchStates(alarm, regions, periods);
    // Once both have seen a whole evaluation range, they must agree.
    const from = evaluationRange(tracker!.options.rule) - 1;
    expect(local.slice(from)).toEqual(cloud.slice(from));
    expect(local).toContain(expectAlarm ? 'ALARM' : 'OK');
    if (!expectAlarm) expect(local).not.toContain('ALARM');
  });
});

describe('service alarms per environment, as the CDK composites', () => {
  it('a service whose checks run in two environments gets one service alarm per environment, same names and routes as synthesized', () => {
    const twoEnv: Fleet = {
      ...fleet,
      environments: { production: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'https://staging.shop.example.com' } },
      checks: [check('checkout', { schedule: '1m' }), check('search', { service: 'search', severity: 'warning', environments: ['production'] })],
    };
    const app = new App({ builtinCloudFormationValidation: false });
    const probeFleet = new ProbeFleet(app, 'Fleet', { fleet: twoEnv, bundling: 'skip' });
    const synthesized = new Map<string, CfnAlarm>();
    for (const stack of probeFleet.stacks) {
      for (const { Properties } of Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::CompositeAlarm') as Record<string, { Properties: CfnAlarm }>)) synthesized.set(Properties.AlarmName, Properties);
    }
    const targets = twoEnv.checks.flatMap((c) => (c.environments ?? ['production', 'staging']).map((environment) => ({ check: c, environment, trackers: trackersFor(twoEnv, c, environment, (c.environments ?? ['production', 'staging']).length, { locations: twoEnv.regions, startMs: 0 }) })));
    const local = serviceTrackersFor(twoEnv, targets);
    expect(local.map((s) => s.name).sort()).toEqual([...synthesized.keys()].filter((n) => !n.includes('~')).sort());
    expect(local.map((s) => s.name).sort()).toEqual(['probe-fleet/shop/service/search', 'probe-fleet/shop/service/shop.production', 'probe-fleet/shop/service/shop.staging']);
    for (const s of local) expect(topicOf(synthesized.get(s.name)!.AlarmActions)).toBe(s.route);
    // Staging does not page: its composite, like the local one, posts to chat.
    expect(local.find((s) => s.name === 'probe-fleet/shop/service/shop.staging')?.route).toBe('chat');
    expect(local.find((s) => s.name === 'probe-fleet/shop/service/shop.production')?.route).toBe('pager');
  });
});

/**
 * The examples in the CloudWatch User Guide ("Configuring how CloudWatch alarms treat missing
 * data" → "How alarm state is evaluated when data is missing"), written down as fixed
 * expectations, independent of any code here. CloudWatch retrieves the 5 most recent
 * datapoints (oldest first; 0 not breaching, X breaching, - missing) for a 3-period alarm.
 */
type Treat = AlarmRule['treatMissingData'];
type Expected = AlarmStateValue | 'retain';
const AWS_EXAMPLES: { m: number; n: number; points: string; expect: Record<Treat, Expected> }[] = [
  // Datapoints to Alarm 3, Evaluation Periods 3.
  { m: 3, n: 3, points: '0 - X - X', expect: { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' } },
  { m: 3, n: 3, points: '0 - - - -', expect: { missing: 'OK', ignore: 'OK', breaching: 'OK', notBreaching: 'OK' } },
  { m: 3, n: 3, points: '- - - - -', expect: { missing: 'INSUFFICIENT_DATA', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' } },
  { m: 3, n: 3, points: '0 X X - X', expect: { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' } },
  { m: 3, n: 3, points: '- - - - X', expect: { missing: 'INSUFFICIENT_DATA', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' } },
  // The documentation's "premature alarm state" row: the breach is 3 periods old, nothing after it is OK.
  { m: 3, n: 3, points: '- - X - -', expect: { missing: 'ALARM', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' } },
  // Datapoints to Alarm 2, Evaluation Periods 3 (M out of N).
  { m: 2, n: 3, points: '0 - X - X', expect: { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' } },
  { m: 2, n: 3, points: '0 0 X 0 X', expect: { missing: 'ALARM', ignore: 'ALARM', breaching: 'ALARM', notBreaching: 'ALARM' } },
  { m: 2, n: 3, points: '0 - X - -', expect: { missing: 'OK', ignore: 'OK', breaching: 'ALARM', notBreaching: 'OK' } },
  { m: 2, n: 3, points: '- - - - 0', expect: { missing: 'OK', ignore: 'OK', breaching: 'ALARM', notBreaching: 'OK' } },
  { m: 2, n: 3, points: '- - - - X', expect: { missing: 'INSUFFICIENT_DATA', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' } },
  { m: 2, n: 3, points: '- - - X -', expect: { missing: 'ALARM', ignore: 'retain', breaching: 'ALARM', notBreaching: 'OK' } },
];

describe("AWS's documented treat-missing-data examples", () => {
  const symbol: Record<string, DatapointValue> = { '0': 'ok', X: 'breaching', '-': 'missing' };
  const cases = AWS_EXAMPLES.flatMap((row) =>
    (Object.keys(row.expect) as Treat[]).flatMap((treat) =>
      (['OK', 'ALARM'] as const).map((current) => {
        const expected = row.expect[treat];
        return { name: `${row.m}/${row.n} ${row.points} ${treat} from ${current}`, row, treat, current, want: expected === 'retain' ? current : expected };
      }),
    ),
  );
  const rule = (row: (typeof AWS_EXAMPLES)[number], treat: Treat): AlarmRule => ({ periodMs: 60_000, evaluationPeriods: row.n, datapointsToAlarm: row.m, treatMissingData: treat });
  const values = (points: string): DatapointValue[] => points.split(' ').map((c) => symbol[c]!);

  it.each(cases)('$name → $want', ({ row, treat, current, want }) => {
    expect(evaluateDatapoints(values(row.points), rule(row, treat), current)).toBe(want);
  });
});
