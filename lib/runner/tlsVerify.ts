// Judging a peer certificate after the handshake. The handshake itself runs with
// rejectUnauthorized off so that we always see the certificate (its days remaining are
// reported even when it is rejected) and can name precisely why it is rejected.
import { readFile } from 'node:fs/promises';
import * as tls from 'node:tls';
import { isIP } from 'node:net';
import type { CaSource } from '../model/fleet.js';
import { isSecretRef } from '../model/defineFleet.js';
import { ProbeFailure } from './failure.js';
import type { Values } from './values.js';

const DAY_MS = 86_400_000;

export interface PeerVerdict {
  daysRemaining: number | null;
  validTo: string | null;
  protocol: string | null;
  /** Why the certificate is not acceptable, or null. */
  problem: ProbeFailure | null;
  authorized: boolean;
  hostnameOk: boolean;
}

export function daysRemaining(validTo: string, now = Date.now()): number {
  return Math.floor((Date.parse(validTo) - now) / DAY_MS);
}

/** OpenSSL verification codes that mean "no trusted chain" rather than "expired". */
const EXPIRY_CODES = new Set(['CERT_HAS_EXPIRED']);

export function judgePeer(socket: tls.TLSSocket, hostname: string, now = Date.now()): PeerVerdict {
  const peer = socket.getPeerCertificate();
  const protocol = socket.getProtocol();
  // An empty object means the server sent no certificate at all.
  if (Object.keys(peer).length === 0) {
    return {
      daysRemaining: null,
      validTo: null,
      protocol,
      authorized: false,
      hostnameOk: false,
      problem: new ProbeFailure('tls_untrusted', `TLS ${hostname}: expected a server certificate, received none; a retry will not help until this is fixed`),
    };
  }
  const days = daysRemaining(peer.valid_to, now);
  const authError = socket.authorizationError as (Error & { code?: string }) | string | null | undefined;
  const authCode = typeof authError === 'string' ? authError : (authError?.code ?? authError?.message);
  const identityError = tls.checkServerIdentity(hostname, peer);
  const verdict = { daysRemaining: days, validTo: peer.valid_to, protocol, authorized: socket.authorized, hostnameOk: identityError === undefined };
  const name = peer.subject.CN ? `certificate for '${String(peer.subject.CN)}'` : 'certificate';

  if (Date.parse(peer.valid_to) <= now || (authCode !== undefined && EXPIRY_CODES.has(authCode))) {
    return {
      ...verdict,
      problem: new ProbeFailure('tls_expired', `TLS ${hostname}: ${name} expired on ${peer.valid_to}, expected a certificate valid now (${days} days remaining); a retry will not help until it is renewed`),
    };
  }
  if (!socket.authorized) {
    return {
      ...verdict,
      problem: new ProbeFailure(
        'tls_untrusted',
        `TLS ${hostname}: ${name} issued by '${String(peer.issuer.CN ?? 'unknown')}' is not trusted (${authCode ?? 'unverified chain'}), expected a chain to a trusted CA (add the CA with caCertificates for a private CA); a retry will not help until this is fixed`,
      ),
    };
  }
  if (identityError) {
    return {
      ...verdict,
      problem: new ProbeFailure(
        'tls_hostname',
        `TLS ${hostname}: ${name} does not cover the host, expected a name matching '${hostname}', received ${peer.subjectaltname ?? 'no subjectAltName'}${wildcardHint(hostname, peer.subjectaltname)}; a retry will not help until this is fixed`,
      ),
    };
  }
  return { ...verdict, problem: null };
}

/**
 * Why a wildcard name that looks right does not match: `*.example.com` covers exactly one
 * label below example.com (RFC 6125 §6.4.3) — neither example.com itself nor a.b.example.com.
 * The classic certificate surprise after a deploy; say it outright.
 */
export function wildcardHint(hostname: string, subjectAltName: string | undefined): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  for (const entry of (subjectAltName ?? '').split(',')) {
    const name = entry.trim().replace(/^DNS:/i, '').toLowerCase();
    if (!name.startsWith('*.')) continue;
    const base = name.slice(2);
    if (host === base) return ` (hint: ${name} covers one label below ${base}, such as www.${base}, not ${base} itself: add ${base} to the certificate's names)`;
    if (host.endsWith(`.${base}`)) {
      const extra = host.slice(0, -base.length - 1);
      if (extra.includes('.')) return ` (hint: ${name} covers exactly one label below ${base}; ${host} is ${extra.split('.').length} labels below it: it needs *.${host.split('.').slice(1).join('.')} or its own name)`;
    }
  }
  return '';
}

/** The SNI name to send: none for IP literals (TLS forbids it). */
export function serverName(hostname: string): string | undefined {
  return isIP(hostname) ? undefined : hostname;
}

/** System roots plus extra CAs from files or secrets; undefined when there are none (node's defaults apply). */
export async function loadCaCertificates(sources: readonly CaSource[], values: Values): Promise<string[] | undefined> {
  if (sources.length === 0) return undefined;
  const extra = await Promise.all(
    sources.map(async (source) => {
      if (isSecretRef(source)) return values.secret(source.$secret);
      if ('pem' in source) return source.pem;
      try {
        return await readFile(source.file, 'utf8');
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ProbeFailure('internal', `caCertificates file '${source.file}': expected a readable PEM file, ${reason}; a retry will not help until the file exists`, false);
      }
    }),
  );
  return [...tls.rootCertificates, ...extra];
}
