// Rate limiting per target origin. One registry serves a whole run, so every check,
// flow step, redirect and retry that reaches the same origin draws from one bucket.
import type { Fleet } from '../model/fleet.js';
import { rateLimitFor } from '../config/resolve.js';
import type { RateLimiterRegistry } from './api.js';

/**
 * A token bucket that hands out reservations in arrival order: each caller is told
 * when its token will exist and waits until then. Tokens of callers that give up are
 * not handed back, which only ever makes the limiter stricter, never looser.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly requestsPerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Reserves one token and returns how many milliseconds to wait before using it. */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.requestsPerSecond);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.requestsPerSecond) * 1000;
  }

  /** Waits for a token; resolves false (token forfeited) when the deadline or signal comes first. */
  async acquire(deadline: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    const waitMs = this.reserve();
    if (waitMs <= 0) return true;
    if (Date.now() + waitMs > deadline) return false;
    const due = this.now() + waitMs;
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (granted: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(granted);
      };
      const onAbort = (): void => {
        done(false);
      };
      // Timers count from the event loop's cached time, so after a busy loop turn they
      // can fire a few milliseconds early; wait out the rest rather than grant early.
      const wake = (): void => {
        const left = due - this.now();
        if (left > 0) timer = setTimeout(wake, Math.ceil(left));
        else done(true);
      };
      timer = setTimeout(wake, Math.ceil(waitMs));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * A deployed run's share of each origin's limit (lib/lambda/trafficPlan.ts): the whole fleet's
 * runs together then stay within the limit a team wrote, not one limit per run.
 */
export interface RateLimitShares {
  /** Per origin: this run's requests per second and burst. */
  budgets: Readonly<Record<string, { requestsPerSecond: number; burst: number }>>;
  /** An origin missing from `budgets` gets its limit divided by this (every run that could reach it). */
  unplannedDivisor: number;
}

export function createRateLimiterRegistry(fleet: Fleet, shares?: RateLimitShares): RateLimiterRegistry {
  const buckets = new Map<string, TokenBucket>();
  return {
    acquire(origin, environment, deadline, signal) {
      let bucket = buckets.get(origin);
      if (!bucket) {
        const planned = shares?.budgets[origin];
        const whole = strictestLimit(fleet, origin, environment);
        const divisor = Math.max(1, shares?.unplannedDivisor ?? 1);
        const limit = planned ?? { requestsPerSecond: whole.requestsPerSecond / divisor, burst: whole.burst / divisor };
        bucket = new TokenBucket(limit.requestsPerSecond, limit.burst);
        buckets.set(origin, bucket);
      }
      return bucket.acquire(deadline, signal);
    },
    describe(origin) {
      const bucket = buckets.get(origin);
      return bucket ? { requestsPerSecond: bucket.requestsPerSecond, burst: bucket.burst } : undefined;
    },
  };
}

/**
 * Several environments may name one origin (two sites behind one host); the service behind
 * it gets the strictest of their limits, whichever environment's check arrives first.
 */
function strictestLimit(fleet: Fleet, origin: string, environment: string): { requestsPerSecond: number; burst: number } {
  const limits = [rateLimitFor(fleet, environment)];
  for (const [name, env] of Object.entries(fleet.environments)) {
    try {
      if (originOf(new URL(env.baseUrl)) === origin) limits.push(rateLimitFor(fleet, name));
    } catch {
      // An unparseable baseUrl was already reported by validation; it names no origin.
    }
  }
  return {
    requestsPerSecond: Math.min(...limits.map((l) => l.requestsPerSecond)),
    burst: Math.min(...limits.map((l) => l.burst)),
  };
}

/** `scheme://host:port` with the default port spelled out, so equal origins share a bucket. */
export function originOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return `${url.protocol}//${url.hostname}:${port}`;
}
