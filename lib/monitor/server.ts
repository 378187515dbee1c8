// The status page's HTTP server: the page, its live fragment, a small JSON API and a
// Server-Sent Events stream. Listens on 127.0.0.1 unless told otherwise.
// The page has no authentication, so a request is answered only if its Host header names this
// server: a page on another site that rebinds its DNS name to 127.0.0.1 sends its own name as
// Host and gets 421, never the status or the event stream.
import * as http from 'node:http';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Fleet } from '../model/fleet.js';
import type { Monitor, MonitorEvent } from './monitor.js';
import { renderMain, renderPage } from './page.js';
import { badgeSvg } from './chart.js';
import { checkHistory, checkStatus, statusSnapshot } from './status.js';

export interface StatusServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StatusServerOptions {
  monitor: Monitor;
  fleet: Fleet;
  environments: string[];
  location: string;
  host: string;
  port: number;
  /** Warnings about the binding; default: the monitor's own log. */
  warn?: (line: string) => void;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Everything is inline and same-origin; nothing may load from elsewhere.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
};

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

function bare(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** Loopback: `localhost`, 127.0.0.0/8, ::1. Anything else is reachable from other machines. */
export function isLoopbackHost(host: string): boolean {
  const h = bare(host);
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** The warning printed when the page is served beyond this machine; null on loopback. */
export function bindWarning(host: string, port: number): string | null {
  if (isLoopbackHost(host)) return null;
  return `warning: the status page listens on ${host}:${port}, reachable from other machines; it has no authentication and shows every check's target, owner and failures. Use --host 127.0.0.1 unless that is intended.`;
}

/** `host[:port]` split, the port defaulting to 80 (a browser omits it there). */
function splitHostHeader(value: string): { host: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return null;
  return { host: bare(match[1]!), port: match[2] === undefined ? 80 : Number(match[2]) };
}

/**
 * Whether a Host header names this server: the bound address, `localhost`, or the name given
 * with --host, always with the bound port; bound to loopback, any loopback IP literal. Bound to a
 * wildcard (0.0.0.0, ::), any IP literal is accepted too: a DNS-rebinding page can only send a
 * name, never the address it rebinds to.
 */
export function hostAllowed(header: string | undefined, boundHost: string, port: number): boolean {
  if (header === undefined) return false;
  const parsed = splitHostHeader(header);
  if (!parsed || parsed.port !== port) return false;
  const bound = bare(boundHost);
  if (parsed.host === bound || parsed.host === 'localhost') return true;
  // `--host localhost` may listen on 127.0.0.1 or ::1: either literal names this server.
  if (isLoopbackHost(bound) && isIP(parsed.host) !== 0 && isLoopbackHost(parsed.host)) return true;
  return WILDCARD.has(bound) && isIP(parsed.host) !== 0;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
}

export function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const { monitor, fleet } = options;
  const streams = new Set<http.ServerResponse>();
  const snapshot = () => statusSnapshot(monitor, fleet.name, options.location);

  const unsubscribe = monitor.onEvent((event: MonitorEvent) => {
    const data = event.type === 'result' ? { type: 'result', target: event.target, ok: event.result.ok, at: event.result.startedAt } : { type: 'alarm', alarm: event.transition.alarmName, state: event.transition.to };
    for (const res of streams) res.write(`event: update\ndata: ${JSON.stringify(data)}\n\n`);
  });
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  // Known once listening (port 0 picks one).
  let boundPort = -1;
  const server = http.createServer((req, res) => {
    if (!hostAllowed(req.headers.host, options.host, boundPort)) {
      const expected = [`${options.host.includes(':') ? `[${bare(options.host)}]` : options.host}:${boundPort}`, `localhost:${boundPort}`];
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close', ...SECURITY_HEADERS });
      res.end(`misdirected request: Host ${JSON.stringify(req.headers.host ?? '')} is not this status page; expected ${expected.join(' or ')}. Open the page by the address the monitor printed.\n`);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      json(res, 405, { error: 'method_not_allowed', message: `expected GET or HEAD, received ${req.method ?? ''}` });
      return;
    }
    const path = url.pathname;
    if (path === '/') {
      send(res, 200, 'text/html; charset=utf-8', renderPage(snapshot(), fleet, options.environments));
    } else if (path === '/fragment') {
      send(res, 200, 'text/html; charset=utf-8', renderMain(snapshot(), fleet));
    } else if (path === '/api/status') {
      json(res, 200, snapshot());
    } else if (path.startsWith('/api/checks/') && path.endsWith('/history')) {
      const raw = path.slice('/api/checks/'.length, -'/history'.length);
      let id: string;
      try {
        id = decodeURIComponent(raw);
      } catch {
        // A malformed escape from any local client must not take the monitor down.
        json(res, 400, { error: 'invalid_check_id', message: `check id: expected a URL-encoded id, received ${JSON.stringify(raw)}` });
        return;
      }
      const hoursText = url.searchParams.get('hours') ?? '24';
      const hours = Number(hoursText);
      if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 7) {
        json(res, 400, { error: 'invalid_hours', message: `hours: expected a number in (0, 168], received ${JSON.stringify(hoursText)}` });
        return;
      }
      const history = checkHistory(monitor, id, hours);
      if (!history) {
        json(res, 404, { error: 'unknown_check', message: `check '${id}': expected one of ${monitor.targets.map((t) => t.target).join(', ')}` });
        return;
      }
      json(res, 200, history);
    } else if (path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', ...SECURITY_HEADERS });
      res.write('retry: 2000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
    } else if (path.startsWith('/badge/') && path.endsWith('.svg')) {
      // README badges (as Gatus and Uptime Kuma offer): `/badge/<check>.svg` shows 24 h uptime
      // in the colour of the check's state; `?label=` replaces the left text.
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/badge/'.length, -'.svg'.length));
      } catch {
        json(res, 400, { error: 'invalid_check_id', message: `badge: expected a URL-encoded check id, received ${JSON.stringify(path)}` });
        return;
      }
      const target = monitor.targets.find((t) => t.target === id) ?? monitor.targets.find((t) => t.planned.check.id === id);
      if (!target) {
        json(res, 404, { error: 'unknown_check', message: `badge for '${id}': expected one of ${monitor.targets.map((t) => t.target).join(', ')}` });
        return;
      }
      const status = checkStatus(target, monitor.now(), monitor.periodMsOverride);
      const value = status.uptime24h === null ? 'no data' : `${(Math.floor(status.uptime24h * 1000) / 10).toFixed(status.uptime24h === 1 ? 0 : 1)}%`;
      const label = (url.searchParams.get('label') ?? `${target.planned.check.name} 24h`).slice(0, 60);
      res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-cache, max-age=0', ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : badgeSvg(label, value, status.state));
    } else if (path === '/healthz') {
      json(res, 200, { status: 'ok' });
    } else {
      json(res, 404, { error: 'not_found', message: `no page at ${path}; try / or /api/status` });
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      boundPort = port;
      const warning = bindWarning(options.host, port);
      if (warning) (options.warn ?? ((line: string) => monitor.notice(line)))(warning);
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            unsubscribe();
            clearInterval(heartbeat);
            for (const res of streams) res.end();
            streams.clear();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
