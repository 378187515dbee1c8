// A scriptable deploy (one canary or one baseline) on 127.0.0.1 for the canary's bad-deploy
// matrix, written apart from the canary's own code. Per path it answers with a scripted error
// rate and latency; which requests fail is drawn from a PRNG seeded by (seed, path), so the
// n-th request to a path always gets the same answer. Each interval sends every path the same
// number of requests, so the errors each check sees per interval — and the verdicts — are the
// same on every run, whatever order concurrent requests arrive in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StartedHttpServer } from './servers.js';
import { startHttpServer } from './servers.js';

export interface PathScript {
  /** Probability that a request answers 500 (drawn per request from the seeded PRNG). */
  errorRate?: number;
  /** Wall-clock milliseconds to wait before a passing answer (failures answer at once, as they tend to). */
  latencyMs?: number;
}

export interface DeployScript {
  seed: number;
  /** Scripts by path (without the query); `*` applies to paths not listed. */
  paths: Record<string, PathScript>;
  /** Down: every request answers 503 at once, as a load balancer with no healthy target does. */
  down?: boolean;
}

export interface ScriptedDeploy {
  url: string;
  /** Requests and 5xx answers per path since the last script(). */
  served: Map<string, { requests: number; errors: number }>;
  /** Replaces the script and restarts every path's PRNG and counters, as a new deploy would. */
  script(script: DeployScript): void;
  close(): Promise<void>;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for reproducible coin flips. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  // FNV-1a: distinct paths get unrelated streams from one seed.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export async function startScriptedDeploy(initial: DeployScript): Promise<ScriptedDeploy> {
  let current = initial;
  const streams = new Map<string, () => number>();
  const served = new Map<string, { requests: number; errors: number }>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const tally = served.get(path) ?? { requests: 0, errors: 0 };
    served.set(path, tally);
    tally.requests++;
    if (current.down) {
      tally.errors++;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy upstream');
      return;
    }
    const script = current.paths[path] ?? current.paths['*'] ?? {};
    let next = streams.get(path);
    if (!next) {
      next = mulberry32(current.seed ^ hash(path));
      streams.set(path, next);
    }
    if (next() < (script.errorRate ?? 0)) {
      tally.errors++;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"scripted failure"}');
      return;
    }
    const answer = (): void => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if ((script.latencyMs ?? 0) > 0) setTimeout(answer, script.latencyMs);
    else answer();
  };

  const server: StartedHttpServer = await startHttpServer(handler);
  return {
    url: server.url,
    served,
    script(script) {
      current = script;
      streams.clear();
      served.clear();
    },
    close: () => server.close(),
  };
}
