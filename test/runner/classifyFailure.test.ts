// The mapping from low-level errors (and the phase they struck in) to stable kinds.
// Real servers produce most of these in failureKinds.test.ts; this table also covers the
// ones a test on 127.0.0.1 cannot provoke (an address that drops packets).
import { describe, it, expect } from 'vitest';
import type { FailureKind } from '../../lib/model/result.js';
import { RETRYABLE_KINDS } from '../../lib/model/result.js';
import type { CutCause } from '../../lib/runner/clock.js';
import { classifyFailure } from '../../lib/runner/classifyFailure.js';
import type { Phase } from '../../lib/runner/classifyFailure.js';
import { ProbeFailure } from '../../lib/runner/failure.js';

function err(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const cases: { name: string; error: unknown; phase: Phase; cut?: CutCause; kind: FailureKind }[] = [
  { name: 'ENOTFOUND', error: err('ENOTFOUND'), phase: 'dns', kind: 'dns' },
  { name: 'EAI_AGAIN', error: err('EAI_AGAIN'), phase: 'dns', kind: 'dns' },
  { name: 'ECONNREFUSED', error: err('ECONNREFUSED'), phase: 'connect', kind: 'connect_refused' },
  { name: 'ETIMEDOUT while connecting', error: err('ETIMEDOUT'), phase: 'connect', kind: 'connect_timeout' },
  { name: 'EHOSTUNREACH', error: err('EHOSTUNREACH'), phase: 'connect', kind: 'connect_timeout' },
  { name: 'cut while resolving', error: new Error('aborted'), phase: 'dns', cut: 'timeout', kind: 'dns' },
  { name: 'cut while connecting', error: new Error('aborted'), phase: 'connect', cut: 'timeout', kind: 'connect_timeout' },
  { name: 'cut during the handshake', error: new Error('aborted'), phase: 'tls', cut: 'timeout', kind: 'tls_handshake' },
  { name: 'cut waiting for headers', error: new Error('aborted'), phase: 'response', cut: 'timeout', kind: 'timeout' },
  { name: 'cut reading the body', error: new Error('aborted'), phase: 'body', cut: 'timeout', kind: 'timeout' },
  { name: "cut by the run's deadline", error: new Error('aborted'), phase: 'response', cut: 'deadline', kind: 'deadline' },
  { name: 'cut by an abort', error: new Error('aborted'), phase: 'connect', cut: 'aborted', kind: 'deadline' },
  { name: 'SSL error in the handshake', error: err('ERR_SSL_WRONG_VERSION_NUMBER'), phase: 'tls', kind: 'tls_handshake' },
  { name: 'ECONNRESET in the handshake', error: err('ECONNRESET'), phase: 'tls', kind: 'tls_handshake' },
  { name: 'ECONNRESET in the body', error: err('ECONNRESET'), phase: 'body', kind: 'reset' },
  { name: 'undici socket closed', error: err('UND_ERR_SOCKET', 'other side closed'), phase: 'response', kind: 'reset' },
  { name: 'short body', error: err('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), phase: 'body', kind: 'reset' },
  { name: 'not HTTP', error: err('HPE_INVALID_CONSTANT', 'Expected HTTP/'), phase: 'response', kind: 'internal' },
  { name: 'a ProbeFailure keeps its kind', error: new ProbeFailure('guard_blocked', 'blocked'), phase: 'dns', kind: 'guard_blocked' },
  { name: 'anything else', error: new TypeError('boom'), phase: 'response', kind: 'internal' },
];

describe('classifyFailure', () => {
  it.each(cases)('$name → $kind', ({ error, phase, cut, kind }) => {
    const failure = classifyFailure(error, { target: 'GET https://api.example.test/health', phase, cut: cut ?? null, timeoutMs: 800 });
    expect(failure.kind).toBe(kind);
    expect(failure.retryable).toBe(RETRYABLE_KINDS.has(kind));
    if (!(error instanceof ProbeFailure)) {
      expect(failure.message).toContain('GET https://api.example.test/health');
      expect(failure.message).toMatch(/retry (is safe|will not help)/);
    }
  });

  it('a timeout names the limit and how far the body got', () => {
    const failure = classifyFailure(new Error('aborted'), { target: 'GET http://x/', phase: 'body', cut: 'timeout', timeoutMs: 800, bytesReceived: 1234 });
    expect(failure.message).toBe('GET http://x/: no answer within the 800 ms timeout reading the body, received 1234 body bytes; a retry is safe and may succeed');
  });
});
