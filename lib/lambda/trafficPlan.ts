// One rate limit per origin for the whole deployed fleet. Every shard of every region keeps its
// own token bucket per run, so a limit given to each bucket whole would be multiplied by the
// number of runs that reach the origin. The planner sees every shard of every region and gives
// each run a share of the origin's budget instead:
//
//   share_i = d_i / D            d_i: requests one run of shard i sends the origin, D: their sum
//   rate_i  = requestsPerSecond × share_i,  burst_i = burst × share_i
//
// The runs of every shard are counted as concurrent (a run's slot is a whole period long, so any
// two schedules overlap somewhere); runs of one shard never overlap (probeHandler.ts: a run ends
// by its scheduled time + offset + period, and the next one starts no earlier than that). A token
// bucket grants at most burst_i + rate_i requests in any one-second window, so all runs together
// grant at most burst + requestsPerSecond: the declared limit plus its burst, never more.
//
// Each shard also gets a fixed offset into its period, from a hash of its id, so shards spread
// their starts instead of all firing at :00 (see shardOffsetSeconds).
import type { Check, Environment, Fleet, RateLimit } from '../model/fleet.js';
import { rateLimitFor, resolveSettings } from '../config/resolve.js';
import { invocationDeadlines } from './deadline.js';
import type { Shard } from './shards.js';

/** A run's share of one origin's budget. */
export interface OriginBudget {
  requestsPerSecond: number;
  burst: number;
}

/** What the probe of one region needs at run time (frozen into its bundle). */
export interface FrozenTraffic {
  /** Per shard id: seconds after its scheduled time at which its run starts. */
  offsetSeconds: Record<string, number>;
  /** Per shard id, per origin (`scheme://host:port`): that shard's share of the origin's limit. */
  budgets: Record<string, Record<string, OriginBudget>>;
  /**
   * An origin the plan could not see (a host behind a secret, a redirect elsewhere) gets its
   * environment's limit divided by this: every shard of every region, the most that could reach it.
   */
  unplannedDivisor: number;
}

export interface OriginTraffic {
  origin: string;
  /** The origin's limit: the strictest of the environments that reach it or name it as baseUrl. */
  requestsPerSecond: number;
  burst: number;
  /**
   * The most requests the whole fleet can send the origin in any one-second window, all shards
   * and regions together: at most burst + requestsPerSecond (the buckets' bound), and never more
   * than every run's first attempts, redirects and retries sent at once.
   */
  peakPerSecond: number;
  /** First-attempt requests per round: one run of every shard that reaches the origin, summed. */
  requestsPerRound: number;
  /** First-attempt requests per second on average over time (each shard's requests per run ÷ its period). */
  averagePerSecond: number;
  shards: number;
  regions: string[];
  /** Check ids that reach the origin, in fleet order. */
  checks: string[];
  /** Environments whose checks reach the origin, sorted. */
  environments: string[];
  /** Seconds every run needs to send its share at its rate once its burst is spent: (D − burst) / requestsPerSecond. */
  secondsNeeded: number;
  /** The shortest run window among the shards that reach the origin (period − largest offset − margin). */
  secondsAvailable: number;
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** `scheme://host:port`, as lib/runner/tokenBucket.ts originOf keys its buckets. */
function originOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** `{{name}}` from the environment's plain variables; null when a secret or a flow value fills it. */
function fillStatic(text: string, environment: Environment): string | null {
  let unknown = false;
  const filled = text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = environment.variables?.[name];
    if (typeof value === 'string') return value;
    unknown = true;
    return '';
  });
  return unknown ? null : filled;
}

/** The URL the runner requests (lib/runner/http.ts joinUrl). */
function requestUrl(base: string, url: string): URL | null {
  try {
    if (ABSOLUTE.test(url)) return new URL(url);
    return new URL(`${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`);
  } catch {
    return null;
  }
}

/**
 * Requests one run of a check sends each origin it can name before the run: first attempts, and
 * separately the most it may send with redirects (to the same origin, an upper bound) and retries.
 * Hosts hidden behind a secret or an extracted value are left out (unplannedDivisor covers them).
 */
export function originRequests(fleet: Pick<Fleet, 'environments'>, check: Check, environmentName: string, retries: number): Map<string, { first: number; most: number }> {
  const out = new Map<string, { first: number; most: number }>();
  const environment = fleet.environments[environmentName];
  if (!environment) return out;
  const add = (origin: string, redirects: number): void => {
    const entry = out.get(origin) ?? { first: 0, most: 0 };
    entry.first += 1;
    entry.most += (1 + redirects) * (1 + retries);
    out.set(origin, entry);
  };
  const base = fillStatic(environment.baseUrl, environment) ?? environment.baseUrl;
  if (check.kind === 'tls' || check.kind === 'tcp') {
    const root = requestUrl(base, '/');
    const host = check.host ?? root?.hostname.replace(/^\[|\]$/g, '');
    if (!host) return out;
    // The runner keys these buckets by `https://host:port` (TLS) and `tcp://host:port` (TCP).
    if (check.kind === 'tls') add(`https://${host}:${check.port ?? (root?.port ? Number(root.port) : 443)}`, 0);
    else add(`tcp://${host}:${check.port}`, 0);
    return out;
  }
  if (check.kind !== 'http' && check.kind !== 'flow') return out;
  const steps = check.kind === 'http' ? [check] : check.steps;
  for (const step of steps) {
    const filled = fillStatic(step.url, environment);
    const url = filled === null ? null : requestUrl(base, filled);
    if (url) add(originOf(url), step.followRedirects ?? 0);
  }
  return out;
}

/**
 * Seconds after the scheduled time at which a shard's run starts: a hash of its id (stable across
 * deploys and machines) modulo min(60, period / 4). EventBridge fires a scheduled rule at minute
 * granularity, somewhere within the minute
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html), so an
 * offset is a wait at the start of the handler, not a schedule expression; the wait comes out of
 * the run's own time, and a quarter of the period at most keeps three quarters for the checks.
 */
export function shardOffsetSeconds(shard: Pick<Shard, 'id' | 'periodSeconds'>): number {
  const spread = Math.floor(Math.min(60, shard.periodSeconds / 4));
  if (spread < 1) return 0;
  // FNV-1a, as the shard planner's schedule slugs.
  let hash = 0x811c9dc5;
  for (let i = 0; i < shard.id.length; i++) {
    hash ^= shard.id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % spread;
}

/** The largest offset a shard of this period can get: what the fit check must assume. */
export function maxOffsetSeconds(periodSeconds: number): number {
  return Math.max(0, Math.floor(Math.min(60, periodSeconds / 4)) - 1);
}

/**
 * The time a run of this period has for its checks when its offset is the largest possible and
 * EventBridge delivers on time: the function's timeout (the period, at least 30 s, at most
 * Lambda's 900 s: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html, as
 * lib/infra/probeFunction.ts sets it) less the offset wait, less the publishing margin.
 */
export function runWindowSeconds(periodSeconds: number): number {
  const offset = maxOffsetSeconds(periodSeconds);
  const timeout = Math.min(900, Math.max(30, periodSeconds));
  const window = invocationDeadlines(0, Math.min(timeout, periodSeconds) * 1000 - offset * 1000, periodSeconds);
  return window.runDeadline / 1000;
}

function strictest(limits: RateLimit[]): RateLimit {
  return { requestsPerSecond: Math.min(...limits.map((l) => l.requestsPerSecond)), burst: Math.min(...limits.map((l) => l.burst)) };
}

export interface TrafficPlan {
  origins: OriginTraffic[];
  /** Per shard id (every region): offset and budgets. */
  offsetSeconds: Record<string, number>;
  budgets: Record<string, Record<string, OriginBudget>>;
  /** Every shard of every region. */
  shardCount: number;
}

/**
 * The plan for every shard of every region. `shards` must be the whole fleet's (planShards),
 * not one region's: a share computed from one region's runs alone would be too large.
 */
export function planTraffic(fleet: Fleet, shards: readonly Shard[]): TrafficPlan {
  const checks = new Map(fleet.checks.map((check) => [check.id, check]));
  interface Acc {
    limits: RateLimit[];
    perShard: Map<string, { first: number; most: number }>;
    average: number;
    regions: Set<string>;
    checks: Set<string>;
    environments: Set<string>;
    minWindow: number;
  }
  const origins = new Map<string, Acc>();
  for (const shard of shards) {
    for (const target of shard.targets) {
      const check = checks.get(target.checkId);
      if (!check) continue;
      const retries = resolveSettings(fleet, check).retries.count;
      for (const [origin, requests] of originRequests(fleet, check, target.environment, retries)) {
        let acc = origins.get(origin);
        if (!acc) {
          acc = { limits: [], perShard: new Map(), average: 0, regions: new Set(), checks: new Set(), environments: new Set(), minWindow: Infinity };
          origins.set(origin, acc);
        }
        acc.limits.push(rateLimitFor(fleet, target.environment));
        const entry = acc.perShard.get(shard.id) ?? { first: 0, most: 0 };
        entry.first += requests.first;
        entry.most += requests.most;
        acc.perShard.set(shard.id, entry);
        acc.average += requests.first / shard.periodSeconds;
        acc.regions.add(shard.region);
        acc.checks.add(check.id);
        acc.environments.add(target.environment);
        acc.minWindow = Math.min(acc.minWindow, runWindowSeconds(shard.periodSeconds));
      }
    }
  }
  // The runner gives an origin the strictest limit of the environments naming it as baseUrl too.
  for (const [name, environment] of Object.entries(fleet.environments)) {
    const base = requestUrl(environment.baseUrl, '/');
    if (base) origins.get(originOf(base))?.limits.push(rateLimitFor(fleet, name));
  }

  const budgets: Record<string, Record<string, OriginBudget>> = {};
  const out: OriginTraffic[] = [];
  for (const [origin, acc] of [...origins].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const limit = strictest(acc.limits);
    const total = [...acc.perShard.values()].reduce((n, e) => n + e.first, 0);
    const most = [...acc.perShard.values()].reduce((n, e) => n + e.most, 0);
    for (const [shardId, entry] of acc.perShard) {
      const share = entry.first / total;
      (budgets[shardId] ??= {})[origin] = { requestsPerSecond: limit.requestsPerSecond * share, burst: limit.burst * share };
    }
    out.push({
      origin,
      requestsPerSecond: limit.requestsPerSecond,
      burst: limit.burst,
      peakPerSecond: Math.min(most, limit.burst + limit.requestsPerSecond),
      requestsPerRound: total,
      averagePerSecond: acc.average,
      shards: acc.perShard.size,
      regions: [...acc.regions].sort(),
      checks: fleet.checks.filter((c) => acc.checks.has(c.id)).map((c) => c.id),
      environments: [...acc.environments].sort(),
      secondsNeeded: Math.max(0, (total - limit.burst) / limit.requestsPerSecond),
      secondsAvailable: acc.minWindow,
    });
  }
  return {
    origins: out,
    offsetSeconds: Object.fromEntries(shards.map((shard) => [shard.id, shardOffsetSeconds(shard)])),
    budgets,
    shardCount: shards.length,
  };
}

/** The part of the plan one region's bundle needs. */
export function frozenTraffic(plan: TrafficPlan, regionShards: readonly Shard[]): FrozenTraffic {
  const ids = new Set(regionShards.map((shard) => shard.id));
  return {
    offsetSeconds: Object.fromEntries(Object.entries(plan.offsetSeconds).filter(([id]) => ids.has(id))),
    budgets: Object.fromEntries(Object.entries(plan.budgets).filter(([id]) => ids.has(id))),
    unplannedDivisor: Math.max(1, plan.shardCount),
  };
}

/** Origins whose runs cannot send their requests within the run window their schedules leave. */
export function trafficShortfalls(plan: TrafficPlan): OriginTraffic[] {
  return plan.origins.filter((o) => o.secondsNeeded > o.secondsAvailable);
}

/** One sentence per origin that does not fit: the checks, the requests, the limit and the shortfall. */
export function describeShortfall(o: OriginTraffic): { expected: string; received: string; message: string } {
  const neededRate = Math.ceil(((o.requestsPerRound - o.burst) / o.secondsAvailable) * 100) / 100;
  const named = o.checks.slice(0, 10).join(', ') + (o.checks.length > 10 ? `, … (${o.checks.length} checks)` : '');
  const expected = `the ${o.requestsPerRound} requests per round to ${o.origin} (${o.shards} shards in ${o.regions.length} region${o.regions.length === 1 ? '' : 's'}) to fit its limit of ${o.requestsPerSecond}/s, burst ${o.burst}, within ${round1(o.secondsAvailable)} s`;
  const received = `${round1(o.secondsNeeded)} s needed, ${round1(o.secondsNeeded - o.secondsAvailable)} s short`;
  return {
    expected,
    received,
    message: `origin ${o.origin}: checks ${named} send ${o.requestsPerRound} requests per round from ${o.shards} shards in ${o.regions.join(', ')}; at ${o.requestsPerSecond}/s with burst ${o.burst} every run needs ${round1(o.secondsNeeded)} s, but the shortest run window of their schedules is ${round1(o.secondsAvailable)} s (${round1(o.secondsNeeded - o.secondsAvailable)} s short): raise rateLimit.requestsPerSecond to at least ${neededRate}, run these checks less often, or in fewer regions or environments`,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
