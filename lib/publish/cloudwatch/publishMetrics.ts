// Publishes an invocation's datums to the fleet's home region. Our own retries are the
// only retries (the client must be built with maxAttempts: 1), so a datum is sent again
// only after an answer that says it was not taken, or after no answer at all (then it may
// arrive twice: see classifyPublishError). Every attempt has its own timeout, so one hung
// connection costs one attempt, not the whole publish window; retries go on, with backoff,
// while an attempt can still start before the deadline. Whatever is still unpublished at the
// end is written to stdout as EMF, so CloudWatch Logs extracts it in the probe's region.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { batchDatums, PUT_METRIC_DATA_LIMITS } from './batch.js';
import type { BatchLimits } from './batch.js';
import { toEmfDocuments } from './emf.js';
import type { MetricDatum } from './metricDatums.js';
import { aggregate } from './metricDatums.js';
import { classifyPublishError } from './publishErrors.js';
import type { PublishError } from './publishErrors.js';

export interface RetrySettings {
  /** First backoff ceiling; doubles per retry (full jitter picks uniformly below it). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** An attempt is not started with less than this left before the deadline. */
  minAttemptMs: number;
  /**
   * One attempt is aborted after this long (or at the deadline, if sooner). A PutMetricData
   * call answers in well under a second; a connection that accepted the request and never
   * answers would otherwise hold the whole publish window.
   */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { baseDelayMs: 100, maxDelayMs: 5_000, minAttemptMs: 250, attemptTimeoutMs: 3_000 };

export interface PublishRequest {
  client: Pick<CloudWatchClient, 'send'>;
  namespace: string;
  /** Dimensions of the PublishFailures metric: the fleet and the probe's region. */
  fleet: string;
  region: string;
  datums: readonly MetricDatum[];
  /** Epoch ms: no attempt starts, and no wait ends, after this. */
  deadline: number;
  /** Where EMF and the error line go (stdout in Lambda). */
  write: (line: string) => void;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The signal that ends one attempt after `ms` (default `AbortSignal.timeout`). A signal, not
   * the SDK's requestHandler timeouts: the Lambda runtime brings its own SDK version, and in
   * @smithy/node-http-handler 4.x `requestTimeout` only logs a warning unless
   * `throwOnRequestTimeout` is set, while an aborted signal ends the request (and destroys its
   * socket) in every v3 version.
   */
  attemptSignal?: (ms: number) => AbortSignal;
  retry?: Partial<RetrySettings>;
  limits?: BatchLimits;
}

export interface PublishOutcome {
  ok: boolean;
  /** PutMetricData calls that succeeded. */
  calls: number;
  /** Every attempt made, successful or not. */
  attempts: number;
  datums: number;
  published: number;
  /** Datums written as EMF instead. */
  fallbackDatums: number;
  emfLines: number;
  /** The last error of the first batch that could not be published. */
  error: PublishError | null;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function publishMetrics(request: PublishRequest): Promise<PublishOutcome> {
  const now = request.now ?? Date.now;
  const random = request.random ?? Math.random;
  const sleep = request.sleep ?? defaultSleep;
  const attemptSignal = request.attemptSignal ?? ((ms: number) => AbortSignal.timeout(ms));
  const retry = { ...DEFAULT_RETRY, ...request.retry };
  let batches: MetricDatum[][];
  let unsendable: PublishError | null = null;
  try {
    batches = batchDatums(request.datums, request.namespace, request.limits ?? PUT_METRIC_DATA_LIMITS);
  } catch (error) {
    // No call could carry them; they still reach CloudWatch through EMF below.
    batches = [];
    unsendable = { kind: 'rejected', message: (error as Error).message, retryable: false };
  }
  const outcome: PublishOutcome = {
    ok: true,
    calls: 0,
    attempts: 0,
    datums: request.datums.length,
    published: 0,
    fallbackDatums: 0,
    emfLines: 0,
    error: null,
  };
  const unpublished: MetricDatum[] = unsendable ? [...request.datums] : [];
  outcome.error = unsendable;
  // Loaded on first use, not at import: a Lambda cold start should not pay for the SDK before it needs it.
  const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');

  for (const batch of batches) {
    let failure: PublishError | null = null;
    for (let retryIndex = 0; ; retryIndex++) {
      const left = request.deadline - now();
      if (left < retry.minAttemptMs) {
        failure = endedByDeadline(
          failure,
          `PutMetricData: expected ${retry.minAttemptMs} ms for an attempt before the deadline, ${Math.max(0, left)} ms were left`,
        );
        break;
      }
      const budget = Math.min(retry.attemptTimeoutMs, left);
      const signal = attemptSignal(budget);
      outcome.attempts++;
      try {
        await request.client.send(new PutMetricDataCommand({ Namespace: request.namespace, MetricData: batch }), { abortSignal: signal });
        failure = null;
        outcome.calls++;
        outcome.published += batch.length;
        break;
      } catch (error) {
        if (signal.aborted) {
          // Our own timer ended the attempt: the deadline (nothing more may be sent) or the
          // attempt's timeout (a hung connection: retried on a new one, the old socket is destroyed).
          failure = budget < left ? attemptTimedOut(budget) : endedByDeadline(failure, `PutMetricData: expected an answer before the deadline, received none within ${budget} ms`);
        } else {
          failure = classifyPublishError(error);
        }
        if (!failure.retryable) break;
        const latestStart = request.deadline - retry.minAttemptMs;
        if (now() >= latestStart) {
          failure = { ...failure, retryable: false, message: `${failure.message}; gave up: no time for another attempt before the deadline` };
          break;
        }
        // A wait that would pass the last start is cut short, not skipped: retries end at the
        // deadline, not up to one maximum backoff before it.
        const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** retryIndex);
        await sleep(Math.min(Math.floor(random() * ceiling), latestStart - now()));
      }
    }
    if (failure) {
      unpublished.push(...batch);
      outcome.error ??= failure;
    }
  }

  if (unpublished.length > 0) {
    outcome.ok = false;
    outcome.fallbackDatums = unpublished.length;
    const error = outcome.error!;
    request.write(
      JSON.stringify({
        level: 'error',
        event: 'metrics_publish_failed',
        kind: error.kind,
        message: error.message,
        retryable: error.retryable,
        ...(error.code === undefined ? {} : { code: error.code }),
        ...(error.status === undefined ? {} : { status: error.status }),
        unpublishedDatums: unpublished.length,
        fallback: 'emf',
      }),
    );
    const timestamp = unpublished[0]!.Timestamp;
    const failureDatum = aggregate(
      [{ name: 'PublishFailures', dimensions: [{ Name: 'Fleet', Value: request.fleet }, { Name: 'Region', Value: request.region }], value: 1 }],
      timestamp,
    );
    for (const document of toEmfDocuments([...unpublished, ...failureDatum], request.namespace)) {
      request.write(JSON.stringify(document));
      outcome.emfLines++;
    }
  }
  return outcome;
}

/** No answer within the attempt's own timeout: as ambiguous as a dropped connection, and as retryable. */
function attemptTimedOut(budgetMs: number): PublishError {
  return {
    kind: 'timeout',
    message: `PutMetricData: expected an answer within ${budgetMs} ms (the per-attempt timeout), received none; retrying on a new connection, which sends the datums twice if CloudWatch applied the call before the answer was lost`,
    retryable: true,
  };
}

/**
 * When the deadline ends a run of failed attempts, the error names their cause (a throttle,
 * a 500) rather than the clock: the cause is what on-call needs to read in the error line.
 */
function endedByDeadline(previous: PublishError | null, why: string): PublishError {
  if (previous === null) return { kind: 'deadline', message: why, retryable: false };
  return { ...previous, retryable: false, message: `${previous.message}; gave up: ${why}` };
}
