// The runner's contract with everything that uses it (CLI, Lambda probe, release
// verification, local monitor). Implemented in runCheck.ts and runPlan.ts.
import type { Check, Fleet, RetryPolicy } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { Redactor, SecretProvider } from '../secrets/secrets.js';
import type { ArtifactSink } from './browserArtifacts.js';
import type { BrowserProvider } from './browserLaunch.js';

/** One structured line per HTTP/TCP/TLS/DNS request, for the audit trail. Already redacted. */
export interface RequestLogEntry {
  time: string;
  runId: string;
  checkId: string;
  environment: string;
  location: string;
  step?: string;
  attempt: number;
  method: string;
  /** URL with secret values redacted. */
  url: string;
  status: number | null;
  durationMs: number;
  error?: string;
}

export interface RequestLogSink {
  write(entry: RequestLogEntry): void;
}

/** One check against one environment. */
export interface PlannedCheck {
  check: Check;
  environment: string;
}

export interface RunOptions {
  fleet: Fleet;
  runId: string;
  /** `local` or an AWS region. */
  location: string;
  secrets: SecretProvider;
  redactor: Redactor;
  requestLog: RequestLogSink;
  /** Epoch ms by which the whole run must end; checks not started by then are skipped. */
  deadline?: number;
  /** Checks running at once (default: fleet.defaults.concurrency or 8). */
  concurrency?: number;
  /** Replaces the environment's baseUrl (`--base-url`). */
  baseUrlOverride?: string;
  /**
   * Pins hostnames to addresses, like curl's --resolve: requests for the host connect to
   * the given address while TLS still verifies the hostname (e.g. one node behind a load balancer).
   */
  hostAddresses?: Readonly<Record<string, string>>;
  /** Overrides the retry policy of every check (verify retries each failure once). */
  retriesOverride?: Partial<RetryPolicy>;
  /** Rate limiters keyed by origin; pass the same registry to share limits across runs. */
  rateLimiters?: RateLimiterRegistry;
  signal?: AbortSignal;
  onCheckEnd?: (result: CheckResult) => void;
  /** Chromium for browser checks; without it each browser attempt launches and closes its own. */
  browser?: BrowserProvider;
  /** Where a failed browser check's screenshot (and trace) go; without it none is kept. */
  artifacts?: ArtifactSink;
}

export interface RateLimiterRegistry {
  /** Waits for a token for this origin; resolves false when the deadline or signal comes first. */
  acquire(origin: string, environment: string, deadline: number, signal?: AbortSignal): Promise<boolean>;
  /** The limit behind an origin's bucket, to name it when a request is refused. */
  describe?(origin: string): { requestsPerSecond: number; burst: number } | undefined;
}

export interface CheckFilter {
  tags?: string[];
  /** Regular expression matched against id and name. */
  grep?: string;
  environments?: string[];
  /** Only checks that run in this region (Lambda shards). */
  region?: string;
  ids?: string[];
}
