// A small real HTTP service on 127.0.0.1 whose regressions a test can switch on, one at a
// time, to prove that verify, canary and watch each catch the ones they own:
//   errorRate     – a deterministic share of requests answer 500 (every 20th for 0.05, starting with the first)
//   extraLatencyMs – every answer waits this long first
//   memoryGrowthPerMinute / poolGrowthPerMinute – the /metrics gauges grow at this rate of (scaled) time
//   version       – what /health reports
// Time for the gauges runs `timeScale` times faster than the wall clock, like `watch --time-scale`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StartedHttpServer } from './servers.js';
import { startHttpServer } from './servers.js';

export interface Regressions {
  errorRate: number;
  extraLatencyMs: number;
  /** Fraction of the base memory gained per minute (0.05 = 5 % a minute). */
  memoryGrowthPerMinute: number;
  /** Connections gained per minute. */
  poolGrowthPerMinute: number;
  version: string;
}

export const HEALTHY: Regressions = { errorRate: 0, extraLatencyMs: 0, memoryGrowthPerMinute: 0, poolGrowthPerMinute: 0, version: '1.4.0' };

export const BASE_MEMORY_BYTES = 200 * 1024 * 1024;
export const BASE_POOL = 5;

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Epoch ms when the request arrived, and when its answer was written (for overlap, not speed). */
  arrivedAt: number;
  answeredAt?: number;
}

export interface RegressionService {
  url: string;
  /** Every request except /metrics scrapes, in arrival order. */
  requests: SeenRequest[];
  scrapes: number;
  /** Switches regressions and restarts the gauges' clock, as a new deploy would. */
  deploy(regressions: Partial<Regressions>): void;
  close(): Promise<void>;
}

export async function startRegressionService(options: { timeScale?: number; regressions?: Partial<Regressions> } = {}): Promise<RegressionService> {
  const timeScale = options.timeScale ?? 1;
  let current: Regressions = { ...HEALTHY, ...options.regressions };
  let deployedAt = Date.now();
  let served = 0;
  const requests: SeenRequest[] = [];
  const state = { scrapes: 0 };

  const minutesSinceDeploy = (): number => ((Date.now() - deployedAt) * timeScale) / 60_000;

  const metrics = (): string => {
    const minutes = minutesSinceDeploy();
    // A small alternating wobble, so a healthy series is flat but not constant.
    const wobble = (state.scrapes % 2 === 0 ? 1 : -1) * 0.0005 * BASE_MEMORY_BYTES;
    const memory = BASE_MEMORY_BYTES * (1 + current.memoryGrowthPerMinute * minutes) + wobble;
    const pool = Math.round(BASE_POOL + current.poolGrowthPerMinute * minutes);
    return [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.toFixed(0)}`,
      '# HELP db_pool_connections Connections held by the database pool.',
      '# TYPE db_pool_connections gauge',
      `db_pool_connections{pool="main",state="active"} ${pool}`,
      `db_pool_connections{pool="main",state="idle"} 2`,
      '',
    ].join('\n');
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/metrics') {
      state.scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      return;
    }
    const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, arrivedAt: Date.now() };
    requests.push(seen);
    res.on('finish', () => (seen.answeredAt = Date.now()));
    const n = served++;
    // Bresenham-style: exactly round(rate * N) failures in any N consecutive requests, the first one failing.
    const fails = current.errorRate > 0 && Math.floor(n * current.errorRate) !== Math.floor((n - 1) * current.errorRate);
    const answer = (): void => {
      if (fails) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'injected failure' }));
        return;
      }
      if (url.pathname === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', version: current.version }));
      } else if (url.pathname === '/products') {
        const limit = Number(url.searchParams.get('limit') ?? '3');
        const items = Array.from({ length: Math.max(0, Math.min(limit, 50)) }, (_, i) => ({ id: i + 1, name: `product ${i + 1}` }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      }
    };
    if (current.extraLatencyMs > 0) setTimeout(answer, current.extraLatencyMs);
    else answer();
  };

  const server: StartedHttpServer = await startHttpServer(handler);
  return {
    url: server.url,
    requests,
    get scrapes() {
      return state.scrapes;
    },
    deploy(regressions) {
      current = { ...HEALTHY, ...regressions };
      deployedAt = Date.now();
      served = 0;
    },
    close: () => server.close(),
  };
}
