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
  /** A browser check: the element the failing action or expectation waited for, e.g. `locator('#submit')`. */
  selector?: string;
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
  /** What a browser check saw: steps, console errors, failed and blocked requests, vitals, artifacts. */
  browser?: BrowserReport;
}

/** One `step(name, fn)` of a browser journey. */
export interface BrowserStep {
  name: string;
  /** From the start of the journey (the first navigation) to the step's start. */
  startMs: number;
  durationMs: number;
  ok: boolean;
}

/** A request the page made that failed, answered 4xx/5xx, or that the guards stopped. */
export interface BrowserRequestNote {
  method: string;
  /** Redacted. */
  url: string;
  /** HTTP status, or null when no response came. */
  status: number | null;
  /** Why it failed or was blocked (net::ERR_…, or the guard's reason). */
  reason: string;
  step?: string;
}

export interface BrowserReport {
  /** The URL the page was on at the end (redacted). */
  finalUrl: string | null;
  steps: BrowserStep[];
  /** Console messages of type error and uncaught page errors, redacted, at most 20. */
  consoleErrors: string[];
  /** At most 20. */
  failedRequests: BrowserRequestNote[];
  /** Requests aborted in the browser: writes without sideEffects, forbidden paths, our rate limit. */
  blockedRequests: BrowserRequestNote[];
  /** Requests the page sent (after the guards). */
  requests: number;
  /** Core Web Vitals of the last document, where the browser reported them (null otherwise). */
  vitals: { lcpMs: number | null; cls: number | null };
  /** Where the failure screenshot and trace were written (a file path, or an s3:// URL). */
  screenshot?: string;
  trace?: string;
  /** Why an artifact was not kept (no artifacts destination, a trace that saw a secret…). */
  artifactNote?: string;
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
