// The tls check: connect with node:tls and judge the certificate the way a browser
// would (trusted chain, hostname with browser wildcard rules via tls.checkServerIdentity,
// not expired), then the days remaining against `minDaysRemaining` and the protocol.
import type { SecureVersion } from 'node:tls';
import type { TlsCheck } from '../model/fleet.js';
import type { AssertionResult, Failure } from '../model/result.js';
import { classifyFailure } from './classifyFailure.js';
import type { Phase } from './classifyFailure.js';
import { connectTcp, handshake, resolveAddress } from './connector.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { zeroPhases } from './context.js';
import { retryNote } from './failure.js';
import { joinUrl } from './http.js';
import { judgePeer, loadCaCertificates } from './tlsVerify.js';

export const DEFAULT_MIN_DAYS_REMAINING = 14;

const PROTOCOL_RANK: Record<string, number> = { TLSv1: 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function tlsTarget(ctx: AttemptContext, check: Pick<TlsCheck, 'host' | 'port'>): { host: string; port: number } {
  const base = joinUrl(ctx.options.baseUrlOverride ?? ctx.environment.baseUrl, '/');
  return { host: check.host ?? base.hostname.replace(/^\[|\]$/g, ''), port: check.port ?? (base.port ? Number(base.port) : 443) };
}

export async function runTlsCheck(ctx: AttemptContext, check: TlsCheck): Promise<AttemptOutcome> {
  const { host, port } = tlsTarget(ctx, check);
  const minDays = check.minDaysRemaining ?? DEFAULT_MIN_DAYS_REMAINING;
  const minProtocol: SecureVersion = check.minProtocol ?? 'TLSv1.2';
  const target = `TLS ${host}:${port}`;
  const outcome: AttemptOutcome = { phases: zeroPhases(), durationMs: 0, status: null, bytes: 0, certDaysRemaining: null, assertions: [], failure: null };
  const signal = ctx.clock.signal;
  let phase: Phase = 'dns';
  let startedAt = Date.now();
  let t0 = performance.now();
  const marks: number[] = [];
  try {
    const ca = await loadCaCertificates([...(ctx.environment.caCertificates ?? []), ...(check.caCertificates ?? [])], ctx.values);
    await ctx.acquire(`https://${host}:${port}`, { method: 'TLS', url: `tls://${host}:${port}` });
    startedAt = Date.now();
    t0 = performance.now();
    const address = await resolveAddress(host, ctx.options.hostAddresses, signal);
    marks.push(performance.now());
    phase = 'connect';
    const socket = await connectTcp(address, port, signal);
    marks.push(performance.now());
    phase = 'tls';
    const secure = await handshake(socket, host, signal, ca, minProtocol);
    const verdict = judgePeer(secure, host);
    secure.destroy();
    marks.push(performance.now());
    outcome.certDaysRemaining = verdict.daysRemaining;
    const protocol = verdict.protocol ?? 'unknown';
    const assertions: AssertionResult[] = [
      { description: 'certificate chain', ok: verdict.authorized || verdict.problem?.kind === 'tls_expired', expected: 'trusted', actual: verdict.authorized ? 'trusted' : 'untrusted' },
      { description: 'certificate hostname', ok: verdict.hostnameOk, expected: `matches ${host}`, actual: verdict.hostnameOk ? `matches ${host}` : 'does not match' },
      { description: 'certificate days remaining', ok: (verdict.daysRemaining ?? -1) >= minDays, expected: `>= ${minDays}`, actual: String(verdict.daysRemaining ?? 'none') },
      { description: 'protocol', ok: (PROTOCOL_RANK[protocol] ?? 0) >= (PROTOCOL_RANK[minProtocol] ?? 0), expected: `>= ${minProtocol}`, actual: protocol },
    ];
    outcome.assertions = assertions;
    const failed = assertions.filter((a) => !a.ok);
    if (verdict.problem) {
      outcome.failure = verdict.problem.toFailure();
    } else if (failed.length > 0) {
      outcome.failure = {
        kind: 'assertion',
        message: `${target}: ${failed.map((a) => `${a.description}: expected ${a.expected}, got ${a.actual}`).join('; ')}; ${retryNote('assertion')}`,
        retryable: false,
      };
    }
  } catch (error) {
    const failure: Failure = classifyFailure(error, { target, phase, cut: ctx.clock.cause, timeoutMs: ctx.clock.timeoutMs });
    outcome.failure = failure;
  }
  const end = performance.now();
  const [dns = end, connect = end] = marks;
  // Judging the certificate belongs to the TLS phase; a tls check has no request or body.
  outcome.phases = { dnsMs: round(dns - t0), connectMs: round(connect - dns), tlsMs: round(end - connect), ttfbMs: 0, transferMs: 0 };
  outcome.durationMs = round(end - t0);
  ctx.log({ startedAt, method: 'TLS', url: `tls://${host}:${port}`, status: null, durationMs: outcome.durationMs, ...(outcome.failure ? { error: `${outcome.failure.kind}: ${outcome.failure.message}` } : {}) });
  return outcome;
}
