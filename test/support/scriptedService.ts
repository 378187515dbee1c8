// A scriptable service on 127.0.0.1 for the watch's bad-deploy matrix, written apart from the
// watch's own code: what each path answers, and what its Prometheus /metrics page says, are
// functions of plan time (milliseconds since the deploy, running `timeScale` times faster than
// the wall clock, like `watch --time-scale`). Everything it reports is a function of plan time
// alone, never of when or how often it is asked:
//   - probe answers: per path, from plan time and the path's request number (0-based);
//   - the service's own traffic (not the probes): requests per second, the share answering 503
//     and the latencies of the passing ones, integrated second by second of plan time into an
//     `http_requests_total{code}` counter and an `http_request_duration_seconds` histogram;
//   - `process_resident_memory_bytes` and `db_pool_connections` gauges;
//   - restarts: every counter starts again from 0, as a restarted process's would.
// Plan time 0 is the service's first request (a probe or a scrape), unless `deployedAt` is given:
// the watch starts probing and scraping the moment its clock starts, so the two clocks agree to
// within a request's latency however long the watch (or its process) took to start.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StartedHttpServer } from './servers.js';
import { startHttpServer } from './servers.js';

export interface ScriptedAnswer {
  status: number;
  /** Wall-clock milliseconds to wait before answering (latency stays real under compression). */
  delayMs?: number;
  body?: unknown;
}

export interface Traffic {
  requestsPerSecond: number;
  /** Share of requests answering 503 (fast: observed at 2 ms). */
  errorShare: number;
  /** Latencies in seconds of the passing requests, spread evenly over them. */
  latenciesSeconds: readonly number[];
}

export interface ServiceScript {
  /** Probe answers by path (without the query); a path not listed answers like a healthy service. */
  paths?: Record<string, (at: { tMs: number; n: number }) => ScriptedAnswer>;
  traffic?: (tMs: number) => Traffic;
  memoryBytes?: (tMs: number) => number;
  poolConnections?: (tMs: number) => number;
  /** Plan times at which the process restarts: its counters start again from 0. */
  restartsAtMs?: readonly number[];
  /** Leave the request counter and latency histogram off the page (only the gauges). */
  withoutRequestMetrics?: boolean;
}

export const BASE_MEMORY = 200 * 1024 * 1024;
export const BASE_POOL = 5;
/** The Prometheus client libraries' default buckets, in seconds. */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const HEALTHY_TRAFFIC: Traffic = { requestsPerSecond: 100, errorShare: 0, latenciesSeconds: [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.12] };

/** A small deterministic wobble (±0.05 %), alternating each 15 s of plan time: flat is never constant. */
export function wobble(tMs: number, base: number): number {
  return (Math.floor(tMs / 15_000) % 2 === 0 ? 1 : -1) * 0.0005 * base;
}

export interface ScriptedService {
  url: string;
  /** Epoch ms of plan time 0 (null until the first request, unless given). */
  readonly deployedAt: number | null;
  /** Probe requests (not /metrics) by path, in arrival order, with the plan time they arrived. */
  requests: { path: string; tMs: number; status: number; synthetic: boolean }[];
  scrapes: number;
  /** The page the service would serve at plan time `tMs` (for tests of the script itself). */
  metricsAt(tMs: number): string;
  close(): Promise<void>;
}

interface Counters {
  ok: number;
  errors: number;
  /** Cumulative observations at or below each bucket bound, then +Inf. */
  buckets: number[];
  sum: number;
}

export async function startScriptedService(options: { timeScale: number; script: ServiceScript; deployedAt?: number }): Promise<ScriptedService> {
  const { timeScale, script } = options;
  let deployedAt: number | null = options.deployedAt ?? null;
  const planNow = (): number => {
    deployedAt ??= Date.now();
    return (Date.now() - deployedAt) * timeScale;
  };
  const served = new Map<string, number>();
  const requests: ScriptedService['requests'] = [];
  const state = { scrapes: 0 };

  // The counters at a plan time: traffic integrated second by second since the last restart,
  // so the page depends on plan time only.
  const countersAt = (tMs: number): Counters => {
    const restart = Math.max(0, ...(script.restartsAtMs ?? []).filter((r) => r <= tMs));
    const c: Counters = { ok: 0, errors: 0, buckets: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0 };
    if (!script.traffic) return c;
    for (let s = Math.ceil(restart / 1000); s < Math.floor(tMs / 1000); s++) {
      const traffic = script.traffic(s * 1000);
      const errors = traffic.requestsPerSecond * traffic.errorShare;
      const ok = traffic.requestsPerSecond - errors;
      c.ok += ok;
      c.errors += errors;
      const observe = (seconds: number, count: number): void => {
        c.sum += seconds * count;
        BUCKETS.forEach((bound, i) => {
          if (seconds <= bound) c.buckets[i]! += count;
        });
        c.buckets[BUCKETS.length]! += count;
      };
      observe(0.002, errors);
      for (const latency of traffic.latenciesSeconds) observe(latency, ok / traffic.latenciesSeconds.length);
    }
    return c;
  };

  const metricsAt = (tMs: number): string => {
    const lines = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${Math.round(script.memoryBytes ? script.memoryBytes(tMs) : BASE_MEMORY + wobble(tMs, BASE_MEMORY))}`,
      '# HELP db_pool_connections Connections held by the database pool.',
      '# TYPE db_pool_connections gauge',
      `db_pool_connections{pool="main",state="active"} ${Math.round(script.poolConnections ? script.poolConnections(tMs) : BASE_POOL)}`,
    ];
    if (!script.withoutRequestMetrics) {
      const c = countersAt(tMs);
      const whole = (n: number): string => String(Math.floor(n + 1e-9));
      lines.push('# HELP http_requests_total Requests served, by status code.', '# TYPE http_requests_total counter');
      lines.push(`http_requests_total{method="GET",code="200"} ${whole(c.ok)}`);
      // Client libraries create a labelled series when it is first counted: no 503 line before the first 503.
      if (c.errors >= 1) lines.push(`http_requests_total{method="GET",code="503"} ${whole(c.errors)}`);
      lines.push('# HELP http_request_duration_seconds Request latency.', '# TYPE http_request_duration_seconds histogram');
      BUCKETS.forEach((bound, i) => lines.push(`http_request_duration_seconds_bucket{le="${bound}"} ${whole(c.buckets[i]!)}`));
      lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${whole(c.buckets[BUCKETS.length]!)}`);
      lines.push(`http_request_duration_seconds_sum ${c.sum.toFixed(3)}`, `http_request_duration_seconds_count ${whole(c.buckets[BUCKETS.length]!)}`);
    }
    return `${lines.join('\n')}\n`;
  };

  const healthy = (path: string): ScriptedAnswer => {
    if (path === '/health') return { status: 200, body: { status: 'ok', version: '1.4.0' } };
    return { status: 200, body: { items: [{ id: 1, name: 'product 1' }] } };
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const tMs = planNow();
    if (url.pathname === '/metrics') {
      state.scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsAt(tMs));
      return;
    }
    const n = served.get(url.pathname) ?? 0;
    served.set(url.pathname, n + 1);
    const scripted = script.paths?.[url.pathname];
    const answer = scripted ? scripted({ tMs, n }) : healthy(url.pathname);
    requests.push({ path: url.pathname, tMs, status: answer.status, synthetic: req.headers['x-synthetic-request'] === 'true' });
    const send = (): void => {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? (answer.status >= 400 ? { error: `scripted ${answer.status}` } : healthy(url.pathname).body)));
    };
    if (answer.delayMs !== undefined && answer.delayMs > 0) setTimeout(send, answer.delayMs);
    else send();
  };

  const server: StartedHttpServer = await startHttpServer(handler);
  return {
    url: server.url,
    get deployedAt() {
      return deployedAt;
    },
    requests,
    get scrapes() {
      return state.scrapes;
    },
    metricsAt,
    close: () => server.close(),
  };
}
