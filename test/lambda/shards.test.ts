import { describe, it, expect } from 'vitest';
import { planShards, DEFAULT_MAX_CHECKS_PER_SHARD } from '../../lib/lambda/shards.js';
import type { Check } from '../../lib/model/fleet.js';
import { httpCheck, testFleet } from './fixtures.js';

const checks = (n: number, extra: Partial<Check> = {}, prefix = 'c'): Check[] => Array.from({ length: n }, (_, i) => httpCheck(`${prefix}-${i}`, '/health', extra));

describe('planShards', () => {
  it('groups by region and schedule, at most 25 targets per shard by default, ids sorted and numbered', () => {
    const fleet = testFleet('http://127.0.0.1:1', [...checks(30), ...checks(2, { schedule: '1m' }, 'fast'), ...checks(1, { regions: ['us-east-1'] }, 'us')], {
      regions: ['eu-west-1', 'ap-southeast-2'],
    });
    const shards = planShards(fleet);
    expect(DEFAULT_MAX_CHECKS_PER_SHARD).toBe(25);
    expect(shards.map((s) => [s.id, s.region, s.schedule, s.periodSeconds, s.targets.length])).toEqual([
      ['ap-southeast-2-1m-0', 'ap-southeast-2', '1m', 60, 2],
      ['ap-southeast-2-5m-0', 'ap-southeast-2', '5m', 300, 25],
      ['ap-southeast-2-5m-1', 'ap-southeast-2', '5m', 300, 5],
      ['eu-west-1-1m-0', 'eu-west-1', '1m', 60, 2],
      ['eu-west-1-5m-0', 'eu-west-1', '5m', 300, 25],
      ['eu-west-1-5m-1', 'eu-west-1', '5m', 300, 5],
      ['us-east-1-5m-0', 'us-east-1', '5m', 300, 1],
    ]);
    expect(shards[1]!.targets[0]).toEqual({ checkId: 'c-0', environment: 'prod' });
    // Safe for CloudFormation logical ids once dashes are removed.
    for (const shard of shards) expect(shard.id.replace(/-/g, '')).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('counts check × environment targets and orders shard numbers numerically', () => {
    const fleet = testFleet('http://127.0.0.1:1', checks(12), { environments: { eu: { baseUrl: 'http://127.0.0.1:1' }, us: { baseUrl: 'http://127.0.0.1:2' } } });
    const shards = planShards(fleet, { maxChecksPerShard: 2 });
    expect(shards).toHaveLength(12);
    expect(shards.map((s) => s.id).slice(0, 3)).toEqual(['eu-west-1-5m-0', 'eu-west-1-5m-1', 'eu-west-1-5m-2']);
    expect(shards.at(-1)!.id).toBe('eu-west-1-5m-11');
    expect(shards[0]!.targets).toEqual([
      { checkId: 'c-0', environment: 'eu' },
      { checkId: 'c-0', environment: 'us' },
    ]);
  });

  it('is deterministic, gives cron schedules a stable slug, and rejects a bad maximum', () => {
    const fleet = testFleet('http://127.0.0.1:1', checks(3, { schedule: 'cron(0/5 * * * ? *)' }));
    const a = planShards(fleet, { cronPeriod: () => 300 });
    expect(planShards(fleet, { cronPeriod: () => 300 })).toEqual(a);
    expect(a[0]!.id).toMatch(/^eu-west-1-cron[0-9a-f]{8}-0$/);
    expect(a[0]!.periodSeconds).toBe(300);
    expect(() => planShards(fleet, { maxChecksPerShard: 0 })).toThrow(/positive integer/);
  });
});
