import { describe, it, expect } from 'vitest';
import { buildMetricDatums, aggregate, MAX_VALUES_PER_DATUM } from '../../lib/publish/cloudwatch/metricDatums.js';
import type { InvocationMetrics } from '../../lib/publish/cloudwatch/metricDatums.js';
import { result } from './results.js';

const T = new Date('2026-11-22T00:05:00.000Z');
const base: Omit<InvocationMetrics, 'results'> = {
  fleet: 'shop',
  region: 'eu-west-1',
  environmentCount: () => 1,
  detailedTimings: () => false,
  timestamp: T,
};
const target = (check: string) => [
  { Name: 'Fleet', Value: 'shop' },
  { Name: 'Check', Value: check },
  { Name: 'Region', Value: 'eu-west-1' },
];
const endpoint = (value: string) => [
  { Name: 'Fleet', Value: 'shop' },
  { Name: 'Endpoint', Value: value },
];
const fleetDims = [
  { Name: 'Fleet', Value: 'shop' },
  { Name: 'Region', Value: 'eu-west-1' },
];
const d = (MetricName: string, Dimensions: { Name: string; Value: string }[], Unit: string, Values: number[], Counts = Values.map(() => 1)) => ({
  MetricName,
  Dimensions,
  Unit,
  Values,
  Counts,
  Timestamp: T,
});

describe('buildMetricDatums', () => {
  const scenarios: { name: string; input: Partial<InvocationMetrics>; expected: ReturnType<typeof d>[] }[] = [
    {
      name: 'a passing check: Success, Duration, Degraded and the invocation counters',
      input: { results: [result()] },
      expected: [
        d('Success', target('health'), 'Count', [1]),
        d('Duration', target('health'), 'Milliseconds', [120]),
        d('Degraded', target('health'), 'Count', [0]),
        d('ChecksRun', fleetDims, 'Count', [1]),
        d('ChecksSkipped', fleetDims, 'Count', [0]),
      ],
    },
    {
      name: 'a failing https check with a certificate on the first run of the day: CertificateDaysRemaining per endpoint, no Region',
      input: {
        results: [result({ ok: false, degraded: false, durationMs: 5000, certDaysRemaining: 40 })],
        certificateEndpoints: () => ['api.example.com:443'],
        certificates: { everyEndpoint: true, warningDays: 21 },
      },
      expected: [
        d('Success', target('health'), 'Count', [0]),
        d('Duration', target('health'), 'Milliseconds', [5000]),
        d('Degraded', target('health'), 'Count', [0]),
        d('CertificateDaysRemaining', endpoint('api.example.com:443'), 'None', [40]),
        d('ChecksRun', fleetDims, 'Count', [1]),
        d('ChecksSkipped', fleetDims, 'Count', [0]),
      ],
    },
    {
      name: 'later runs of the day publish only endpoints at or below the warning threshold, one datum per endpoint with the fewest days seen',
      input: {
        results: [
          result({ checkId: 'a', certDaysRemaining: 40 }),
          result({ checkId: 'b', certDaysRemaining: 21 }),
          result({ checkId: 'c', certDaysRemaining: 6.7 }),
          // A flow reaching two hosts reports one value: both of its endpoints get it.
          result({ checkId: 'flow', certDaysRemaining: 30 }),
        ],
        certificateEndpoints: (id) => ({ a: ['fresh.example.com:443'], b: ['shared.example.com:443'], c: ['shared.example.com:443', 'login.example.com:8443'], flow: ['fresh.example.com:443', 'shared.example.com:443'] })[id] ?? [],
        certificates: { everyEndpoint: false, warningDays: 21 },
      },
      expected: [
        ...['a', 'b', 'c', 'flow'].flatMap((id) => [d('Success', target(id), 'Count', [1]), d('Duration', target(id), 'Milliseconds', [120]), d('Degraded', target(id), 'Count', [0])]),
        d('CertificateDaysRemaining', endpoint('shared.example.com:443'), 'None', [6]),
        d('CertificateDaysRemaining', endpoint('login.example.com:8443'), 'None', [6]),
        d('ChecksRun', fleetDims, 'Count', [4]),
        d('ChecksSkipped', fleetDims, 'Count', [0]),
      ],
    },
    {
      name: 'a failed secret lookup publishes no Success, Duration or Degraded and counts in SecretLookupFailures; a cut lookup stays a skip',
      input: {
        results: [
          result({ checkId: 'ok' }),
          result({ checkId: 'no-secret', ok: false, failure: { kind: 'secret_unavailable', message: "secret 'api-token': expected …, received ThrottlingException", retryable: true } }),
          result({ checkId: 'no-secret-2', ok: false, failure: { kind: 'secret_unavailable', message: "secret 'db': expected …, received AccessDeniedException", retryable: false } }),
          result({ checkId: 'cut', ok: false, failure: { kind: 'deadline', message: "secret 'x': the run's deadline passed", retryable: false } }),
          result({ checkId: 'broken', ok: false, failure: { kind: 'internal', message: 'not HTTP/1.1', retryable: false } }),
        ],
      },
      expected: [
        d('Success', target('ok'), 'Count', [1]),
        d('Duration', target('ok'), 'Milliseconds', [120]),
        d('Degraded', target('ok'), 'Count', [0]),
        d('Success', target('broken'), 'Count', [0]),
        d('Duration', target('broken'), 'Milliseconds', [120]),
        d('Degraded', target('broken'), 'Count', [0]),
        d('ChecksRun', fleetDims, 'Count', [2]),
        d('ChecksSkipped', fleetDims, 'Count', [1]),
        d('SecretLookupFailures', fleetDims, 'Count', [2]),
      ],
    },
    {
      name: 'detailed timings only for the check that opts in',
      input: {
        results: [result({ checkId: 'a' }), result({ checkId: 'b', degraded: true })],
        detailedTimings: (id) => id === 'b',
      },
      expected: [
        d('Success', target('a'), 'Count', [1]),
        d('Duration', target('a'), 'Milliseconds', [120]),
        d('Degraded', target('a'), 'Count', [0]),
        d('Success', target('b'), 'Count', [1]),
        d('Duration', target('b'), 'Milliseconds', [120]),
        d('Degraded', target('b'), 'Count', [1]),
        d('DnsMs', target('b'), 'Milliseconds', [1]),
        d('ConnectMs', target('b'), 'Milliseconds', [2]),
        d('TlsMs', target('b'), 'Milliseconds', [30]),
        d('TtfbMs', target('b'), 'Milliseconds', [80]),
        d('TransferMs', target('b'), 'Milliseconds', [7]),
        d('ChecksRun', fleetDims, 'Count', [2]),
        d('ChecksSkipped', fleetDims, 'Count', [0]),
      ],
    },
    {
      name: 'several environments name the target <check>.<environment>; skipped results publish only the counter',
      input: {
        results: [result({ environment: 'eu' }), result({ environment: 'us', skipped: true, ok: false })],
        environmentCount: () => 2,
      },
      expected: [
        d('Success', target('health.eu'), 'Count', [1]),
        d('Duration', target('health.eu'), 'Milliseconds', [120]),
        d('Degraded', target('health.eu'), 'Count', [0]),
        d('ChecksRun', fleetDims, 'Count', [1]),
        d('ChecksSkipped', fleetDims, 'Count', [1]),
      ],
    },
    {
      name: "a check cut by the invocation's deadline is counted as skipped, while one that hit its own timeout is a failure",
      input: {
        results: [
          result({ checkId: 'cut', ok: false, durationMs: 900, failure: { kind: 'deadline', message: "the run's deadline passed", retryable: false } }),
          result({ checkId: 'slow', ok: false, durationMs: 5000, failure: { kind: 'timeout', message: 'no answer within the 5000 ms timeout', retryable: true } }),
        ],
      },
      expected: [
        d('Success', target('slow'), 'Count', [0]),
        d('Duration', target('slow'), 'Milliseconds', [5000]),
        d('Degraded', target('slow'), 'Count', [0]),
        d('ChecksRun', fleetDims, 'Count', [1]),
        d('ChecksSkipped', fleetDims, 'Count', [1]),
      ],
    },
    {
      name: 'an empty shard still sends the heartbeat',
      input: { results: [] },
      expected: [d('ChecksRun', fleetDims, 'Count', [0]), d('ChecksSkipped', fleetDims, 'Count', [0])],
    },
  ];
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      expect(buildMetricDatums({ ...base, results: [], ...scenario.input })).toEqual(scenario.expected);
    });
  }
});

describe('aggregate', () => {
  it('counts equal values once and splits past 150 distinct values', () => {
    const dims = [{ Name: 'Fleet', Value: 'f' }];
    const samples = [
      ...Array.from({ length: 200 }, (_, i) => ({ name: 'Duration' as const, dimensions: dims, value: i })),
      { name: 'Duration' as const, dimensions: dims, value: 3 },
      { name: 'Duration' as const, dimensions: dims, value: 3 },
    ];
    const datums = aggregate(samples, T);
    expect(datums).toHaveLength(2);
    expect(datums[0]!.Values).toHaveLength(MAX_VALUES_PER_DATUM);
    expect(datums[1]!.Values).toHaveLength(50);
    expect(datums[0]!.Counts[3]).toBe(3);
    expect(datums.flatMap((x) => x.Counts).reduce((a, b) => a + b, 0)).toBe(202);
  });
});
