// A connector for undici that opens one fresh connection per request and times each
// phase: name resolution (dns.lookup), TCP connect, TLS handshake. It also judges the
// peer certificate, so every https response knows its certificate's days remaining.
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { buildConnector } from 'undici';
import { raceSignal } from './clock.js';
import type { Phase } from './classifyFailure.js';
import { judgePeer, serverName } from './tlsVerify.js';

export interface ConnectionTiming {
  /** performance.now() when the connector was asked for a connection: the exchange's start. */
  start?: number;
  /** performance.now() marks; undefined until the phase ends. */
  dnsEnd?: number;
  connectEnd?: number;
  tlsEnd?: number;
  phase: Phase;
  certDaysRemaining: number | null;
  socket?: net.Socket;
}

export interface ConnectorOptions {
  signal: AbortSignal;
  timing: ConnectionTiming;
  /** Trusted CAs (system roots plus extras); undefined for node's defaults. */
  ca: string[] | undefined;
  /** Pinned addresses by hostname, like curl's --resolve. */
  hostAddresses: Readonly<Record<string, string>> | undefined;
  minTlsVersion?: tls.SecureVersion;
}

export async function resolveAddress(hostname: string, pinned: Readonly<Record<string, string>> | undefined, signal: AbortSignal): Promise<string> {
  if (net.isIP(hostname)) return hostname;
  const pin = pinned?.[hostname];
  if (pin !== undefined) return pin;
  const { address } = await raceSignal(lookup(hostname), signal);
  return address;
}

export function connectTcp(address: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, noDelay: true });
    const cleanup = (): void => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal.reason as Error);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

// Building a secure context from the system roots plus extra CAs costs tens of
// milliseconds of CPU; doing it per connection would show up in every tls phase.
const contexts = new Map<string, tls.SecureContext>();
const MAX_CONTEXTS = 32;

function secureContextFor(ca: string[], minVersion: tls.SecureVersion | undefined): tls.SecureContext {
  const key = `${minVersion ?? ''}\n${ca.join('\n')}`;
  let context = contexts.get(key);
  if (!context) {
    if (contexts.size >= MAX_CONTEXTS) contexts.clear();
    context = tls.createSecureContext({ ca, ...(minVersion ? { minVersion } : {}) });
    contexts.set(key, context);
  }
  return context;
}

export function handshake(socket: net.Socket, hostname: string, signal: AbortSignal, ca: string[] | undefined, minVersion?: tls.SecureVersion, alpn?: string[]): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const servername = serverName(hostname);
    const secure = tls.connect({
      socket,
      ...(servername ? { servername } : {}),
      rejectUnauthorized: false,
      // node would otherwise check the name against the socket's host ('localhost' for a
      // wrapped socket) and report it as a chain error; judgePeer checks the real name.
      checkServerIdentity: () => undefined,
      ...(ca ? { secureContext: secureContextFor(ca, minVersion) } : {}),
      ...(minVersion ? { minVersion } : {}),
      ...(alpn ? { ALPNProtocols: alpn } : {}),
    });
    const cleanup = (): void => {
      secure.off('secureConnect', onSecure);
      secure.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onSecure = (): void => {
      cleanup();
      resolve(secure);
    };
    const onError = (error: Error): void => {
      cleanup();
      secure.destroy();
      reject(error);
    };
    const onAbort = (): void => {
      cleanup();
      secure.destroy();
      reject(signal.reason as Error);
    };
    secure.once('secureConnect', onSecure);
    secure.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function timedConnector(options: ConnectorOptions): buildConnector.connector {
  const { timing, signal } = options;
  return (opts, callback) => {
    timing.start = performance.now();
    const hostname = opts.hostname.replace(/^\[|\]$/g, '');
    const https = opts.protocol === 'https:';
    const port = Number(opts.port) || (https ? 443 : 80);
    void (async () => {
      timing.phase = 'dns';
      const address = await resolveAddress(hostname, options.hostAddresses, signal);
      timing.dnsEnd = performance.now();
      timing.phase = 'connect';
      const socket = await connectTcp(address, port, signal);
      timing.socket = socket;
      timing.connectEnd = performance.now();
      if (!https) {
        timing.phase = 'response';
        return socket;
      }
      timing.phase = 'tls';
      const secure = await handshake(socket, hostname, signal, options.ca, options.minTlsVersion, ['http/1.1']);
      timing.socket = secure;
      timing.tlsEnd = performance.now();
      const verdict = judgePeer(secure, hostname);
      timing.certDaysRemaining = verdict.daysRemaining;
      if (verdict.problem) {
        secure.destroy();
        throw verdict.problem;
      }
      timing.phase = 'response';
      return secure;
    })().then(
      (socket) => {
        callback(null, socket);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), null);
      },
    );
  };
}
