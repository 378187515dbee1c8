// A small fleet and the event shapes the probe receives, for handler tests.
import type { Check, Fleet } from '../../lib/model/fleet.js';
import { secret } from '../../lib/model/defineFleet.js';

const common = {
  service: 'shop',
  owner: 'team-shop',
  runbook: 'https://runbooks.example.com/shop',
  rollbackNote: 'roll back the shop',
  expect: 'answers 200',
  severity: 'critical',
} as const;

export function httpCheck(id: string, url: string, extra: Partial<Check> = {}): Check {
  return { ...common, kind: 'http', id, name: id, url, ...extra } as Check;
}

export function testFleet(baseUrl: string, checks: Check[], extra: Partial<Fleet> = {}): Fleet {
  return {
    name: 'shop',
    homeRegion: 'us-east-1',
    regions: ['eu-west-1'],
    defaults: { schedule: '5m', rateLimit: { requestsPerSecond: 1000, burst: 1000 }, timeoutMs: 5000 },
    environments: { prod: { baseUrl } },
    checks,
    ...extra,
  };
}

export const SECRET_VALUE = 'tok-3f9a1c77e2b4';
export { secret };

export function scheduledEvent(shard: string): Record<string, unknown> {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2026-11-22T00:05:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:events:eu-west-1:123456789012:rule/probe-fleet-shop-${shard}`],
    detail: { shard },
  };
}

export function context(remainingMs: number, requestId = 'req-1'): { awsRequestId: string; getRemainingTimeInMillis: () => number } {
  const end = Date.now() + remainingMs;
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => end - Date.now() };
}
