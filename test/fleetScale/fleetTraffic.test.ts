// The whole deployed fleet against one origin, on a virtual clock: every shard of every region
// runs the real probe handler (lib/lambda/probeHandler.ts, with the fleet frozen per region
// exactly as the CDK app freezes it) once per scheduled minute, and the origin, a real HTTP
// server on 127.0.0.1, records when each request arrives. The busiest one-second window over
// ten periods must stay within the origin's limit plus its burst.
//
// In-process, not one bundle per shard: a virtual clock has to own the timers of the process
// that runs the token buckets, and 12 shards × 10 periods of fresh node processes could not share
// one clock (the bundled handler itself is exercised by test/lambda/bundle.test.ts).
//
// Exactness: the clock only moves when no request to the origin is in flight (undici's
// diagnostics channels count requests created and finished), so a request arrives at the
// virtual time its token was granted; the test checks that too.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProbeHandler } from '../../lib/lambda/probeHandler.js';
import { freezeFleet } from '../../lib/lambda/frozenFleet.js';
import type { FrozenFleet } from '../../lib/lambda/frozenFleet.js';
import { planShards } from '../../lib/lambda/shards.js';
import type { Shard } from '../../lib/lambda/shards.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { startFakeAws } from '../support/fakeAws.js';
import type { FakeAws } from '../support/fakeAws.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { oneOriginFleet } from './fleets.js';

const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => realSetTimeout(resolve, ms));
/** A Monday, 00:00 UTC: the first scheduled minute of the simulation. */
const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);
const MINUTE = 60_000;

let origin: StartedHttpServer;
let aws: FakeAws;
/** Virtual arrival times (ms) at the origin, and the virtual time each request to it was sent. */
let arrivals: number[] = [];
let created = 0;
let finished = 0;
let sentAt: number[] = [];

const onCreate = (): void => {
  created++;
  sentAt.push(Date.now());
};
const onFinish = (): void => {
  finished++;
};
// The SDK's PutMetricData calls go through node:http: counted too, so the clock does not run
// their timeouts out while they are in flight.
const onHttpStart = (): void => {
  created++;
};
const savedEnv = { ...process.env };

beforeAll(async () => {
  origin = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push(Date.now());
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  aws = await startFakeAws();
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:trailers', onFinish);
  subscribe('undici:request:error', onFinish);
  subscribe('http.client.request.start', onHttpStart);
  subscribe('http.client.response.finish', onFinish);
  // Static credentials: without them the SDK would look for instance credentials over the network.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
  // Warm-up in real time: the handler loads the runner and the SDK on its first run (module
  // loading is I/O the virtual clock cannot see), so one small run loads them once for all.
  const small = oneOriginFleet(origin.url, { count: 1, regions: ['eu-west-1'] });
  const warm = createProbeHandler({ fleet: freezeFleet(small, 'eu-west-1', planShards(small)), env: { AWS_REGION: 'eu-west-1', PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint }, log: () => {} });
  const summary = await warm({ shard: planShards(small)[0]!.id }, { awsRequestId: 'warm-up', getRemainingTimeInMillis: () => 60_000 });
  expect(summary).toMatchObject({ ok: true, passed: 1 });
});

afterAll(async () => {
  unsubscribe('undici:request:create', onCreate);
  unsubscribe('undici:request:trailers', onFinish);
  unsubscribe('undici:request:error', onFinish);
  unsubscribe('http.client.request.start', onHttpStart);
  unsubscribe('http.client.response.finish', onFinish);
  process.env = savedEnv;
  vi.useRealTimers();
  await Promise.all([origin.close(), aws.close()]);
});

/** Waits (in real time) until every request to the origin has finished and nothing new started for a few turns. */
async function settle(): Promise<void> {
  let quiet = 0;
  let last = -1;
  // Bounded: a request that fails in node:http has no finish event on Node 20; after 2 s of real
  // time the clock moves on (such a request is not one to the origin, whose are all counted).
  for (let spins = 0; quiet < 3 && spins < 2000; spins++) {
    await realSleep(1);
    const now = created + finished * 1e6;
    quiet = created === finished && now === last ? quiet + 1 : 0;
    last = now;
  }
}

/** The most arrivals in any window [t, t + 1 s), t any arrival time (the busiest window starts at one). */
function busiestSecond(times: number[]): { count: number; at: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let best = { count: 0, at: 0 };
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1000) j++;
    if (j - i > best.count) best = { count: j - i, at: sorted[i]! };
  }
  return best;
}

/** A deterministic "within the minute" firing delay per shard and period (EventBridge does not fire on :00). */
function jitterMs(shard: string, period: number): number {
  let hash = 2166136261;
  for (const ch of `${shard}#${period}`) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
  return hash % 20_000;
}

interface Simulation {
  summaries: Awaited<ReturnType<ReturnType<typeof createProbeHandler>>>[];
  lines: Record<string, unknown>[];
}

/**
 * Fires every shard of every region once per period (at its scheduled minute plus a jitter),
 * on a virtual clock, and returns what the handlers reported once every run has ended.
 */
async function simulate(fleet: Fleet, periods: number, freeze: (region: string, regionShards: Shard[], all: Shard[]) => FrozenFleet): Promise<Simulation> {
  arrivals = [];
  sentAt = [];
  created = 0;
  finished = 0;
  const shards = planShards(fleet);
  const lines: Record<string, unknown>[] = [];
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  // Made under the virtual clock: a handler takes Date.now when it is made.
  const handlers = new Map(
    fleet.regions.map((region) => [
      region,
      createProbeHandler({
        fleet: freeze(region, shards.filter((s) => s.region === region), shards),
        env: { AWS_REGION: region, PROBE_CLOUDWATCH_ENDPOINT: aws.endpoint },
        log: (line) => {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.event === 'invocation' || parsed.event === 'check_skipped' || parsed.event === 'check_cut') lines.push(parsed);
        },
        publishRetry: { baseDelayMs: 1, maxDelayMs: 5, minAttemptMs: 50 },
      }),
    ]),
  );
  const runs: Promise<Simulation['summaries'][number]>[] = [];
  try {
    for (let period = 0; period < periods; period++) {
      const scheduled = T0 + period * MINUTE;
      for (const shard of shards) {
        const fireAt = scheduled + jitterMs(shard.id, period);
        setTimeout(() => {
          // The function's timeout is the period (lib/infra/probeFunction.ts): 60 s from its start.
          const end = Date.now() + MINUTE;
          const event = { shard: shard.id, time: new Date(scheduled).toISOString().replace('.000Z', 'Z') };
          runs.push(handlers.get(shard.region)!(event, { awsRequestId: `${shard.id}-${period}`, getRemainingTimeInMillis: () => end - Date.now() }));
        }, fireAt - Date.now());
      }
    }
    // Drive the clock timer by timer until every run has ended; the clock never moves while a
    // request is in flight.
    const until = T0 + (periods + 2) * MINUTE;
    while (Date.now() < until && vi.getTimerCount() > 0) {
      await settle();
      await vi.advanceTimersToNextTimerAsync();
    }
    await settle();
    return { summaries: await Promise.all(runs), lines };
  } finally {
    vi.useRealTimers();
  }
}

describe('the whole fleet against one origin, on a virtual clock', () => {
  it('100 checks × 3 regions × 1 minute, 20/s burst 10: over 10 periods the busiest second holds at most 30 requests, every check runs', { timeout: 240_000 }, async () => {
    const fleet = oneOriginFleet(origin.url);
    const { summaries, lines } = await simulate(fleet, 10, (region, regionShards, all) => freezeFleet(fleet, region, regionShards, all));

    expect(summaries).toHaveLength(12 * 10);
    // Every request the handlers sent reached the origin, at the virtual time it was sent.
    expect(arrivals).toHaveLength(300 * 10);
    expect([...arrivals].sort((a, b) => a - b)).toEqual([...sentAt].sort((a, b) => a - b));
    const busiest = busiestSecond(arrivals);
    console.log(JSON.stringify({ fleet: '100 checks x 3 regions x 1m', limit: '20/s burst 10', periods: 10, requests: arrivals.length, busiestSecond: busiest.count, busiestAt: new Date(busiest.at).toISOString() }));
    expect(busiest.count).toBeLessThanOrEqual(30);
    // The limit is used, not starved: every check of every run passed, none skipped or cut.
    expect(summaries.reduce((n, s) => n + s.passed, 0)).toBe(300 * 10);
    expect(summaries.filter((s) => !s.ok).map((s) => s.shard)).toEqual([]);
    expect(lines.filter((l) => l.event !== 'invocation')).toEqual([]);
    // Runs spread over the minute, and datums keep the scheduled minute, not the offset start.
    const invocations = lines.filter((l) => l.event === 'invocation');
    expect(new Set(invocations.map((l) => l.offsetMs)).size).toBeGreaterThan(4);
    for (const l of invocations) {
      expect(l.timestampSource).toBe('event');
      expect(Date.parse(l.timestamp as string) % MINUTE).toBe(0);
    }
    // CloudWatch's JSON protocol carries epoch seconds: every datum sits on a scheduled minute.
    const stamps = [...new Set(aws.datums().map((d) => Number(d.Timestamp)))];
    expect(stamps.length).toBeGreaterThan(0);
    expect(stamps.filter((t) => (t * 1000) % MINUTE !== 0)).toEqual([]);
  });

  it('negative control: the same fleet frozen without the traffic plan (a whole limit per run, all at once) exceeds limit + burst', { timeout: 120_000 }, async () => {
    const fleet = oneOriginFleet(origin.url);
    await simulate(fleet, 2, (region, regionShards, all) => {
      const { traffic: _traffic, ...old } = freezeFleet(fleet, region, regionShards, all);
      return old;
    });
    const busiest = busiestSecond(arrivals);
    console.log(JSON.stringify({ control: 'no traffic plan', periods: 2, busiestSecond: busiest.count }));
    expect(busiest.count).toBeGreaterThan(30);
  });
});
