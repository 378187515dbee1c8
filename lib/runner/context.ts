// What an executor (http, flow, tls, dns, tcp) gets for one attempt of one check,
// and what it gives back. runCheck builds the first and turns the second into a result.
import type { Check, Environment, Fleet } from '../model/fleet.js';
import type { AssertionResult, BrowserReport, Failure, Phases } from '../model/result.js';
import type { ResolvedSettings } from '../config/resolve.js';
import type { RequestLogEntry, RunOptions } from './api.js';
import type { AttemptClock } from './clock.js';
import type { Values } from './values.js';

export interface AttemptContext {
  fleet: Fleet;
  check: Check;
  environmentName: string;
  environment: Environment;
  options: RunOptions;
  settings: ResolvedSettings;
  attempt: number;
  clock: AttemptClock;
  values: Values;
  /** Writes one request log entry, filling run, check and attempt, redacting the URL and error. */
  log(entry: Pick<RequestLogEntry, 'method' | 'url' | 'status' | 'durationMs'> & { step?: string; error?: string; startedAt: number }): void;
  /**
   * Waits for a rate-limit token for this origin (the check's timeout paused meanwhile);
   * throws a `deadline` failure naming the limiter, and logs the refusal, when none comes
   * before the run's deadline. Starts the clock.
   */
  acquire(origin: string, request?: { method: string; url: string; step?: string }): Promise<void>;
}

export interface AttemptOutcome {
  phases: Phases;
  durationMs: number;
  status: number | null;
  bytes: number;
  certDaysRemaining: number | null;
  assertions: AssertionResult[];
  failure: Failure | null;
  /** Set by the browser executor only. */
  browser?: BrowserReport;
}

export function zeroPhases(): Phases {
  return { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, transferMs: 0 };
}

const sum = (a: number, b: number): number => Math.round((a + b) * 1000) / 1000;

export function addPhases(a: Phases, b: Phases): Phases {
  return {
    dnsMs: sum(a.dnsMs, b.dnsMs),
    connectMs: sum(a.connectMs, b.connectMs),
    tlsMs: sum(a.tlsMs, b.tlsMs),
    ttfbMs: sum(a.ttfbMs, b.ttfbMs),
    transferMs: sum(a.transferMs, b.transferMs),
  };
}
