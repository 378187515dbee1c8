// The Lambda probe: runs one shard of the frozen fleet, logs every result, publishes
// metrics to the home region. Nothing is built at import time; the first invocation builds
// the fleet, clients and secret cache, and later invocations of the container reuse them.
import type { Context } from 'aws-lambda';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { PlannedCheck, RateLimiterRegistry, RequestLogSink, RunOptions } from '../runner/api.js';
import type { CheckResult } from '../model/result.js';
import { resolveSettings } from '../config/resolve.js';
import { Redactor } from '../secrets/secrets.js';
import type { SecretProvider } from '../secrets/secrets.js';
import { SecretsManagerProvider } from '../secrets/secretsManager.js';
import { aggregate, buildMetricDatums, isCutByDeadline, isSecretLookupFailure } from '../publish/cloudwatch/metricDatums.js';
import { DEFAULT_CERT_DAYS } from '../alerting/policy.js';
import type { Dimension } from '../publish/cloudwatch/metricDatums.js';
import { toEmfDocuments } from '../publish/cloudwatch/emf.js';
import { DEFAULT_NAMESPACE } from '../config/resolve.js';
import { publishMetrics } from '../publish/cloudwatch/publishMetrics.js';
import type { PublishOutcome, RetrySettings } from '../publish/cloudwatch/publishMetrics.js';
import type { FrozenFleet } from './frozenFleet.js';
import { loadFrozenFleet } from './frozenFleet.js';
import type { ShardTarget } from './shards.js';
import { findShard } from './shards.js';
import { parseProbeEvent } from './probeEvent.js';
import { invocationDeadlines } from './deadline.js';
import { skippedResult } from './skippedResult.js';
import { secretsWithDeadline } from './secretsWithDeadline.js';
import { invocationTimestamp } from './scheduledTime.js';
import { isFirstRunOfUtcDay } from './firstRunOfDay.js';
import { createRateLimiterRegistry } from '../runner/tokenBucket.js';

export type RunPlan = (items: PlannedCheck[], options: RunOptions) => Promise<CheckResult[]>;

/** Testing hooks: honoured only when set; Lambda never sets them. */
export const CLOUDWATCH_ENDPOINT_ENV = 'PROBE_CLOUDWATCH_ENDPOINT';
export const SECRETS_ENDPOINT_ENV = 'PROBE_SECRETS_ENDPOINT';

export interface ProbeHandlerDeps {
  fleet?: FrozenFleet;
  /** Directory holding `fleet.json` (the bundle's own directory). */
  fleetDir?: string;
  cloudWatch?: CloudWatchClient;
  secrets?: SecretProvider;
  /** Shared with `secrets` so every resolved value is redacted from the logs. */
  redactor?: Redactor;
  now?: () => number;
  /** One JSON line per call (stdout in Lambda). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  runPlan?: RunPlan;
  rateLimiters?: RateLimiterRegistry;
  /** Replaces the computed publishing margin (lib/lambda/deadline.ts). */
  marginMs?: number;
  publishRetry?: Partial<RetrySettings>;
  /** Waits out the shard's start offset (default: a timer); tests of other things skip the wait. */
  sleep?: (ms: number) => Promise<void>;
}

export type ProbeContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

export interface InvocationSummary {
  ok: boolean;
  shard: string | null;
  region: string;
  runId: string;
  checks: number;
  passed: number;
  failed: number;
  degraded: number;
  /** Not started before the run deadline. */
  skipped: number;
  /** Started, then cut by the run deadline: no verdict, published like skipped ones. */
  cut: number;
  /** Stopped by a failed secret lookup: no verdict, counted in SecretLookupFailures. */
  secretFailures: number;
  durationMs: number;
  publish: Pick<PublishOutcome, 'ok' | 'calls' | 'attempts' | 'published' | 'fallbackDatums' | 'emfLines'> & { error: string | null } | null;
  error: { kind: string; message: string } | null;
}

interface ContainerState {
  fleet: FrozenFleet;
  redactor: Redactor;
  secrets: SecretProvider;
  cloudWatch: CloudWatchClient;
  runPlan: RunPlan;
}

const CUT_WHY =
  "the invocation's run deadline cut this check before it finished (the probe ran out of time, not the check's own timeout): no Success, Duration or Degraded is published for it, it is counted in ChecksSkipped";

const SECRET_WHY = 'a secret lookup failed, so the check stopped before a verdict on its service: no Success, Duration or Degraded; counted in SecretLookupFailures';

const defaultLog = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export function createProbeHandler(deps: ProbeHandlerDeps = {}): (event: unknown, context: ProbeContext) => Promise<InvocationSummary> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? defaultLog;
  const env = deps.env ?? process.env;
  let state: Promise<ContainerState> | null = null;

  const build = async (): Promise<ContainerState> => {
    const fleet = deps.fleet ?? (await loadFrozenFleet(deps.fleetDir ?? '.'));
    const redactor = deps.redactor ?? new Redactor();
    const region = env.AWS_REGION ?? fleet.region;
    const secretsEndpoint = env[SECRETS_ENDPOINT_ENV];
    const secrets =
      deps.secrets ??
      new SecretsManagerProvider({
        // Built on the first secret lookup: shards without secrets never load that SDK client.
        client: async () => {
          const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
          return new SecretsManagerClient({ region, ...(secretsEndpoint ? { endpoint: secretsEndpoint } : {}) });
        },
        redactor,
      });
    const cloudWatchEndpoint = env[CLOUDWATCH_ENDPOINT_ENV];
    // The SDK loads here, on the first invocation, not at module initialisation.
    const cloudWatch =
      deps.cloudWatch ??
      // maxAttempts 1: publishMetrics owns retries, so nothing is retried behind its back.
      new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient({
        region: fleet.homeRegion,
        maxAttempts: 1,
        ...(cloudWatchEndpoint ? { endpoint: cloudWatchEndpoint } : {}),
      });
    const runPlan = deps.runPlan ?? (await import('../runner/runPlan.js')).runPlan;
    return { fleet, redactor, secrets, cloudWatch, runPlan };
  };

  return async function handler(event, context) {
    const start = now();
    const runId = context.awsRequestId;
    const remainingAtStart = context.getRemainingTimeInMillis();
    const parsed = parseProbeEvent(event);
    const baseRegion = env.AWS_REGION ?? deps.fleet?.region ?? 'unknown';
    const failed = (shard: string | null, region: string, fleet: FrozenFleet | null, error: { kind: string; message: string }): InvocationSummary => {
      const summary: InvocationSummary = {
        ok: false,
        shard,
        region,
        runId,
        checks: 0,
        passed: 0,
        failed: 0,
        degraded: 0,
        skipped: 0,
        cut: 0,
        secretFailures: 0,
        durationMs: now() - start,
        publish: null,
        error,
      };
      log(JSON.stringify({ level: 'error', event: 'invocation', ...summary }));
      // No checks run, so no ChecksRun either: without this count a stale schedule or a broken
      // bundle would only lower the heartbeat. EMF on stdout needs no network and no SDK.
      const dimensions: Dimension[] = [...(fleet ? [{ Name: 'Fleet', Value: fleet.name }] : []), { Name: 'Region', Value: region }];
      const datums = aggregate([{ name: 'InvocationErrors', dimensions, value: 1 }], new Date(Math.floor(start / 1000) * 1000));
      for (const document of toEmfDocuments(datums, fleet?.namespace ?? DEFAULT_NAMESPACE)) {
        // `errorKind` is a plain member, not a dimension: searchable in the logs, no extra metric to pay for.
        log(JSON.stringify({ ...document, errorKind: error.kind }));
      }
      return summary;
    };

    let container: ContainerState;
    try {
      state ??= build();
      container = await state;
    } catch (error) {
      // A broken bundle stays broken; still, the next invocation tries again rather than caching the failure.
      state = null;
      const kind = (error as { kind?: unknown }).kind;
      return failed(parsed.ok ? parsed.invocation.shard : null, baseRegion, deps.fleet ?? null, {
        kind: typeof kind === 'string' ? kind : 'init_failed',
        message: (error as Error).message,
      });
    }

    const { fleet, redactor } = container;
    const region = env.AWS_REGION ?? fleet.region;
    // Checked after the fleet is loaded, so that the InvocationErrors count names the fleet.
    if (!parsed.ok) return failed(null, region, fleet, parsed.error);
    const shard = findShard(fleet.shards, parsed.invocation.shard);
    if (!shard) {
      return failed(parsed.invocation.shard, region, fleet, {
        kind: 'unknown_shard',
        message: `probe event: expected one of the ${fleet.shards.length} shards frozen for ${fleet.region} (${fleet.shards.map((s) => s.id).slice(0, 5).join(', ')}${fleet.shards.length > 5 ? ', …' : ''}), received '${parsed.invocation.shard}'; the schedule and the bundle are from different deploys`,
      });
    }

    // Every datum carries the run's scheduled time, so a run that starts late in its minute, or
    // just after it, still lands in the period it was scheduled for (scheduledTime.ts).
    const stamp = invocationTimestamp(parsed.invocation.scheduledTime, start, shard.periodSeconds);
    if (stamp.warning) log(JSON.stringify({ level: 'warn', event: 'scheduled_time_fallback', shard: shard.id, message: redactor.redact(stamp.warning) }));
    // The run's slot is [scheduled + offset, scheduled + offset + period) (trafficPlan.ts): the
    // handler waits for its offset (at most the offset, when EventBridge fired early in the
    // minute) and stops starting checks before the slot ends, so two runs of one shard never
    // overlap and the shard's share of each origin's limit holds. A run delivered late in its
    // minute has less time; a run without the event's time (a manual invoke) keeps the old rule.
    const traffic = fleet.traffic;
    const offsetMs = (traffic?.offsetSeconds[shard.id] ?? 0) * 1000;
    let runStart = start;
    let slotEnd = Number.POSITIVE_INFINITY;
    let waitedMs = 0;
    if (traffic && stamp.source === 'event') {
      const slotStart = stamp.timestamp + offsetMs;
      slotEnd = slotStart + shard.periodSeconds * 1000;
      const waitMs = Math.min(offsetMs, slotStart - now());
      if (waitMs > 0) {
        await (deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))))(waitMs);
        waitedMs = waitMs;
      }
      runStart = now();
    }
    const deadlines = invocationDeadlines(runStart, Math.min(remainingAtStart - (runStart - start), slotEnd - runStart), shard.periodSeconds, deps.marginMs);
    // A deployed run gets its planned share of each origin's limit, not the whole limit.
    const rateLimiters =
      deps.rateLimiters ?? (traffic ? createRateLimiterRegistry(fleet.fleet, { budgets: traffic.budgets[shard.id] ?? {}, unplannedDivisor: traffic.unplannedDivisor }) : undefined);
    const checksById = new Map(fleet.fleet.checks.map((check) => [check.id, check]));
    const planned: PlannedCheck[] = [];
    const missing: ShardTarget[] = [];
    for (const target of shard.targets) {
      const check = checksById.get(target.checkId);
      if (check) planned.push({ check, environment: target.environment });
      else missing.push(target);
    }

    const logged = new Set<string>();
    const keyOf = (r: { checkId: string; environment: string }): string => `${r.checkId}\u0000${r.environment}`;
    const logResult = (result: CheckResult): void => {
      logged.add(keyOf(result));
      const skipped = result.skipped === true;
      if (isCutByDeadline(result)) {
        // The metrics leave this check out, so the log is the one place that says why.
        log(JSON.stringify({ level: 'warn', event: 'check_cut', shard: shard.id, why: CUT_WHY, ...redactor.redactValue(result) }));
        return;
      }
      if (isSecretLookupFailure(result)) {
        log(JSON.stringify({ level: 'warn', event: 'check_secret_unavailable', shard: shard.id, why: SECRET_WHY, ...redactor.redactValue(result) }));
        return;
      }
      log(JSON.stringify({ level: skipped || !result.ok ? 'warn' : 'info', event: skipped ? 'check_skipped' : 'check_result', shard: shard.id, ...redactor.redactValue(result) }));
    };
    const requestLog: RequestLogSink = {
      write(entry) {
        log(JSON.stringify({ level: 'info', event: 'request', shard: shard.id, ...redactor.redactValue(entry) }));
      },
    };

    let results: CheckResult[];
    let runError: { kind: string; message: string } | null = null;
    try {
      results = await container.runPlan(planned, {
        fleet: fleet.fleet,
        runId,
        location: region,
        secrets: secretsWithDeadline(container.secrets, deadlines.runDeadline),
        redactor,
        requestLog,
        deadline: deadlines.runDeadline,
        ...(rateLimiters ? { rateLimiters } : {}),
        onCheckEnd: logResult,
      });
    } catch (error) {
      // The runner promises never to throw; if it does, every target is reported, not lost.
      runError = { kind: 'run_failed', message: redactor.redact(`runner failed: ${(error as Error).message}`) };
      log(JSON.stringify({ level: 'error', event: 'run_failed', shard: shard.id, ...runError }));
      results = [];
    }
    const seen = new Set(results.map(keyOf));
    const unaccounted = [...missing, ...planned.map((p) => ({ checkId: p.check.id, environment: p.environment }))].filter((t) => !seen.has(keyOf(t)));
    for (const target of unaccounted) {
      results.push(skippedResult(target, { runId, location: region, startedAt: new Date(start).toISOString(), reason: runError ? 'the runner failed' : 'the check is not in the frozen fleet' }));
    }
    for (const result of results) if (!logged.has(keyOf(result))) logResult(result);

    let outcome: PublishOutcome;
    try {
      const datums = buildMetricDatums({
        fleet: fleet.name,
        region,
        results,
        environmentCount: (checkId) => {
          const check = checksById.get(checkId);
          return check ? resolveSettings(fleet.fleet, check).environments.length : 1;
        },
        detailedTimings: (checkId) => checksById.get(checkId)?.detailedTimings === true,
        timestamp: new Date(stamp.timestamp),
        certificateEndpoints: (checkId, environment) => fleet.certificateEndpoints?.[checkId]?.[environment] ?? [],
        certificates: {
          everyEndpoint: isFirstRunOfUtcDay(shard.periodSeconds, fleet.firstRunMinuteOfDay?.[shard.id], stamp.timestamp),
          warningDays: fleet.certificateWarningDays ?? DEFAULT_CERT_DAYS.chat,
        },
      });
      outcome = await publishMetrics({
        client: container.cloudWatch,
        namespace: fleet.namespace,
        fleet: fleet.name,
        region,
        datums,
        deadline: deadlines.publishDeadline,
        write: log,
        now,
        ...(deps.publishRetry ? { retry: deps.publishRetry } : {}),
      });
    } catch (error) {
      // A bug here must still leave the invocation line: the audit trail names what ran.
      const message = redactor.redact(`metrics were not published: ${(error as Error).message}`);
      log(JSON.stringify({ level: 'error', event: 'metrics_publish_failed', kind: 'internal', message, retryable: false }));
      outcome = { ok: false, calls: 0, attempts: 0, datums: 0, published: 0, fallbackDatums: 0, emfLines: 0, error: { kind: 'rejected', message, retryable: false } };
    }

    const skipped = results.filter((r) => r.skipped === true).length;
    const cut = results.filter(isCutByDeadline).length;
    const secretFailures = results.filter(isSecretLookupFailure).length;
    const ran = results.filter((r) => r.skipped !== true && !isCutByDeadline(r) && !isSecretLookupFailure(r));
    const summary: InvocationSummary = {
      ok: runError === null && outcome.ok && ran.every((r) => r.ok) && skipped === 0 && cut === 0 && secretFailures === 0,
      shard: shard.id,
      region,
      runId,
      checks: results.length,
      passed: ran.filter((r) => r.ok).length,
      failed: ran.filter((r) => !r.ok).length,
      degraded: ran.filter((r) => r.degraded).length,
      skipped,
      cut,
      secretFailures,
      durationMs: now() - start,
      publish: {
        ok: outcome.ok,
        calls: outcome.calls,
        attempts: outcome.attempts,
        published: outcome.published,
        fallbackDatums: outcome.fallbackDatums,
        emfLines: outcome.emfLines,
        error: outcome.error ? redactor.redact(outcome.error.message) : null,
      },
      error: runError,
    };
    log(
      JSON.stringify({
        level: summary.ok ? 'info' : 'warn',
        event: 'invocation',
        ...summary,
        source: parsed.invocation.source,
        ...(parsed.invocation.scheduledTime !== undefined ? { scheduledTime: parsed.invocation.scheduledTime.slice(0, 64) } : {}),
        timestamp: new Date(stamp.timestamp).toISOString(),
        timestampSource: stamp.source,
        deadlineMs: deadlines.runDeadline - start,
        ...(traffic ? { offsetMs, waitedMs } : {}),
      }),
    );
    return summary;
  };
}
