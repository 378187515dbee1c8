// Small fleets for the cost tests, built in code so each scenario states exactly what it prices.
import type { Check, Fleet, HttpCheck } from '../../lib/model/fleet.js';

export function httpCheck(id: string, overrides: Partial<HttpCheck> = {}): Check {
  return {
    kind: 'http',
    id,
    name: `Check ${id}`,
    service: 'api',
    owner: 'team-api',
    runbook: 'https://runbooks.example.com/api',
    rollbackNote: 'roll back the api deployment',
    expect: 'GET /health answers 200',
    severity: 'warning',
    url: '/health',
    ...overrides,
  };
}

export function fleetOf(checks: Check[], overrides: Partial<Fleet> = {}): Fleet {
  return {
    name: 'cost-test',
    homeRegion: 'us-east-1',
    regions: ['us-east-1'],
    environments: { prod: { baseUrl: 'http://127.0.0.1:8080' } },
    checks,
    ...overrides,
  };
}

export function manyChecks(count: number, overrides: Partial<HttpCheck> = {}): Check[] {
  return Array.from({ length: count }, (_, i) => httpCheck(`check-${i}`, overrides));
}
