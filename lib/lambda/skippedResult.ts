import type { CheckResult } from '../model/result.js';
import type { ShardTarget } from './shards.js';

/** A target that produced no result of its own is still reported: skipped, with the reason. */
export function skippedResult(target: ShardTarget, at: { runId: string; location: string; startedAt: string; reason: string }): CheckResult {
  return {
    checkId: target.checkId,
    environment: target.environment,
    location: at.location,
    runId: at.runId,
    startedAt: at.startedAt,
    ok: false,
    degraded: false,
    durationMs: 0,
    phases: { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, transferMs: 0 },
    status: null,
    bytes: 0,
    certDaysRemaining: null,
    assertions: [],
    failure: { kind: 'deadline', message: `not run: ${at.reason}`, retryable: true },
    attempts: 0,
    flaky: false,
    skipped: true,
  };
}
