// The estimate prices what `cdk deploy` creates: synthesize the CDK app for a few fleets and
// count, in the templates, every resource the estimate charges for.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ProbeFleet } from '../../lib/infra/index.js';
import { shardSizing } from '../../lib/infra/probeFunction.js';
import { estimateFleetCost } from '../../lib/cost/estimate.js';
import { probeMemoryMb } from '../../lib/cost/fleetUsage.js';
import { secret } from '../../lib/model/defineFleet.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { fleetOf, httpCheck, manyChecks } from './fleets.js';

interface Counted {
  alarmMetrics: number;
  composites: number;
  dashboards: number;
  rules: number;
  kmsKeys: number;
  probeMemory: number[];
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

function countDeployed(fleet: Fleet): Counted {
  const app = new App();
  const probeFleet = new ProbeFleet(app, 'Fleet', { fleet, bundling: 'skip' });
  const counted: Counted = { alarmMetrics: 0, composites: 0, dashboards: 0, rules: 0, kmsKeys: 0, probeMemory: [] };
  for (const stack of probeFleet.stacks) {
    const template = Template.fromStack(stack).toJSON() as { Resources?: Record<string, Resource> };
    const resources = Object.values(template.Resources ?? {});
    for (const r of resources) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::CloudWatch::Alarm') {
        // A metric-math alarm is billed per metric it references; a plain alarm for its one metric.
        const metrics = p.Metrics as { MetricStat?: unknown }[] | undefined;
        counted.alarmMetrics += metrics ? metrics.filter((m) => m.MetricStat !== undefined).length : 1;
      }
      if (r.Type === 'AWS::CloudWatch::CompositeAlarm') counted.composites++;
      if (r.Type === 'AWS::CloudWatch::Dashboard') counted.dashboards++;
      if (r.Type === 'AWS::Events::Rule' || r.Type === 'AWS::Scheduler::Schedule') counted.rules++;
      if (r.Type === 'AWS::KMS::Key') counted.kmsKeys++;
      if (r.Type === 'AWS::Lambda::Function' && stack.stackName.includes('-probes-')) counted.probeMemory.push(p.MemorySize as number);
    }
  }
  counted.probeMemory.sort((a, b) => a - b);
  return counted;
}

function countEstimated(fleet: Fleet): Counted {
  const estimate = estimateFleetCost(fleet);
  const quantity = (id: string): number => estimate.lines.find((l) => l.id === id)?.quantity ?? NaN;
  return {
    alarmMetrics: estimate.counts.alarmMetrics,
    composites: quantity('alarms-composite'),
    dashboards: quantity('dashboards'),
    rules: quantity('eventbridge-rules'),
    kmsKeys: quantity('kms-key'),
    probeMemory: estimate.shards.map((s) => s.memoryMb).sort((a, b) => a - b),
  };
}

// Each fleet with a few counts worked out by hand, so a shared mistake cannot pass unseen.
const fleets: [string, Fleet, Partial<Counted>][] = [
  [
    'one plain http check in one region',
    fleetOf([httpCheck('health', { schedule: '5m' })]),
    // availability 1 + heartbeat 1 + topic dead letters 1; fleet health: shard silence 1 +
    // shard failures 3 (errors, throttles, failed deliveries) + region 4 (invocation errors ×2,
    // publish failures, dead letters) + secret lookups 1; one service; one dashboard;
    // keys: pager/chat + the region's operator topic
    { alarmMetrics: 12, composites: 1, dashboards: 1, rules: 1, kmsKeys: 2, probeMemory: [256] },
  ],
  [
    'https checks with maxMs in 3 regions, two services, a webhook',
    fleetOf(
      [
        httpCheck('login', { schedule: '1m', maxMs: 800, severity: 'critical', service: 'auth' }),
        httpCheck('search', { schedule: '5m', service: 'catalog' }),
        // ProbeFleet validates its fleet: a tls check names a host and no url.
        { ...Object.fromEntries(Object.entries(httpCheck('tls-expiry', { service: 'auth' })).filter(([key]) => key !== 'url')), kind: 'tls', host: 'shop.example.com', schedule: '1h' } as never,
      ],
      {
        regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
        environments: { prod: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'http://127.0.0.1:9000' } },
        alerting: { chat: { webhooks: [{ kind: 'slack', url: secret('slack-hook') }] } },
      },
    ),
    // two services × two environments (prod, staging): one composite each; keys: pager/chat + an operator topic per region
    { composites: 4, kmsKeys: 4 },
  ],
  [
    '12 checks in 11 regions (availability split into groups)',
    fleetOf(manyChecks(12, { schedule: '5m', maxMs: 1000, severity: 'critical' }), {
      regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-southeast-1', 'ap-southeast-2'],
      environments: { prod: { baseUrl: 'https://shop.example.com' } },
    }),
    // per target: availability in groups of 6 + 5 regions, alarms for "≥1" and "≥2" failing in
    // each: 2 × 6 + 2 × 5 = 22 metrics; latency 11: 12 × 33 = 396. One TLS endpoint: its
    // certificate alarm pair, 2. 11 heartbeats + 1 dead-letter alarm. Fleet health: per shard
    // (one 5m shard per region) silence 1 + failures 3, per region 4 + a secret-lookup alarm in
    // home: 11 × 9 = 99. 396 + 2 + 12 + 99 = 509. Composites: one per target + one service.
    { alarmMetrics: 509, composites: 13, rules: 11, kmsKeys: 12 },
  ],
];

describe('the estimate counts what the CDK app deploys', () => {
  for (const [name, fleet, byHand] of fleets) {
    it(name, () => {
      const deployed = countDeployed(fleet);
      expect(deployed).toMatchObject(byHand);
      expect(countEstimated(fleet)).toEqual(deployed);
    });
  }

  it('sizes probe functions as the CDK app does', () => {
    for (const targets of [1, 5, 25, 60, 100, 200]) {
      expect(probeMemoryMb(targets), `${targets} targets`).toBe(shardSizing({ periodSeconds: 60, targets: Array.from({ length: targets }, () => ({ checkId: 'x', environment: 'prod' })) }).memoryMb);
    }
  });
});
