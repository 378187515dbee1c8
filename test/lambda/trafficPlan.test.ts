import { describe, expect, it } from 'vitest';
import { validateFleet } from '../../lib/config/validate.js';
import { planShards } from '../../lib/lambda/shards.js';
import { frozenTraffic, originRequests, planTraffic, shardOffsetSeconds } from '../../lib/lambda/trafficPlan.js';
import type { Check } from '../../lib/model/fleet.js';
import { oneOriginFleet } from '../fleetScale/fleets.js';

const ORIGIN = 'https://shop.example.com:443';
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('one rate limit per origin across shards and regions', () => {
  it('100 checks × 3 regions × 1 minute at 20/s burst 10: 12 runs share the limit, peak 30', () => {
    const fleet = oneOriginFleet('https://shop.example.com');
    const shards = planShards(fleet);
    const plan = planTraffic(fleet, shards);
    expect(shards).toHaveLength(12);
    expect(plan.origins).toHaveLength(1);
    const [origin] = plan.origins;
    expect(origin).toMatchObject({ origin: ORIGIN, requestsPerSecond: 20, burst: 10, peakPerSecond: 30, requestsPerRound: 300, shards: 12 });
    expect(origin!.regions).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    const budgets = shards.map((s) => plan.budgets[s.id]![ORIGIN]!);
    expect(sum(budgets.map((b) => b.requestsPerSecond))).toBeCloseTo(20, 9);
    expect(sum(budgets.map((b) => b.burst))).toBeCloseTo(10, 9);
    // (300 − 10) / 20 = 14.5 s per run, within a 1-minute run less its offset and margin.
    expect(origin!.secondsNeeded).toBeCloseTo(14.5, 9);
    expect(origin!.secondsAvailable).toBeGreaterThan(14.5);
  });

  it('shares follow each run’s requests: a shard with 5 of 30 requests gets a sixth of the limit', () => {
    const fleet = oneOriginFleet('https://shop.example.com', { count: 30, regions: ['eu-west-1'] });
    const shards = planShards(fleet);
    const plan = planTraffic(fleet, shards);
    expect(shards.map((s) => s.targets.length)).toEqual([25, 5]);
    expect(plan.budgets[shards[1]!.id]![ORIGIN]!.requestsPerSecond).toBeCloseTo(20 / 6, 9);
    expect(plan.budgets[shards[1]!.id]![ORIGIN]!.burst).toBeCloseTo(10 / 6, 9);
  });

  it('a region’s bundle carries only its shards, and divides unplanned origins by every shard of the fleet', () => {
    const fleet = oneOriginFleet('https://shop.example.com');
    const shards = planShards(fleet);
    const frozen = frozenTraffic(planTraffic(fleet, shards), shards.filter((s) => s.region === 'eu-west-1'));
    expect(Object.keys(frozen.budgets).sort()).toEqual(shards.filter((s) => s.region === 'eu-west-1').map((s) => s.id).sort());
    expect(Object.keys(frozen.offsetSeconds)).toHaveLength(4);
    expect(frozen.unplannedDivisor).toBe(12);
  });

  it('offsets: derived from the shard id, whole seconds within min(60, period / 4), spread over the shards', () => {
    const shards = planShards(oneOriginFleet('https://shop.example.com'));
    const offsets = shards.map(shardOffsetSeconds);
    expect(offsets).toEqual(shards.map((s) => shardOffsetSeconds({ id: s.id, periodSeconds: s.periodSeconds })));
    for (const o of offsets) expect(Number.isInteger(o) && o >= 0 && o < 15).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(4);
    expect(shardOffsetSeconds({ id: 'x-1h-0', periodSeconds: 3600 })).toBeLessThan(60);
  });

  it('origins per kind: flow steps each, an absolute URL its own origin, tls and tcp their keys, a host behind a secret none', () => {
    const fleet = oneOriginFleet('https://shop.example.com', { count: 1 });
    fleet.environments.prod!.variables = { api: 'https://api.example.com', token: { $secret: 'shop/host' } };
    const base = { service: 's', owner: 'o', runbook: 'r', rollbackNote: 'n', expect: 'e', severity: 'info', name: 'n' } as const;
    const flow = { ...base, id: 'f', kind: 'flow', steps: [{ name: 'a', url: '/a', followRedirects: 2 }, { name: 'b', url: '{{api}}/b' }, { name: 'c', url: 'https://{{token}}/c' }] } as Check;
    expect(Object.fromEntries(originRequests(fleet, flow, 'prod', 1))).toEqual({
      [ORIGIN]: { first: 1, most: 6 },
      'https://api.example.com:443': { first: 1, most: 2 },
    });
    expect([...originRequests(fleet, { ...base, id: 't', kind: 'tls' }, 'prod', 0).keys()]).toEqual([ORIGIN]);
    expect([...originRequests(fleet, { ...base, id: 'p', kind: 'tcp', port: 5432 }, 'prod', 0).keys()]).toEqual(['tcp://shop.example.com:5432']);
    expect(originRequests(fleet, { ...base, id: 'd', kind: 'dns', hostname: 'x', recordType: 'A' }, 'prod', 0).size).toBe(0);
  });

  it('the strictest limit of the environments sharing an origin applies', () => {
    const fleet = oneOriginFleet('https://shop.example.com', { count: 2, regions: ['eu-west-1'] });
    fleet.environments.eu = { baseUrl: 'https://shop.example.com/eu', rateLimit: { requestsPerSecond: 3, burst: 2 } };
    expect(planTraffic(fleet, planShards(fleet)).origins[0]).toMatchObject({ requestsPerSecond: 3, burst: 2, peakPerSecond: 4, requestsPerRound: 4, environments: ['eu', 'prod'] });
  });

  it('peakPerSecond is never more than the fleet can send at once', () => {
    const fleet = oneOriginFleet('https://shop.example.com', { count: 3, regions: ['eu-west-1'], rateLimit: { requestsPerSecond: 50, burst: 50 } });
    expect(planTraffic(fleet, planShards(fleet)).origins[0]!.peakPerSecond).toBe(3);
  });
});

describe('a fleet that cannot fit its origin’s limit is a config error', () => {
  it('names the origin, the checks, the seconds short and what would fit, at the rateLimit that sets it', () => {
    const result = validateFleet(oneOriginFleet('https://shop.example.com', { rateLimit: { requestsPerSecond: 2, burst: 5 } }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics).toHaveLength(1);
    const [d] = result.diagnostics;
    expect(d!.path).toBe('defaults.rateLimit');
    // (300 − 5) / 2 = 147.5 s per run against a 1-minute schedule.
    expect(d!.message).toMatch(/^origin https:\/\/shop\.example\.com:443: checks page-0, page-1, .*… \(100 checks\) send 300 requests per round from 12 shards in ap-southeast-2, eu-west-1, us-east-1/);
    expect(d!.message).toMatch(/every run needs 147\.5 s, but the shortest run window of their schedules is \d+(\.\d)? s \(\d+(\.\d)? s short\): raise rateLimit\.requestsPerSecond to at least \d/);
    expect(d!.received).toMatch(/^147\.5 s needed, \d+(\.\d)? s short$/);
  });

  it('an environment’s own limit is named as its path; the same checks every 5 minutes fit', () => {
    const fleet = oneOriginFleet('https://shop.example.com', { rateLimit: { requestsPerSecond: 2, burst: 5 } });
    fleet.environments.prod!.rateLimit = { requestsPerSecond: 2, burst: 5 };
    const result = validateFleet(fleet);
    expect(result.ok ? [] : result.diagnostics.map((d) => d.path)).toEqual(['environments.prod.rateLimit']);
    expect(validateFleet(oneOriginFleet('https://shop.example.com', { rateLimit: { requestsPerSecond: 2, burst: 5 }, schedule: '5m' })).ok).toBe(true);
  });
});
