// What one execution of one check produced. Plain data: reporters, publishers,
// stores and alarm evaluation all read this shape and nothing else.

export type FailureKind =
  | 'dns'
  | 'connect_refused'
  | 'connect_timeout'
  | 'tls_expired'
  | 'tls_untrusted'
  | 'tls_hostname'
  | 'tls_handshake'
  | 'timeout'
  | 'reset'
  | 'assertion'
  | 'body_too_large'
  | 'redirect_loop'
  | 'invalid_json'
  | 'guard_blocked'
  | 'deadline'
  | 'version_mismatch'
  /**
   * The check could not look up a secret it needs (Secrets Manager unavailable, throttled,
   * access denied) and stopped there: the result is no verdict on the service.
   */
  | 'secret_unavailable'
  | 'internal';

export interface Failure {
  kind: FailureKind;
  /** What failed, what was expected, what was received. Secrets already redacted. */
  message: string;
  /** Whether running the same check again is safe and may succeed. */
  retryable: boolean;
  /** The flow step that failed, by name. */
  step?: string;
}

export interface AssertionResult {
  /** Gatus-style readable condition, e.g. `status == 200` or `$.status == "ok"`. */
  description: string;
  ok: boolean;
  expected: string;
  actual: string;
}

/**
 * Phase timings in milliseconds, contiguous and adding up to `durationMs`:
 * dns (name resolution) → connect (TCP handshake) → tls (TLS handshake) →
 * ttfb (request written until the first response byte) → transfer (first byte to last byte read).
 * Phases a check does not have (no TLS on plain HTTP) are 0.
 */
export interface Phases {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  ttfbMs: number;
  transferMs: number;
}

export interface CheckResult {
  checkId: string;
  environment: string;
  /** Where it ran: `local`, or an AWS region. */
  location: string;
  runId: string;
  /** ISO-8601 time the first attempt started. */
  startedAt: string;
  ok: boolean;
  /** Passed, but slower than `degradedMs`. */
  degraded: boolean;
  durationMs: number;
  phases: Phases;
  /** HTTP status of the last response, or null. */
  status: number | null;
  bytes: number;
  certDaysRemaining: number | null;
  assertions: AssertionResult[];
  failure: Failure | null;
  attempts: number;
  /** Passed only after a retry. */
  flaky: boolean;
  /** Set when the check could not start before the run's deadline. */
  skipped?: boolean;
  /** Version the service reported, when a version source was consulted. */
  version?: string;
}

/** Failure kinds that a retry may cure without risk of doing harm. */
export const RETRYABLE_KINDS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  'dns',
  'connect_refused',
  'connect_timeout',
  'timeout',
  'reset',
  'tls_handshake',
]);
