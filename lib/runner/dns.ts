// The dns check. With a `resolver` it asks that server directly (node:dns Resolver);
// without one, A/AAAA go through the system's resolution (getaddrinfo, so /etc/hosts
// counts, as it does for the services' clients) and CNAME/TXT/MX through the system's
// DNS servers.
import { promises as dns } from 'node:dns';
import type { DnsCheck } from '../model/fleet.js';
import type { AssertionResult } from '../model/result.js';
import { raceSignal } from './clock.js';
import { classifyFailure } from './classifyFailure.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { zeroPhases } from './context.js';
import { retryNote } from './failure.js';

const NXDOMAIN_CODES = new Set(['ENOTFOUND', 'EAI_NONAME', 'NXDOMAIN']);

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function query(check: DnsCheck, timeoutMs: number): Promise<string[]> {
  const { hostname, recordType } = check;
  if (check.resolver) {
    const resolver = new dns.Resolver({ timeout: Math.max(1, Math.min(timeoutMs, 5000)), tries: 1 });
    resolver.setServers([check.resolver]);
    switch (recordType) {
      case 'A':
        return resolver.resolve4(hostname);
      case 'AAAA':
        return resolver.resolve6(hostname);
      case 'CNAME':
        return resolver.resolveCname(hostname);
      case 'TXT':
        return (await resolver.resolveTxt(hostname)).map((parts) => parts.join(''));
      case 'MX':
        return (await resolver.resolveMx(hostname)).map((mx) => `${mx.priority} ${mx.exchange}`);
    }
  }
  switch (recordType) {
    case 'A':
    case 'AAAA':
      return (await dns.lookup(hostname, { all: true, family: recordType === 'A' ? 4 : 6 })).map((a) => a.address);
    case 'CNAME':
      return dns.resolveCname(hostname);
    case 'TXT':
      return (await dns.resolveTxt(hostname)).map((parts) => parts.join(''));
    case 'MX':
      return (await dns.resolveMx(hostname)).map((mx) => `${mx.priority} ${mx.exchange}`);
  }
}

function normalise(value: string): string {
  return value.toLowerCase().replace(/\.$/, '');
}

export async function runDnsCheck(ctx: AttemptContext, check: DnsCheck): Promise<AttemptOutcome> {
  // Queries go to a resolver, not to the service, so they draw no rate-limit token; the
  // check's timeout still starts here.
  ctx.clock.begin();
  const target = `DNS ${check.recordType} ${check.hostname}${check.resolver ? ` @${check.resolver}` : ''}`;
  const outcome: AttemptOutcome = { phases: zeroPhases(), durationMs: 0, status: null, bytes: 0, certDaysRemaining: null, assertions: [], failure: null };
  const startedAt = Date.now();
  const t0 = performance.now();
  let answers: string[] | null = null;
  let nxdomain = false;
  try {
    answers = await raceSignal(query(check, ctx.clock.timeoutMs), ctx.clock.signal);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && NXDOMAIN_CODES.has(code) && !ctx.clock.cause) {
      nxdomain = true;
    } else {
      outcome.failure = classifyFailure(error, { target, phase: 'dns', cut: ctx.clock.cause, timeoutMs: ctx.clock.timeoutMs });
    }
  }
  const end = performance.now();
  outcome.durationMs = round(end - t0);
  outcome.phases = { ...zeroPhases(), dnsMs: outcome.durationMs };

  if (!outcome.failure) {
    const assertions: AssertionResult[] = [];
    const shown = nxdomain ? 'NXDOMAIN' : `[${(answers ?? []).join(', ')}]`;
    if (check.expectNxdomain) {
      assertions.push({ description: `${check.hostname} exists`, ok: nxdomain, expected: 'NXDOMAIN', actual: shown });
    } else if (nxdomain) {
      assertions.push({ description: `${check.hostname} ${check.recordType}`, ok: false, expected: 'answers', actual: 'NXDOMAIN' });
    }
    for (const wanted of check.answersInclude ?? []) {
      const ok = (answers ?? []).some((a) => normalise(a) === normalise(wanted));
      assertions.push({ description: `${check.hostname} ${check.recordType}`, ok, expected: `includes ${wanted}`, actual: shown });
    }
    outcome.assertions = assertions;
    const failed = assertions.filter((a) => !a.ok);
    if (failed.length > 0) {
      // A name that should exist but does not is a DNS failure (retry-safe: it may be
      // propagation); answers that differ from the expected ones are an assertion failure.
      const kind = nxdomain && !check.expectNxdomain ? 'dns' : 'assertion';
      outcome.failure = {
        kind,
        message: `${target}: ${failed.map((a) => `${a.description}: expected ${a.expected}, got ${a.actual}`).join('; ')}; ${retryNote(kind)}`,
        retryable: kind === 'dns',
      };
    }
  }
  ctx.log({ startedAt, method: 'DNS', url: `dns:${check.hostname}?type=${check.recordType}${check.resolver ? `&server=${check.resolver}` : ''}`, status: null, durationMs: outcome.durationMs, ...(outcome.failure ? { error: `${outcome.failure.kind}: ${outcome.failure.message}` } : {}) });
  return outcome;
}
