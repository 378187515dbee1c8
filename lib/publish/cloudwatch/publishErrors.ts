// Why a PutMetricData attempt failed, as a value with a stable kind.

/** `timeout`: one attempt got no answer within its own timeout; `deadline`: the publish deadline ended it. */
export type PublishErrorKind = 'throttled' | 'server_error' | 'network' | 'timeout' | 'rejected' | 'deadline';

export interface PublishError {
  kind: PublishErrorKind;
  /** What failed, what was expected, what was received. */
  message: string;
  /** Whether sending the same datums again is safe and may succeed. */
  retryable: boolean;
  /** The service's error code, when there was an answer. */
  code?: string;
  status?: number;
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
]);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Throttling and 5xx are retryable: the answer says the write was not applied. "No answer at
 * all" (a refused, reset or dropped connection) is retried as well, though it is ambiguous:
 * a connection that dropped after CloudWatch applied the call means the retry sends the same
 * datums twice. A duplicate value shifts a period's statistics a little; a lost one leaves the
 * home region's alarms without data (the EMF fallback lands in the probe's region), so we take
 * the duplicate. Everything else (validation, access denied) will fail the same way again.
 */
export function classifyPublishError(error: unknown): PublishError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const text = typeof shape.message === 'string' ? shape.message : String(error);
  const status = shape.$metadata?.httpStatusCode;
  const received = `${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${text}`;
  if (name === 'AbortError') {
    return { kind: 'deadline', message: `PutMetricData: expected an answer before the deadline, received none; ${text}`, retryable: false, code: name };
  }
  if (THROTTLING_CODES.has(name) || status === 429) {
    return { kind: 'throttled', message: `PutMetricData: expected success, received throttling ${received}; retry is safe`, retryable: true, code: name, ...(status === undefined ? {} : { status }) };
  }
  if (status !== undefined && status >= 500) {
    return { kind: 'server_error', message: `PutMetricData: expected success, received server error ${received}; retry is safe`, retryable: true, code: name, status };
  }
  if (status === undefined) {
    const code = typeof shape.code === 'string' ? shape.code : name;
    return { kind: 'network', message: `PutMetricData: expected an HTTP answer, received a network error ${code}: ${text}; retrying, which sends the datums twice if CloudWatch applied the call before the connection failed`, retryable: true, code };
  }
  return { kind: 'rejected', message: `PutMetricData: expected success, received ${received}; retrying would fail the same way`, retryable: false, code: name, status };
}
