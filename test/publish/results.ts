// CheckResult values for publisher tests.
import type { CheckResult } from '../../lib/model/result.js';

export function result(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    checkId: 'health',
    environment: 'prod',
    location: 'eu-west-1',
    runId: 'run-1',
    startedAt: '2026-11-22T00:00:00.000Z',
    ok: true,
    degraded: false,
    durationMs: 120,
    phases: { dnsMs: 1, connectMs: 2, tlsMs: 30, ttfbMs: 80, transferMs: 7 },
    status: 200,
    bytes: 15,
    certDaysRemaining: null,
    assertions: [],
    failure: null,
    attempts: 1,
    flaky: false,
    ...overrides,
  };
}
