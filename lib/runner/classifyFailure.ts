// Every error the runner can meet, mapped to the stable failure kinds of
// lib/model/result.ts. The phase the exchange was in decides between kinds that the
// same low-level error can mean (a timeout while connecting is not a slow response).
import type { Failure, FailureKind } from '../model/result.js';
import { RETRYABLE_KINDS } from '../model/result.js';
import type { CutCause } from './clock.js';
import { ProbeFailure, retryNote } from './failure.js';

export type Phase = 'dns' | 'connect' | 'tls' | 'response' | 'body';

export interface FailureContext {
  /** What was being done, e.g. `GET https://api.example.com/health`. */
  target: string;
  phase: Phase;
  /** Set when the attempt's clock cut the exchange. */
  cut: CutCause | null;
  timeoutMs: number;
  /** Bytes of body received before the failure, when known. */
  bytesReceived?: number;
  /** What was expected and received, for a cut that interrupted a wait for something specific. */
  waitingFor?: string;
}

function make(kind: FailureKind, message: string, retryable?: boolean): Failure {
  return { kind, message, retryable: retryable ?? RETRYABLE_KINDS.has(kind) };
}

const PHASE_WORDS: Record<Phase, string> = {
  dns: 'resolving the name',
  connect: 'connecting',
  tls: 'during the TLS handshake',
  response: 'waiting for the response headers',
  body: 'reading the body',
};

function cutFailure(ctx: FailureContext): Failure {
  const where = PHASE_WORDS[ctx.phase];
  const received = (ctx.bytesReceived !== undefined ? `, received ${ctx.bytesReceived} body bytes` : '') + (ctx.waitingFor ? `, ${ctx.waitingFor}` : '');
  if (ctx.cut === 'deadline' || ctx.cut === 'aborted') {
    const why = ctx.cut === 'deadline' ? "the run's deadline passed" : 'the run was stopped';
    return make('deadline', `${ctx.target}: ${why} ${where}${received}, expected the check to finish first; ${retryNote('deadline')}`);
  }
  const kind: FailureKind = ctx.phase === 'dns' ? 'dns' : ctx.phase === 'connect' ? 'connect_timeout' : ctx.phase === 'tls' ? 'tls_handshake' : 'timeout';
  return make(kind, `${ctx.target}: no answer within the ${ctx.timeoutMs} ms timeout ${where}${received}; ${retryNote(kind)}`);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function classifyFailure(error: unknown, ctx: FailureContext): Failure {
  if (error instanceof ProbeFailure) return error.toFailure();
  if (ctx.cut) return cutFailure(ctx);
  const code = codeOf(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  const detail = error instanceof Error ? error.message : String(error);
  const received = ctx.bytesReceived !== undefined ? ` after ${ctx.bytesReceived} body bytes` : '';

  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
    case 'ESERVFAIL':
    case 'ETIMEOUT':
    case 'ENODATA':
      return make('dns', `${ctx.target}: the name did not resolve (${code}), expected an address; ${retryNote('dns')}`);
    case 'ECONNREFUSED':
      return make('connect_refused', `${ctx.target}: connection refused, expected a listener on that port; ${retryNote('connect_refused')}`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return make('connect_timeout', `${ctx.target}: could not connect (${code}), expected a TCP handshake; ${retryNote('connect_timeout')}`);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return make('timeout', `${ctx.target}: no answer within the timeout ${PHASE_WORDS[ctx.phase]}${received}; ${retryNote('timeout')}`);
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return make('body_too_large', `${ctx.target}: body larger than the cap; ${retryNote('body_too_large')}`);
    default:
      break;
  }
  if (ctx.phase === 'tls') {
    return make('tls_handshake', `${ctx.target}: TLS handshake failed (${code ?? detail}), expected a completed handshake; ${retryNote('tls_handshake')}`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || codeOf(cause) === 'ECONNRESET') {
    return make('reset', `${ctx.target}: the server closed the connection ${PHASE_WORDS[ctx.phase]}${received} (${code ?? 'reset'}), expected a complete response; ${retryNote('reset')}`);
  }
  if (code?.startsWith('HPE_')) {
    return make('internal', `${ctx.target}: the response is not valid HTTP/1.1 (${code}: ${detail}); a retry will not help until the server is fixed`, false);
  }
  return make('internal', `${ctx.target}: unexpected error ${PHASE_WORDS[ctx.phase]}: ${detail}; a retry will not help until this is fixed`, false);
}
