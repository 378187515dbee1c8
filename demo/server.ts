// The demo service the demo fleet checks: a small real HTTP service on 127.0.0.1 with the
// critical paths of the product brief, an HTTPS listener whose certificate comes from a CA
// made at start (so the tls check has a private chain to trust), and a TCP banner port.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueCert } from './certificates.js';

export const DEMO_VERSION = '1.4.2';
export const DEMO_USER = 'demo-user';
export const DEFAULT_DEMO_PASSWORD = 'correct-horse';
export const DEMO_BANNER = `probe-fleet demo ${DEMO_VERSION} ready`;

export interface DemoServiceOptions {
  host?: '127.0.0.1';
  /** HTTP port (default: any free port). The HTTPS and TCP listeners always take free ports. */
  port?: number;
  /** The test account's password (default: PROBE_SECRET_DEMO_PASSWORD, else `correct-horse`). */
  password?: string;
}

export interface DemoService {
  baseUrl: string;
  httpsUrl: string;
  httpsPort: number;
  tcpPort: number;
  /** PEM file of the CA that signed the HTTPS certificate. */
  caFile: string;
  close(): Promise<void>;
}

const PRODUCTS = Array.from({ length: 25 }, (_, i) => ({
  id: `p-${String(i + 1).padStart(3, '0')}`,
  name: ['Anvil', 'Rocket skates', 'Giant magnet', 'Bird seed', 'Tornado kit'][i % 5]!,
  priceCents: 999 + i * 250,
}));

const MAX_BODY_BYTES = 16 * 1024;

export async function startDemoService(opts: DemoServiceOptions = {}): Promise<DemoService> {
  const host = opts.host ?? '127.0.0.1';
  const password = opts.password ?? (process.env.PROBE_SECRET_DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD);
  const tokens = new Set<string>();
  const handler = demoHandler(password, tokens);

  const ca = await createCa('probe-fleet demo CA');
  const leaf = await issueCert(ca, { hosts: ['localhost', '127.0.0.1'] });
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-demo-'));
  const caFile = join(dir, 'demo-ca.pem');
  writeFileSync(caFile, ca.certPem);

  const plain = http.createServer(handler);
  const secure = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, handler);
  // A client that rejects the certificate (a misconfigured check) must not crash the demo.
  secure.on('tlsClientError', () => undefined);
  const banner = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(`${DEMO_BANNER}\r\n`);
    // Echo whatever the client sends, so a tcp check can assert on a reply to its own bytes.
    socket.on('data', (chunk) => socket.write(chunk));
    socket.setTimeout(10_000, () => socket.destroy());
  });

  const servers = [plain, secure, banner];
  const sockets = new Set<net.Socket>();
  for (const server of servers) {
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }

  try {
    const httpPort = await listen(plain, host, opts.port ?? 0);
    const httpsPort = await listen(secure, host, 0);
    const tcpPort = await listen(banner, host, 0);
    return {
      baseUrl: `http://${host}:${httpPort}`,
      httpsUrl: `https://localhost:${httpsPort}`,
      httpsPort,
      tcpPort,
      caFile,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done()))));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function demoHandler(password: string, tokens: Set<string>): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (route) {
      case 'GET /health':
      case 'HEAD /health':
        return send(res, 200, { status: 'ok', version: DEMO_VERSION });
      case 'POST /auth/token':
        return void readCredentials(req).then(
          (credentials) => {
            if (credentials === null) return send(res, 400, { error: 'invalid_request', message: 'expected JSON or form fields username and password' });
            if (credentials.username !== DEMO_USER || !sameSecret(credentials.password, password)) {
              return send(res, 401, { error: 'invalid_credentials' }, { 'www-authenticate': 'Bearer realm="demo"' });
            }
            const token = randomBytes(18).toString('base64url');
            tokens.add(token);
            return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
          },
          () => send(res, 413, { error: 'body_too_large' }),
        );
      case 'GET /products': {
        const limitText = url.searchParams.get('limit') ?? '10';
        const limit = Number(limitText);
        if (!Number.isInteger(limit) || limit < 0 || limit > 100) return send(res, 400, { error: 'invalid_limit', message: `limit must be 0..100, got ${limitText}` });
        return send(res, 200, PRODUCTS.slice(0, limit));
      }
      case 'GET /me': {
        const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
        if (!match || !tokens.has(match[1]!)) return send(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="demo"' });
        return send(res, 200, { username: DEMO_USER, roles: ['synthetic-test'] });
      }
      default:
        if (['/health', '/auth/token', '/products', '/me'].includes(url.pathname)) return send(res, 405, { error: 'method_not_allowed' });
        return send(res, 404, { error: 'not_found', path: url.pathname });
    }
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readCredentials(req: http.IncomingMessage): Promise<{ username: string; password: string } | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  let fields: Record<string, unknown>;
  if (type === 'application/x-www-form-urlencoded') {
    fields = Object.fromEntries(new URLSearchParams(text));
  } else {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) return null;
      fields = parsed as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  const { username, password } = fields;
  return typeof username === 'string' && typeof password === 'string' ? { username, password } : null;
}
