// The tcp check: connect, optionally send bytes, and read the reply until it satisfies
// `reply`, the peer closes, the cap is reached, or the clock runs out.
import type { Socket } from 'node:net';
import type { TcpCheck } from '../model/fleet.js';
import type { AssertionResult } from '../model/result.js';
import { classifyFailure } from './classifyFailure.js';
import type { Phase } from './classifyFailure.js';
import { connectTcp, resolveAddress } from './connector.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { zeroPhases } from './context.js';
import { retryNote } from './failure.js';
import { joinUrl } from './http.js';

/** Replies are read up to this many bytes; a banner or a short answer is all a check needs. */
export const TCP_REPLY_CAP = 64 * 1024;

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function satisfied(reply: TcpCheck['reply'], text: string): boolean {
  if (!reply) return true;
  if (reply.contains !== undefined && !text.includes(reply.contains)) return false;
  if (reply.matches !== undefined && !new RegExp(reply.matches).test(text)) return false;
  return true;
}

/** Reads until `done(text)` is true, the peer ends, the cap is hit or the signal aborts. */
function readReply(socket: Socket, signal: AbortSignal, done: (text: string) => boolean, onFirstByte: () => void): Promise<{ text: string; bytes: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const text = (): string => Buffer.concat(chunks).toString('utf8');
    const finish = (ended: boolean): void => {
      cleanup();
      resolve({ text: text(), bytes, ended });
    };
    const onData = (chunk: Buffer): void => {
      if (bytes === 0) onFirstByte();
      const room = TCP_REPLY_CAP - bytes;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      bytes += Math.min(chunk.length, room);
      if (bytes >= TCP_REPLY_CAP || done(text())) finish(false);
    };
    const onEnd = (): void => {
      finish(true);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onAbort = (): void => {
      cleanup();
      reject(Object.assign(signal.reason as Error, { partial: text() }));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function runTcpCheck(ctx: AttemptContext, check: TcpCheck): Promise<AttemptOutcome> {
  const host = check.host ?? joinUrl(ctx.options.baseUrlOverride ?? ctx.environment.baseUrl, '/').hostname.replace(/^\[|\]$/g, '');
  const target = `TCP ${host}:${check.port}`;
  const outcome: AttemptOutcome = { phases: zeroPhases(), durationMs: 0, status: null, bytes: 0, certDaysRemaining: null, assertions: [], failure: null };
  const signal = ctx.clock.signal;
  let phase: Phase = 'dns';
  let startedAt = Date.now();
  let t0 = performance.now();
  let dnsEnd: number | undefined;
  let connectEnd: number | undefined;
  let firstByte: number | undefined;
  let socket: Socket | undefined;
  try {
    await ctx.acquire(`tcp://${host}:${check.port}`, { method: 'TCP', url: `tcp://${host}:${check.port}` });
    startedAt = Date.now();
    t0 = performance.now();
    const address = await resolveAddress(host, ctx.options.hostAddresses, signal);
    dnsEnd = performance.now();
    phase = 'connect';
    socket = await connectTcp(address, check.port, signal);
    connectEnd = performance.now();
    phase = 'response';
    if (check.send !== undefined) socket.write(check.send);
    if (check.reply) {
      const reply = await readReply(socket, signal, (text) => satisfied(check.reply, text), () => (firstByte = performance.now()));
      outcome.bytes = reply.bytes;
      // Redacted before it is JSON-encoded (encoding would add a layer of escaping to hide behind).
      const redacted = ctx.options.redactor.redact(reply.text.length > 960 ? reply.text.slice(0, 960) : reply.text);
      const excerpt = JSON.stringify(redacted.length > 120 ? `${redacted.slice(0, 120)}…` : redacted);
      const assertions: AssertionResult[] = [];
      if (check.reply.contains !== undefined) assertions.push({ description: 'reply', ok: reply.text.includes(check.reply.contains), expected: `contains ${JSON.stringify(check.reply.contains)}`, actual: excerpt });
      if (check.reply.matches !== undefined) assertions.push({ description: 'reply', ok: new RegExp(check.reply.matches).test(reply.text), expected: `matches /${check.reply.matches}/`, actual: excerpt });
      outcome.assertions = assertions;
      const failed = assertions.filter((a) => !a.ok);
      if (failed.length > 0) {
        outcome.failure = {
          kind: 'assertion',
          message: `${target}: ${failed.map((a) => `${a.description}: expected ${a.expected}, got ${a.actual}`).join('; ')}${reply.ended ? ' (connection closed)' : ''}; ${retryNote('assertion')}`,
          retryable: false,
        };
      }
    }
  } catch (error) {
    const partial = (error as { partial?: unknown } | null)?.partial;
    const wanted = check.reply?.contains !== undefined ? `containing ${JSON.stringify(check.reply.contains)}` : `matching /${check.reply?.matches ?? ''}/`;
    const byTimeout = ctx.clock.cause === 'timeout' && phase === 'response' && check.reply !== undefined;
    if (byTimeout && typeof partial === 'string' && partial !== '') {
      // The service answered, with something else: waiting longer was given its chance (the
      // whole timeout) and did not help, so this is a wrong reply, not a slow one.
      const redacted = ctx.options.redactor.redact(partial.slice(0, 960));
      const actual = JSON.stringify(redacted.length > 120 ? `${redacted.slice(0, 120)}…` : redacted);
      const expected = check.reply?.contains !== undefined ? `contains ${JSON.stringify(check.reply.contains)}` : `matches /${check.reply?.matches ?? ''}/`;
      outcome.assertions = [{ description: 'reply', ok: false, expected, actual }];
      outcome.failure = {
        kind: 'assertion',
        message: `${target}: reply: expected a reply ${wanted}, got ${actual} (no matching reply within the ${ctx.clock.timeoutMs} ms timeout); ${retryNote('assertion')}`,
        retryable: false,
      };
    } else if (byTimeout) {
      outcome.failure = {
        kind: 'timeout',
        message: `${target}: no reply within the ${ctx.clock.timeoutMs} ms timeout after connecting, expected a reply ${wanted}, received nothing; ${retryNote('timeout')}`,
        retryable: true,
      };
    } else outcome.failure = classifyFailure(error, {
      target,
      phase,
      cut: ctx.clock.cause,
      timeoutMs: ctx.clock.timeoutMs,
      ...(typeof partial === 'string' ? { waitingFor: `expected a reply ${wanted}, received ${JSON.stringify(ctx.options.redactor.redact(partial.slice(0, 960)).slice(0, 120))}` } : {}),
    });
  }
  socket?.destroy();
  const end = performance.now();
  const dns = dnsEnd ?? end;
  const connect = connectEnd ?? end;
  const first = connectEnd === undefined ? end : (firstByte ?? end);
  outcome.phases = { dnsMs: round(dns - t0), connectMs: round(connect - dns), tlsMs: 0, ttfbMs: round(first - connect), transferMs: round(end - first) };
  outcome.durationMs = round(end - t0);
  ctx.log({ startedAt, method: 'TCP', url: `tcp://${host}:${check.port}`, status: null, durationMs: outcome.durationMs, ...(outcome.failure ? { error: `${outcome.failure.kind}: ${outcome.failure.message}` } : {}) });
  return outcome;
}
