// Runs one check against one environment into a CheckResult. Never throws, never
// prints: retries, the per-check timeout, the run's deadline, rate limiting, guards and
// redaction all happen here or below, and the caller only ever sees a value.
import type { Check, RetryPolicy } from '../model/fleet.js';
import type { CheckResult, Failure } from '../model/result.js';
import { resolveSettings } from '../config/resolve.js';
import type { PlannedCheck, RateLimiterRegistry, RunOptions } from './api.js';
import { responseTimeResult } from './assertions.js';
import { AttemptClock } from './clock.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { zeroPhases } from './context.js';
import { runDnsCheck } from './dns.js';
import { ProbeFailure, retryNote } from './failure.js';
import { runFlow } from './flow.js';
import { runHttpCheck } from './http.js';
import { runTcpCheck } from './tcp.js';
import { runTlsCheck } from './tls.js';
import { createRateLimiterRegistry } from './tokenBucket.js';
import { Values } from './values.js';

/** Failures that another attempt cannot change, even under `onlyOn: 'any'`. */
const NEVER_RETRIED = new Set(['guard_blocked', 'deadline']);

function shouldRetry(failure: Failure, policy: RetryPolicy): boolean {
  if (NEVER_RETRIED.has(failure.kind)) return false;
  return policy.onlyOn === 'any' || failure.retryable;
}

function execute(ctx: AttemptContext, check: Check): Promise<AttemptOutcome> {
  switch (check.kind) {
    case 'http':
      return runHttpCheck(ctx, check);
    case 'flow':
      return runFlow(ctx, check.steps);
    case 'tls':
      return runTlsCheck(ctx, check);
    case 'dns':
      return runDnsCheck(ctx, check);
    case 'tcp':
      return runTcpCheck(ctx, check);
  }
}

/** Waits out a backoff; false when the run's deadline or the signal would come first. */
function backoff(ms: number, deadline: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted || (deadline !== undefined && Date.now() + ms >= deadline)) return Promise.resolve(false);
  const due = performance.now() + ms;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    // Timers can fire a little early after a busy event-loop turn; the backoff is a promise to the service.
    const wake = (): void => {
      const left = due - performance.now();
      if (left > 0) {
        timer = setTimeout(wake, Math.ceil(left));
        return;
      }
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    };
    timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function baseResult(planned: PlannedCheck, options: RunOptions, startedAt: string): CheckResult {
  return {
    checkId: planned.check.id,
    environment: planned.environment,
    location: options.location,
    runId: options.runId,
    startedAt,
    ok: false,
    degraded: false,
    durationMs: 0,
    phases: zeroPhases(),
    status: null,
    bytes: 0,
    certDaysRemaining: null,
    assertions: [],
    failure: null,
    attempts: 0,
    flaky: false,
  };
}

/** The result of a check that never started because the run's deadline passed or it was stopped. */
export function skippedResult(planned: PlannedCheck, options: RunOptions, reason: string): CheckResult {
  return options.redactor.redactValue({
    ...baseResult(planned, options, new Date().toISOString()),
    skipped: true,
    failure: { kind: 'deadline', message: `${planned.check.id} @ ${planned.environment}: not started, ${reason}; ${retryNote('deadline')}`, retryable: false },
  });
}

function internalResult(planned: PlannedCheck, options: RunOptions, startedAt: string, error: unknown): CheckResult {
  const detail = error instanceof Error ? error.message : String(error);
  return options.redactor.redactValue({
    ...baseResult(planned, options, startedAt),
    attempts: 1,
    failure: { kind: 'internal', message: `${planned.check.id} @ ${planned.environment}: the runner failed unexpectedly: ${detail}; a retry will not help until this is fixed`, retryable: false },
  });
}

export async function runCheck(planned: PlannedCheck, runOptions: RunOptions): Promise<CheckResult> {
  const startedAt = new Date().toISOString();
  // One redactor scope per check: secrets still reach the run's redactor, while tokens a flow
  // extracts are redacted from this result and then forgotten (a long-lived monitor or probe
  // container would otherwise collect every token it ever saw).
  const options: RunOptions = { ...runOptions, redactor: runOptions.redactor.scoped() };
  try {
    return await runChecked(planned, options, startedAt, options.rateLimiters ?? createRateLimiterRegistry(options.fleet));
  } catch (error) {
    return internalResult(planned, options, startedAt, error);
  }
}

async function runChecked(planned: PlannedCheck, options: RunOptions, startedAt: string, limiter: RateLimiterRegistry): Promise<CheckResult> {
  const { fleet } = options;
  const { check, environment: environmentName } = planned;
  const environment = fleet.environments[environmentName];
  if (!environment) {
    const known = Object.keys(fleet.environments).join(', ');
    throw new Error(`environment '${environmentName}' is not defined, expected one of ${known || 'none'}`);
  }
  const settings = resolveSettings(fleet, check);
  const policy: RetryPolicy = { ...settings.retries, ...options.retriesOverride };
  const values = new Values(options.secrets, options.redactor, environment);
  const redact = (text: string): string => options.redactor.redact(text);

  let outcome: AttemptOutcome | undefined;
  let attempts = 0;
  for (let attempt = 1; attempt <= policy.count + 1; attempt++) {
    if (attempt > 1) {
      const wait = policy.backoffMs * 2 ** (attempt - 2);
      if (!(await backoff(wait, options.deadline, options.signal))) break;
    }
    if (options.signal?.aborted || (options.deadline !== undefined && Date.now() >= options.deadline)) {
      if (attempt === 1) return skippedResult(planned, options, options.signal?.aborted ? 'the run was stopped' : "the run's deadline passed");
      break;
    }
    attempts = attempt;
    const clock = new AttemptClock(settings.timeoutMs, options.deadline, options.signal);
    const ctx: AttemptContext = {
      fleet,
      check,
      environmentName,
      environment,
      options,
      settings,
      attempt,
      clock,
      values,
      log(entry) {
        options.requestLog.write({
          time: new Date(entry.startedAt).toISOString(),
          runId: options.runId,
          checkId: check.id,
          environment: environmentName,
          location: options.location,
          ...(entry.step === undefined ? {} : { step: entry.step }),
          attempt,
          method: entry.method,
          url: redact(entry.url),
          status: entry.status,
          durationMs: entry.durationMs,
          ...(entry.error === undefined ? {} : { error: redact(entry.error) }),
        });
      },
      async acquire(origin) {
        const deadline = clock.started ? clock.deadline : (options.deadline ?? Number.POSITIVE_INFINITY);
        const granted = await limiter.acquire(origin, environmentName, deadline, clock.signal);
        if (!granted) {
          const byTimeout = clock.started && clock.cause !== 'deadline' && clock.deadline !== options.deadline;
          throw byTimeout
            ? new ProbeFailure('timeout', `${origin}: no rate-limit token before the check's ${settings.timeoutMs} ms timeout, expected one in time; ${retryNote('timeout')}`)
            : new ProbeFailure('deadline', `${origin}: no rate-limit token before the run's deadline, expected one in time; ${retryNote('deadline')}`);
        }
        clock.begin();
      },
    };
    try {
      outcome = await execute(ctx, check);
    } finally {
      clock.dispose();
    }
    if (!outcome.failure || !shouldRetry(outcome.failure, policy)) break;
  }
  if (!outcome) return skippedResult(planned, options, "the run's deadline passed");

  const assertions = [...outcome.assertions];
  let failure = outcome.failure;
  if (settings.maxMs !== null) {
    const entry = { ...responseTimeResult(settings.maxMs, outcome.durationMs), ok: outcome.durationMs <= settings.maxMs, expected: `<= ${settings.maxMs} ms` };
    assertions.push(entry);
    if (!entry.ok && !failure) {
      failure = { kind: 'assertion', message: `${check.id}: responseTime: expected <= ${settings.maxMs} ms (maxMs), got ${entry.actual}; ${retryNote('assertion')}`, retryable: false };
    }
  }
  const ok = failure === null;
  const result: CheckResult = {
    ...baseResult(planned, options, startedAt),
    ok,
    degraded: ok && settings.degradedMs !== null && outcome.durationMs > settings.degradedMs,
    durationMs: outcome.durationMs,
    phases: outcome.phases,
    status: outcome.status,
    bytes: outcome.bytes,
    certDaysRemaining: outcome.certDaysRemaining,
    assertions,
    failure,
    attempts,
    flaky: ok && attempts > 1,
  };
  return options.redactor.redactValue(result);
}
