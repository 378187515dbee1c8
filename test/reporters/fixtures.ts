// Results shaped like the runner's, covering every outcome a reporter must render.
import type { Check, Fleet } from '../../lib/model/fleet.js';
import type { CheckResult } from '../../lib/model/result.js';
import type { PlannedCheck } from '../../lib/runner/api.js';

export const PLANTED_SECRET = 'pl4nted-S3CRET-value';

function check(id: string, service: string, extra: Partial<Check> = {}): Check {
  return {
    kind: 'http',
    id,
    name: `Check ${id}`,
    service,
    owner: `team-${service}`,
    runbook: `https://runbooks.example/${id}`,
    rollbackNote: `roll back ${service} to the previous release`,
    expect: `${id} answers 200`,
    severity: 'critical',
    url: `/${id}`,
    ...extra,
  } as Check;
}

export const fleet: Fleet = {
  name: 'shop',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
  environments: { prod: { baseUrl: 'https://shop.example' }, staging: { baseUrl: 'https://staging.shop.example' } },
  checks: [check('health', 'api'), check('login', 'auth'), check('products', 'catalog'), check('search', 'catalog'), check('cart', 'cart'), check('me', 'auth')],
};

export const planned: PlannedCheck[] = [
  { check: fleet.checks[0]!, environment: 'prod' },
  { check: fleet.checks[1]!, environment: 'prod' },
  { check: fleet.checks[2]!, environment: 'prod' },
  { check: fleet.checks[3]!, environment: 'prod' },
  { check: fleet.checks[4]!, environment: 'staging' },
  { check: fleet.checks[5]!, environment: 'staging' },
];

function result(checkId: string, environment: string, extra: Partial<CheckResult>): CheckResult {
  return {
    checkId,
    environment,
    location: 'local',
    runId: '20261122T003000Z-abc123',
    startedAt: '2026-11-22T00:30:00.000Z',
    ok: true,
    degraded: false,
    durationMs: 42,
    phases: { dnsMs: 1, connectMs: 1, tlsMs: 0, ttfbMs: 38, transferMs: 2 },
    status: 200,
    bytes: 27,
    certDaysRemaining: null,
    assertions: [{ description: 'status', ok: true, expected: '200', actual: '200' }],
    failure: null,
    attempts: 1,
    flaky: false,
    ...extra,
  };
}

export const results: CheckResult[] = [
  result('health', 'prod', {}),
  result('login', 'prod', {
    ok: false,
    status: 404,
    assertions: [
      { description: 'status', ok: false, expected: '200', actual: '404' },
      { description: '$.token', ok: false, expected: 'exists', actual: `missing in {"error":"<bad> & \\"quoted\\" ${PLANTED_SECRET}"}` },
    ],
    failure: { kind: 'assertion', message: `2 assertions failed for ${PLANTED_SECRET}`, retryable: false, step: 'get token' },
  }),
  result('products', 'prod', { degraded: true, durationMs: 1800 }),
  result('search', 'prod', { flaky: true, attempts: 2 }),
  result('cart', 'staging', {
    ok: false,
    status: null,
    assertions: [],
    failure: { kind: 'connect_refused', message: 'connect to 127.0.0.1:1 refused: expected a listening server, received ECONNREFUSED; safe to retry', retryable: true },
  }),
  result('me', 'staging', {
    ok: false,
    skipped: true,
    durationMs: 0,
    status: null,
    assertions: [],
    failure: { kind: 'deadline', message: 'not started: the run deadline of 2m passed first', retryable: true },
  }),
];
