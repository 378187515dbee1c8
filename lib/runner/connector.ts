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

/** The address without a lookup (an IP literal or a pinned host), or undefined. */
function knownAddress(hostname: string, pinned: Readonly<Record<string, string>> | undefined): string | undefined {
  if (net.isIP(hostname)) return hostname;
  return pinned?.[hostname];
}

export async function resolveAddress(hostname: string, pinned: Readonly<Record<string, string>> | undefined, signal: AbortSignal): Promise<string> {
  const known = knownAddress(hostname, pinned);
  if (known !== undefined) return known;
  const { address } = await raceSignal(lookup(hostname), signal);
  return address;
}

// Callback form, so the timed connector can hand the socket to undici in the 'connect'
// event itself: every promise hop here delays writing the request.
function openTcp(address: string, port: number, signal: AbortSignal, onSocket: (socket: net.Socket) => void, onFailure: (error: Error) => void): void {
  const socket = net.connect({ host: address, port, noDelay: true });
  const cleanup = (): void => {
    socket.off('connect', onConnect);
    socket.off('error', onError);
    signal.removeEventListener('abort', onAbort);
  };
  const onConnect = (): void => {
    cleanup();
    onSocket(socket);
  };
  const onError = (error: Error): void => {
    cleanup();
    socket.destroy();
    onFailure(error);
  };
  const onAbort = (): void => {
    cleanup();
    socket.destroy();
    onFailure(signal.reason as Error);
  };
  socket.once('connect', onConnect);
  socket.once('error', onError);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
}

export function connectTcp(address: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    openTcp(address, port, signal, resolve, reject);
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
    let done = false;
    const fail = (error: unknown): void => {
      if (done) return;
      done = true;
      callback(error instanceof Error ? error : new Error(String(error)), null);
    };
    const ready = (socket: net.Socket): void => {
      if (done) return;
      done = true;
      timing.phase = 'response';
      callback(null, socket);
    };
    const secure = async (socket: net.Socket): Promise<tls.TLSSocket> => {
      timing.phase = 'tls';
      const tlsSocket = await handshake(socket, hostname, signal, options.ca, options.minTlsVersion, ['http/1.1']);
      timing.socket = tlsSocket;
      timing.tlsEnd = performance.now();
      const verdict = judgePeer(tlsSocket, hostname);
      timing.certDaysRemaining = verdict.daysRemaining;
      if (verdict.problem) {
        tlsSocket.destroy();
        throw verdict.problem;
      }
      return tlsSocket;
    };
    const connect = (address: string): void => {
      timing.dnsEnd = performance.now();
      timing.phase = 'connect';
      try {
        openTcp(address, port, signal, (socket) => {
          timing.socket = socket;
          timing.connectEnd = performance.now();
          // Plain http: undici writes the request within this 'connect' event.
          if (!https) ready(socket);
          else secure(socket).then(ready, fail);
        }, fail);
      } catch (error) {
        // net.connect throws synchronously for arguments it rejects; undici must still hear of it.
        fail(error);
      }
    };
    timing.phase = 'dns';
    // An IP literal or a pinned host needs no lookup, and no promise hop either.
    const known = knownAddress(hostname, options.hostAddresses);
    if (known !== undefined) connect(known);
    else resolveAddress(hostname, options.hostAddresses, signal).then(connect, fail);
  };
}
