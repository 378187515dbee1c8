// Runs one check against one environment into a CheckResult. Never throws, never
// prints: retries, the per-check timeout, the run's deadline, rate limiting, guards and
// redaction all happen here or below, and the caller only ever sees a value.
import type { Check, RetryPolicy } from '../model/fleet.js';
import type { CheckResult, Failure } from '../model/result.js';
import { resolveSettings } from '../config/resolve.js';
import type { PlannedCheck, RateLimiterRegistry, RunOptions } from './api.js';
import { responseTimeResult } from './assertions.js';
import { AttemptClock, onAbort } from './clock.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { zeroPhases } from './context.js';
import { runBrowserCheck } from './browser.js';
import { runDnsCheck } from './dns.js';
import { ProbeFailure, retryNote } from './failure.js';
import { runFlow } from './flow.js';
import { runHttpCheck } from './http.js';
import { runTcpCheck } from './tcp.js';
import { runTlsCheck } from './tls.js';
import { createRateLimiterRegistry } from './tokenBucket.js';
import { Values } from './values.js';

/** What to change when our own rate limiter starved a check: running it again as is does not help. */
const STARVED_NOTE = "a retry will not help unless the run's deadline is longer or the origin's rateLimit higher";

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
    case 'browser':
      return runBrowserCheck(ctx, check);
  }
}

/** Waits out a backoff; false when the run's deadline or the signal would come first. */
function backoff(ms: number, deadline: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted || (deadline !== undefined && Date.now() + ms >= deadline)) return Promise.resolve(false);
  const due = performance.now() + ms;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const detach = onAbort(signal, () => {
      clearTimeout(timer);
      resolve(false);
    });
    // Timers can fire a little early after a busy event-loop turn; the backoff is a promise to the service.
    const wake = (): void => {
      const left = due - performance.now();
      if (left > 0) {
        timer = setTimeout(wake, Math.ceil(left));
        return;
      }
      detach();
      resolve(true);
    };
    timer = setTimeout(wake, ms);
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
export function skippedResult(planned: PlannedCheck, options: RunOptions, reason: string, note: string = retryNote('deadline')): CheckResult {
  return options.redactor.redactValue({
    ...baseResult(planned, options, new Date().toISOString()),
    skipped: true,
    failure: { kind: 'deadline', message: `${planned.check.id} @ ${planned.environment}: not started, ${reason}; ${note}`, retryable: false },
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
    let starvedBeforeStart: string | null = null;
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
      async acquire(origin, request) {
        // Our own limiter's wait is not the service's time: the check's timeout is paused
        // and only the run's deadline (or the signal) bounds the wait.
        const waitStartedAt = Date.now();
        clock.pause();
        const granted = await limiter.acquire(origin, environmentName, options.deadline ?? Number.POSITIVE_INFINITY, clock.signal);
        clock.resume();
        if (!granted) {
          const limit = limiter.describe?.(origin);
          const limiterName = `the rate limiter of ${origin}${limit ? ` (${limit.requestsPerSecond} requests/s, burst ${limit.burst})` : ''}`;
          const why = clock.cause === 'aborted' || options.signal?.aborted ? 'before the run was stopped' : "before the run's deadline";
          const message = `rate-limited: ${limiterName} had no token for ${request?.method ?? 'the request'} ${request?.url ?? origin} ${why}, expected one in time; our own limit held the request back, the service was not asked`;
          // A refusal is a request we meant to send: the audit trail shows it, with the wait.
          ctx.log({
            startedAt: waitStartedAt,
            ...(request?.step === undefined ? {} : { step: request.step }),
            method: request?.method ?? 'GET',
            url: request?.url ?? origin,
            status: null,
            durationMs: Date.now() - waitStartedAt,
            error: `rate_limited: ${message}`,
          });
          if (!clock.started) starvedBeforeStart = message;
          throw new ProbeFailure('deadline', `${message}; ${STARVED_NOTE}`);
        }
        clock.begin();
      },
    };
    let attemptOutcome: AttemptOutcome;
    try {
      attemptOutcome = await execute(ctx, check);
    } finally {
      clock.dispose();
    }
    // An attempt whose first request never got a token never started: the service was not
    // asked. On the first attempt the check is skipped (rate-limited); on a retry, the
    // previous attempt's outcome stands.
    if (starvedBeforeStart !== null) {
      if (attempt === 1) return skippedResult(planned, options, starvedBeforeStart, STARVED_NOTE);
      attempts = attempt - 1;
      break;
    }
    outcome = attemptOutcome;
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
    ...(outcome.browser === undefined ? {} : { browser: outcome.browser }),
  };
  return options.redactor.redactValue(result);
}
