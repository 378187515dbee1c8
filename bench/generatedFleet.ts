// A generated fleet of N checks for synthesis benchmarks and the large-fleet test: a mix of
// kinds, schedules, severities and services, as a big organisation's fleet would look.
import type { Check, Fleet, Schedule } from '../lib/model/fleet.js';

const SCHEDULES: Schedule[] = ['1m', '5m', '5m', '10m', '15m'];

export function generatedFleet(checkCount: number, regions: string[], options: { environments?: number } = {}): Fleet {
  const environmentCount = options.environments ?? 1;
  const environments: Fleet['environments'] = {};
  for (let e = 0; e < environmentCount; e++) environments[e === 0 ? 'production' : `site-${e}`] = {
      baseUrl: `https://site${e}.example.com`,
      // One origin serves every generated check: its limit must fit the whole fleet's rounds
      // (validateTraffic refuses a fleet whose runs cannot fit an origin's limit).
      rateLimit: { requestsPerSecond: Math.max(5, Math.ceil(checkCount / 10)), burst: 10 },
    };
  const checks: Check[] = [];
  for (let i = 0; i < checkCount; i++) {
    const service = `service-${i % 25}`;
    const common = {
      id: `check-${i}`,
      name: `Check ${i} of ${service}`,
      service,
      owner: `team-${i % 10}`,
      runbook: `https://wiki.example.com/runbooks/${service}/check-${i}`,
      rollbackNote: `Roll back the last deploy of ${service}.`,
      expect: `GET /items/${i} answers 200 within the latency budget.`,
      severity: i % 3 === 0 ? ('critical' as const) : ('warning' as const),
      schedule: SCHEDULES[i % SCHEDULES.length] ?? '5m',
    };
    if (i % 10 === 9) {
      checks.push({ ...common, kind: 'tcp', host: `db${i}.example.com`, port: 5432 });
    } else {
      checks.push({ ...common, kind: 'http', url: `/items/${i}`, ...(i % 2 === 0 ? { maxMs: 1500 } : {}), assertions: [{ type: 'status', equals: 200 }] });
    }
  }
  return { name: `bench${checkCount}`, homeRegion: regions[0] ?? 'eu-west-1', regions, environments, checks };
}
