// Fleets at scale for the traffic tests: many checks, several regions, one origin.
import type { Check, Fleet, RateLimit } from '../../lib/model/fleet.js';

const common = {
  service: 'shop',
  owner: 'team-shop',
  runbook: 'https://runbooks.example.com/shop',
  rollbackNote: 'roll back the shop',
  expect: 'answers 200',
  severity: 'warning',
} as const;

/** `count` GET checks of `/p/<n>` on the environment's origin, every minute by default. */
export function oneOriginFleet(baseUrl: string, options: { count?: number; regions?: string[]; rateLimit?: RateLimit; schedule?: Fleet['checks'][number]['schedule'] } = {}): Fleet {
  const count = options.count ?? 100;
  const checks: Check[] = Array.from({ length: count }, (_, i) => ({ ...common, kind: 'http', id: `page-${i}`, name: `page ${i}`, url: `/p/${i}` }));
  return {
    name: 'scale',
    homeRegion: 'us-east-1',
    regions: options.regions ?? ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
    defaults: { schedule: options.schedule ?? '1m', rateLimit: options.rateLimit ?? { requestsPerSecond: 20, burst: 10 }, timeoutMs: 5000 },
    environments: { prod: { baseUrl } },
    checks,
  };
}
