import { describe, expect, it } from 'vitest';
import { secret } from '../../lib/model/defineFleet.js';
import type { Fleet } from '../../lib/model/fleet.js';
import type { CostEstimate } from '../../lib/cost/estimate.js';
import { estimateFleetCost } from '../../lib/cost/estimate.js';
import { CUSTOM_METRICS, tieredCost } from '../../lib/cost/prices.js';
import { fleetOf, httpCheck, manyChecks } from './fleets.js';

function line(estimate: CostEstimate, id: string) {
  const found = estimate.lines.find((l) => l.id === id);
  if (!found) throw new Error(`no cost line ${id}; lines: ${estimate.lines.map((l) => l.id).join(', ')}`);
  return found;
}

// Figures worked out by hand (730-hour month = 2,628,000 s; a 1-check shard's function has
// 256 MB (bench:lambda's measured peak RSS); 500 ms per check; 200 ms per invocation; log lines 1,500 B
// per result + 400 B per request + 800 B per invocation). Every fleet also has one composite per
// service ($0.50), the topics' dead-letter alarm ($0.10), the topic key ($1) and one dashboard
// ($3: the overview with its per-check section).
interface Scenario {
  name: string;
  fleet: Fleet;
  quantities: Record<string, number>;
  monthly: Record<string, number>;
  total: number;
  synthetics: { canaries: number; runs: number; usd: number };
}

const scenarios: Scenario[] = [
  {
    name: '1 check, 1 region, every 5 minutes, plain http',
    fleet: fleetOf([httpCheck('health', { schedule: '5m' })]),
    quantities: {
      // 2,628,000 s ÷ 300 s
      'lambda-requests': 8760,
      // 8,760 × 0.7 s × 0.25 GB
      'lambda-compute': 1533,
      'eventbridge-rules': 1,
      // Success, Duration, Degraded + ChecksRun, ChecksSkipped, PublishFailures
      'custom-metrics': 6,
      'put-metric-data': 8760,
      'alarms-availability': 1,
      'alarms-latency': 0,
      'alarms-certificate': 0,
      'alarms-heartbeat': 1,
      'alarms-dead-letter': 1,
      'alarms-composite': 1,
      dashboards: 1,
      // the pager/chat key and the region's operator topic key
      'kms-key': 2,
      // 8,760 × (1,500 + 400 + 800) B
      'log-ingestion': 0.023652,
    },
    monthly: {
      'lambda-requests': 0.001752,
      'lambda-compute': 0.0204401,
      'custom-metrics': 1.8,
      'put-metric-data': 0.0876,
      'alarms-availability': 0.1,
      'alarms-heartbeat': 0.1,
      'alarms-dead-letter': 0.1,
      'alarms-composite': 0.5,
      dashboards: 3,
      'kms-key': 2,
      'log-ingestion': 0.011826,
      // 0.023652 GB × 30 days ÷ 30.4167 days × $0.03
      'log-storage': 0.00069983,
    },
    // + 9 fleet-health alarm metrics ($0.90) + the operator topic key ($1)
    total: 8.6223179,
    synthetics: { canaries: 1, runs: 8760, usd: 10.512 },
  },
  {
    name: '1 https check with maxMs, critical, 3 regions, every minute',
    fleet: fleetOf([httpCheck('login', { schedule: '1m', maxMs: 800, severity: 'critical' })], {
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
      environments: { prod: { baseUrl: 'https://shop.example.com' } },
    }),
    quantities: {
      'lambda-requests': 131_400,
      'lambda-compute': 22_995,
      'eventbridge-rules': 3,
      // 3 × 3 regions + 3 × 3 fleet-health + 1 CertificateDaysRemaining (one endpoint, no Region)
      'custom-metrics': 19,
      'put-metric-data': 131_400,
      'alarms-availability': 3,
      'alarms-latency': 3,
      // one warning and one critical alarm for the one TLS endpoint
      'alarms-certificate': 2,
      'alarms-heartbeat': 3,
      'alarms-composite': 1,
      'log-ingestion': 0.35478,
    },
    monthly: {
      'lambda-requests': 0.02628,
      'lambda-compute': 0.3066015,
      'custom-metrics': 5.7,
      'put-metric-data': 1.314,
      'alarms-availability': 0.3,
      'alarms-latency': 0.3,
      'alarms-certificate': 0.2,
      'alarms-heartbeat': 0.3,
      'alarms-composite': 0.5,
      'log-ingestion': 0.17739,
    },
    // + 27 fleet-health alarm metrics ($2.70) + 3 operator topic keys ($3)
    total: 18.9347691,
    // 43,800 runs a region × 3 regions × $0.0012
    synthetics: { canaries: 3, runs: 131_400, usd: 157.68 },
  },
  {
    name: 'detailedTimings adds 5 phase metrics per target and region',
    fleet: fleetOf([httpCheck('health', { schedule: '5m', detailedTimings: true })]),
    quantities: { 'custom-metrics': 11, 'put-metric-data': 8760 },
    monthly: { 'custom-metrics': 3.3 },
    // + 9 fleet-health alarm metrics ($0.90) + the operator topic key ($1)
    total: 10.1223179,
    synthetics: { canaries: 1, runs: 8760, usd: 10.512 },
  },
  {
    name: 'tiered metrics crossing 10,000: 500 checks with phases in 3 regions',
    fleet: fleetOf(manyChecks(500, { schedule: '5m', detailedTimings: true }), { regions: ['us-east-1', 'eu-west-1', 'eu-central-1'] }),
    // 500 × 8 metrics × 3 regions + 9 = 12,009
    quantities: { 'custom-metrics': 12_009, 'alarms-availability': 1500 },
    // 10,000 × $0.30 + 2,009 × $0.10
    monthly: { 'custom-metrics': 3200.9, 'alarms-availability': 150 },
    total: NaN,
    synthetics: { canaries: 1500, runs: 13_140_000, usd: 15_768 },
  },
];

describe('estimateFleetCost against hand-computed figures', () => {
  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const estimate = estimateFleetCost(scenario.fleet);
      for (const [id, quantity] of Object.entries(scenario.quantities)) {
        expect(line(estimate, id).quantity, `${id} quantity`).toBeCloseTo(quantity, 5);
      }
      for (const [id, usd] of Object.entries(scenario.monthly)) {
        expect(line(estimate, id).monthlyUsd, `${id} monthly`).toBeCloseTo(usd, 6);
      }
      if (!Number.isNaN(scenario.total)) expect(estimate.totalUsd).toBeCloseTo(scenario.total, 6);
      const sumOfLines = estimate.lines.reduce((total, l) => total + l.monthlyUsd, 0);
      expect(estimate.totalUsd).toBeCloseTo(sumOfLines, 9);
      expect(estimate.synthetics.canaries).toBe(scenario.synthetics.canaries);
      expect(estimate.synthetics.runsPerMonth).toBeCloseTo(scenario.synthetics.runs, 6);
      expect(estimate.synthetics.runsUsd).toBeCloseTo(scenario.synthetics.usd, 6);
    });
  }
});

describe('CloudWatch Synthetics comparison', () => {
  it('prices a 1-minute check in one region at 43,800 runs × $0.0012 = $52.56 a month', () => {
    const estimate = estimateFleetCost(fleetOf([httpCheck('health', { schedule: '1m' })]));
    expect(estimate.synthetics.runsPerMonth).toBe(43_800);
    expect(estimate.synthetics.runsUsd).toBeCloseTo(52.56, 9);
    expect(estimate.synthetics.ratio).toBeCloseTo(52.56 / estimate.totalUsd, 9);
    const alarmsAndDashboard = estimate.lines
      .filter((l) => l.group === 'CloudWatch alarms' || l.group === 'CloudWatch dashboards')
      .reduce((total, l) => total + l.monthlyUsd, 0);
    expect(estimate.synthetics.runsWithSameAlarmsUsd).toBeCloseTo(52.56 + alarmsAndDashboard, 9);
    // One target: per check is the whole, beside this fleet's own per-check figure.
    expect(estimate.synthetics.perCheck).toEqual({ runsUsd: estimate.synthetics.runsUsd, runsWithSameAlarmsUsd: estimate.synthetics.runsWithSameAlarmsUsd });
    expect(estimate.synthetics.excluded).toMatch(/Lambda.*S3.*Logs/);
  });

  it('takes 100 free canary runs off with --free-tier', () => {
    const estimate = estimateFleetCost(fleetOf([httpCheck('health', { schedule: '1m' })]), { freeTier: true });
    expect(estimate.synthetics.freeRuns).toBe(100);
    expect(estimate.synthetics.runsUsd).toBeCloseTo((43_800 - 100) * 0.0012, 9);
  });
});

describe('free tier', () => {
  it('is not applied by default and, when asked, leaves only what the free tier does not cover', () => {
    const fleet = fleetOf([httpCheck('health', { schedule: '5m' })]);
    const paid = estimateFleetCost(fleet);
    expect(paid.freeTier).toBe(false);
    expect(paid.lines.every((l) => l.freeQuantity === 0)).toBe(true);

    const free = estimateFleetCost(fleet, { freeTier: true });
    const remaining = free.lines.filter((l) => l.monthlyUsd > 0).map((l) => [l.id, l.monthlyUsd]);
    // The availability alarm is metric math: the free alarm metrics only cover alarms that
    // list a metric directly (the heartbeat here).
    // The fleet-health alarms are priced without the free tier (as lib/cost/estimate.ts counts
    // them today), and the operator topic has its own key.
    expect(remaining).toEqual([
      ['alarms-availability', 0.1],
      ['alarms-fleet-health', 0.9],
      ['alarms-composite', 0.5],
      ['kms-key', 2],
    ]);
    expect(line(free, 'alarms-heartbeat').freeQuantity).toBe(1);
    expect(line(free, 'alarms-dead-letter').freeQuantity).toBe(1);
    // The one dashboard graphs 3 fleet-health and 3 per-check metrics: within the free tier's 3 dashboards of up to 50.
    expect(line(free, 'dashboards').freeQuantity).toBe(1);
    expect(line(free, 'dashboards').quantity).toBe(1);
  });

  it('takes 10 metrics off the first tier only', () => {
    const fleet = fleetOf(manyChecks(500, { schedule: '5m', detailedTimings: true }), { regions: ['us-east-1', 'eu-west-1', 'eu-central-1'] });
    const free = estimateFleetCost(fleet, { freeTier: true });
    expect(line(free, 'custom-metrics').monthlyUsd).toBeCloseTo(3200.9 - 3, 6);
    // 500 checks, one dashboard: 9 fleet-health metrics and 3 regions × 3 per-check series, within the free tier.
    expect(line(free, 'dashboards').quantity).toBe(1);
    expect(line(free, 'dashboards').freeQuantity).toBe(1);
    expect(line(free, 'dashboards').monthlyUsd).toBe(0);
  });
});

describe('tiered custom metric prices', () => {
  const cases: [number, number][] = [
    [0, 0],
    [10_000, 3000],
    [10_001, 3000.1],
    [250_000, 3000 + 240_000 * 0.1],
    [1_000_000, 3000 + 24_000 + 750_000 * 0.05],
    [1_000_010, 3000 + 24_000 + 37_500 + 10 * 0.02],
  ];
  for (const [metrics, usd] of cases) {
    it(`${metrics} metrics cost $${usd}`, () => {
      expect(tieredCost(CUSTOM_METRICS, metrics)).toBeCloseTo(usd, 6);
    });
  }
});

describe('per-check figure and the typical check', () => {
  it('divides the total by check×environment targets and explains one typical target', () => {
    const fleet = fleetOf([httpCheck('health', { schedule: '1m' }), httpCheck('search', { schedule: '1m' })], {
      environments: { eu: { baseUrl: 'http://127.0.0.1:8081' }, us: { baseUrl: 'http://127.0.0.1:8082' } },
    });
    const estimate = estimateFleetCost(fleet);
    expect(estimate.perCheck.targets).toBe(4);
    expect(estimate.perCheck.usd).toBeCloseTo(estimate.totalUsd / 4, 9);
    const typical = estimate.perCheck.typical!;
    // Several environments: the target names the environment too.
    expect(typical.target).toMatch(/^(health|search)\.(eu|us)$/);
    // Four identical targets: the typical one costs exactly a quarter.
    expect(typical.totalUsd).toBeCloseTo(estimate.totalUsd / 4, 9);
    expect(typical.lines.find((l) => l.id === 'alarms-availability')?.monthlyUsd).toBeCloseTo(0.1, 9);
    expect(typical.lines.find((l) => l.id === 'custom-metrics')?.monthlyUsd).toBeCloseTo(0.9, 9);
  });

  it('picks the median target when checks differ', () => {
    const fleet = fleetOf([
      httpCheck('cheap', { schedule: '1h' }),
      httpCheck('middle', { schedule: '5m' }),
      httpCheck('dear', { schedule: '1m', detailedTimings: true }),
    ]);
    expect(estimateFleetCost(fleet).perCheck.typical?.target).toBe('middle');
  });
});

describe('Lambda duration, shards and rate limits', () => {
  it('bills a shard at least as long as its rate limit makes it run', () => {
    // 25 checks against one environment in one shard: 5 go in the burst, 20 more at 5/s = 4 s,
    // plus the last check's 500 ms and the 200 ms invocation overhead.
    const estimate = estimateFleetCost(fleetOf(manyChecks(25, { schedule: '1m' })), { assumptions: { maxChecksPerShard: 25, memoryMb: 256 } });
    expect(estimate.counts.shards).toBe(1);
    expect(line(estimate, 'lambda-compute').quantity).toBeCloseTo(43_800 * 4.7 * 0.25, 6);
    expect(estimate.warnings).toEqual([]);
  });

  it('uses concurrency when the rate limit is not the bottleneck', () => {
    const fleet = fleetOf(manyChecks(16, { schedule: '1m' }), { defaults: { rateLimit: { requestsPerSecond: 100, burst: 100 } } });
    // ⌈16 ÷ 8⌉ waves × 500 ms + 200 ms
    expect(line(estimateFleetCost(fleet, { assumptions: { memoryMb: 256 } }), 'lambda-compute').quantity).toBeCloseTo(43_800 * 1.2 * 0.25, 6);
  });

  it('warns when a shard cannot fit its period and bills no more than the period', () => {
    const fleet = fleetOf(manyChecks(20, { schedule: '1m' }), { defaults: { rateLimit: { requestsPerSecond: 0.1, burst: 1 } } });
    const estimate = estimateFleetCost(fleet, { assumptions: { maxChecksPerShard: 20, memoryMb: 256 } });
    expect(estimate.warnings.join('\n')).toMatch(/shard us-east-1-1m-0: 20 checks need longer than the 60 s period/);
    expect(line(estimate, 'lambda-compute').quantity).toBeCloseTo(43_800 * 60 * 0.25, 6);
  });

  it('sizes each shard function as the CDK app does unless --memory-mb is given', () => {
    const cases: [number, number][] = [
      // 256 MB per started 100 checks (measured peak RSS of a 100-check shard), at most 1769 MB
      [1, 256],
      [8, 256],
      [25, 256],
      [100, 256],
    ];
    for (const [checks, memoryMb] of cases) {
      const fleet = fleetOf(manyChecks(checks, { schedule: '1h' }), { defaults: { rateLimit: { requestsPerSecond: 1000, burst: 1000 } } });
      const estimate = estimateFleetCost(fleet, { assumptions: { maxChecksPerShard: 100 } });
      const seconds = (200 + Math.ceil(checks / 8) * 500) / 1000;
      expect(line(estimate, 'lambda-compute').quantity, `${checks} checks`).toBeCloseTo(730 * seconds * (memoryMb / 1024), 6);
      expect(line(estimate, 'lambda-compute').item).toContain(`${memoryMb} MB`);
    }
  });

  it('follows --memory-mb and --avg-check-ms', () => {
    const estimate = estimateFleetCost(fleetOf([httpCheck('health', { schedule: '1m' })]), { assumptions: { memoryMb: 1024, avgCheckMs: 1800 } });
    expect(line(estimate, 'lambda-compute').quantity).toBeCloseTo(43_800 * 2.0 * 1, 6);
    expect(line(estimate, 'lambda-compute').item).toContain('1024 MB');
  });

  it('splits PutMetricData at 1,000 datums a call', () => {
    // 125 targets × 8 metrics + 2 = 1,002 datums in one shard: two calls per invocation.
    const fleet = fleetOf(manyChecks(125, { schedule: '1h', detailedTimings: true }), { defaults: { rateLimit: { requestsPerSecond: 1000, burst: 1000 } } });
    const estimate = estimateFleetCost(fleet, { assumptions: { maxChecksPerShard: 125 } });
    expect(line(estimate, 'put-metric-data').quantity).toBe(730 * 2);
  });
});

describe('secrets, notify and traffic', () => {
  it('counts each referenced secret once and its reads per region', () => {
    const fleet = fleetOf([httpCheck('me', { auth: { bearer: secret('api-token') } }), httpCheck('admin', { auth: { bearer: secret('api-token') } })], {
      regions: ['us-east-1', 'eu-west-1'],
      alerting: { chat: { webhooks: [{ kind: 'slack', url: secret('slack-hook') }] } },
    });
    const estimate = estimateFleetCost(fleet);
    expect(line(estimate, 'secrets').quantity).toBe(2);
    expect(line(estimate, 'secrets').monthlyUsd).toBeCloseTo(0.8, 9);
    // 2 secrets × 2 regions × (43,800 min ÷ 5 min)
    expect(line(estimate, 'secret-api-calls').quantity).toBe(35_040);
    // A webhook means a notify function, whose dead-letter queue has an alarm of its own.
    expect(line(estimate, 'alarms-dead-letter').quantity).toBe(2);
  });

  it('shows the synthetic traffic each environment receives beside its rate limit', () => {
    const fleet = fleetOf(
      [
        httpCheck('health', { schedule: '1m' }),
        { ...httpCheck('flow'), kind: 'flow', steps: [{ name: 'a', url: '/a' }, { name: 'b', url: '/b' }], schedule: '1m' } as never,
      ],
      { regions: ['us-east-1', 'eu-west-1'], environments: { prod: { baseUrl: 'http://127.0.0.1:8080', rateLimit: { requestsPerSecond: 2, burst: 4 } } } },
    );
    const [prod] = estimateFleetCost(fleet).traffic;
    // (1 + 2 requests) × 2 regions × 43,800 runs
    expect(prod?.requestsPerMonth).toBe(262_800);
    expect(prod?.requestsPerMinute).toBeCloseTo(6, 9);
    expect(prod?.rateLimit).toEqual({ requestsPerSecond: 2, burst: 4 });
  });

  it('prices a cron schedule at its shortest gap between firings', () => {
    const fleet = fleetOf([httpCheck('every-ten', { schedule: 'cron(0/10 * * * ? *)' })]);
    // every 10 minutes: 2,628,000 s ÷ 600 s
    expect(line(estimateFleetCost(fleet), 'lambda-requests').quantity).toBe(4380);
    expect(estimateFleetCost(fleet).synthetics.runsPerMonth).toBe(4380);
    expect(line(estimateFleetCost(fleet, { cronPeriod: () => 3600 }), 'lambda-requests').quantity).toBe(730);
  });
});
