// HTTP requests with undici: one fresh connection per request (no keep-alive, so
// every sample pays name resolution and connect, like a user's first request), phases
// measured by the connector, the body read up to a cap and no further, redirects
// followed by hand so each hop is guarded, rate limited and logged.
import { Client } from 'undici';
import type { Assertion, HttpMethod, HttpRequestSpec } from '../model/fleet.js';
import type { AssertionResult, Failure, Phases } from '../model/result.js';
import { DEFAULT_ASSERTIONS, describeFailed, evaluateAssertions } from './assertions.js';
import { ACCEPT_ENCODING, decodeBody } from './decodeBody.js';
import type { ResponseView } from './assertions.js';
import { isSecretHeader } from '../config/secretRules.js';
import { classifyFailure } from './classifyFailure.js';
import { timedConnector } from './connector.js';
import type { ConnectionTiming } from './connector.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { addPhases, zeroPhases } from './context.js';
import { ProbeFailure, retryNote } from './failure.js';
import { enforceGuards } from './guards.js';
import { originOf } from './tokenBucket.js';
import { loadCaCertificates } from './tlsVerify.js';
import { syntheticHeaders } from './userAgent.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const READ_ONLY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Headers that carry credentials: validation's secret-header rule, plus cookies. */
function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'proxy-authorization' || lower === 'cookie' || isSecretHeader(lower);
}

export interface Received extends ResponseView {
  url: URL;
}

/** One request (with its redirects): what a check or a flow step needs to judge it. */
export interface RequestRun extends AttemptOutcome {
  response: Received | null;
}

interface Prepared {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

interface Exchange {
  phases: Phases;
  durationMs: number;
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  bytes: number;
  truncated: boolean;
  certDaysRemaining: number | null;
  failure: Failure | null;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** An absolute URL as is; a relative one appended to the base URL's path (`/api` + `/health`). */
export function joinUrl(base: string, url: string): URL {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return new URL(url);
  const root = base.replace(/\/+$/, '');
  return new URL(`${root}/${url.replace(/^\/+/, '')}`);
}

function encodeForm(fields: Record<string, string>): string {
  // encodeURIComponent (not URLSearchParams) so the redactor's URL-encoded form matches.
  return Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

async function prepare(ctx: AttemptContext, spec: HttpRequestSpec, extracted: ReadonlyMap<string, string>): Promise<Prepared> {
  const { values, environment, fleet, options } = ctx;
  const method = spec.method ?? 'GET';
  const base = options.baseUrlOverride ?? environment.baseUrl;
  const filled = await values.fill(spec.url, extracted);
  let url: URL;
  try {
    url = joinUrl(base, filled);
  } catch {
    throw new ProbeFailure('internal', `url '${filled}' with base '${base}': expected an absolute http(s) URL or a path, received something that does not parse; a retry will not help`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProbeFailure('internal', `url '${url.href}': expected http: or https:, received ${url.protocol}; a retry will not help`, false);
  }
  if (spec.query) {
    const pairs: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.query)) pairs[k] = await values.fill(String(v), extracted);
    const encoded = encodeForm(pairs);
    url.search = url.search ? `${url.search}&${encoded}` : `?${encoded}`;
  }

  const headers: Record<string, string> = {};
  for (const source of [fleet.defaults?.headers, environment.headers, spec.headers]) {
    for (const [name, value] of Object.entries(source ?? {})) {
      headers[name.toLowerCase()] = await values.fill(await values.value(value), extracted);
    }
  }
  if (spec.auth) {
    if ('bearer' in spec.auth) {
      headers.authorization = `Bearer ${await values.value(spec.auth.bearer)}`;
    } else {
      const user = await values.value(spec.auth.basic.username);
      const password = await values.value(spec.auth.basic.password);
      const token = Buffer.from(`${user}:${password}`).toString('base64');
      options.redactor.add(token);
      headers.authorization = `Basic ${token}`;
    }
  }

  let body: string | undefined;
  const requestBody = spec.body;
  if (requestBody) {
    if ('json' in requestBody) {
      body = JSON.stringify(await values.fillDeep(requestBody.json, extracted));
      headers['content-type'] ??= 'application/json';
    } else if ('text' in requestBody) {
      body = await values.fill(requestBody.text, extracted);
      headers['content-type'] ??= requestBody.contentType ?? 'text/plain; charset=utf-8';
    } else {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(requestBody.form)) fields[k] = await values.fill(await values.value(v), extracted);
      body = encodeForm(fields);
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
  }
  // Ask for compression as browsers do (a CDN compresses only for clients that ask); a
  // check, its environment or the fleet's defaults can set Accept-Encoding (`identity` for none).
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  Object.assign(headers, syntheticHeaders(options.runId, fleet.defaults?.userAgent));
  return { method, url, headers, body };
}

function phasesFrom(t0: number, timing: ConnectionTiming, https: boolean, headersAt: number | undefined, end: number): Phases {
  const marks = [timing.dnsEnd, timing.connectEnd, https ? timing.tlsEnd : timing.connectEnd, headersAt, end];
  let previous = t0;
  const points = marks.map((mark) => (previous = Math.max(previous, mark ?? end)));
  const [dns = end, connect = end, tls = end, ttfb = end] = points;
  return {
    dnsMs: round(dns - t0),
    connectMs: round(connect - dns),
    tlsMs: round(tls - connect),
    ttfbMs: round(ttfb - tls),
    transferMs: round(end - ttfb),
  };
}

async function exchange(ctx: AttemptContext, request: Prepared, url: URL, ca: string[] | undefined, step: string | undefined): Promise<Exchange> {
  await ctx.acquire(originOf(url), { method: request.method, url: url.href, ...(step === undefined ? {} : { step }) });
  const https = url.protocol === 'https:';
  const timing: ConnectionTiming = { phase: 'dns', certDaysRemaining: null };
  const signal = ctx.clock.signal;
  const startedAt = Date.now();
  const t0 = performance.now();
  const client = new Client(url.origin, {
    connect: timedConnector({ signal, timing, ca, hostAddresses: ctx.options.hostAddresses }),
    // The attempt's clock bounds the exchange; undici's own timers would race it.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const cap = ctx.settings.maxBodyBytes;
  let status: number | null = null;
  let headers: Record<string, string | string[] | undefined> = {};
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  let headersAt: number | undefined;
  let failure: Failure | null = null;
  let settledAt: number | undefined;
  try {
    // dispatch with a plain handler, not client.request: the response is handled in the
    // parser's own callbacks, with no body stream, async iterator or promise hop between
    // the last byte and the end mark (measured: about 0.2 ms per request).
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        settledAt = performance.now();
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('request failed with a non-Error value'));
      };
      // Destroying the client fails the request wherever it is (queued, connecting, reading).
      const onAbort = (): void => {
        finish(signal.reason);
        client.destroy(signal.reason as Error).catch(() => undefined);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      client.dispatch(
        {
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          reset: true,
        },
        {
          // undici recognises this handler shape by onRequestStart.
          onRequestStart: () => undefined,
          onResponseStart: (_controller, statusCode, responseHeaders) => {
            headersAt = performance.now();
            timing.phase = 'body';
            status = statusCode;
            headers = responseHeaders;
          },
          onResponseData: (_controller, chunk) => {
            if (settled) return;
            if (bytes + chunk.length > cap) {
              chunks.push(chunk.subarray(0, cap - bytes));
              bytes = cap;
              truncated = true;
              // Stop reading at once: the rest of the body is never pulled off the wire.
              timing.socket?.destroy();
              finish();
              return;
            }
            chunks.push(chunk);
            bytes += chunk.length;
          },
          onResponseEnd: () => {
            finish();
          },
          onResponseError: (_controller, error) => {
            finish(error);
          },
        },
      );
    });
  } catch (error) {
    const target = `${request.method} ${url.href}`;
    failure = classifyFailure(error, {
      target,
      phase: timing.phase,
      cut: ctx.clock.cause,
      timeoutMs: ctx.clock.timeoutMs,
      ...(timing.phase === 'body' ? { bytesReceived: bytes } : {}),
    });
  }
  // Marked in the handler when the last byte (or the failure) arrived, not a microtask later.
  const end = settledAt ?? performance.now();
  // The exchange starts when undici asks for a connection; its own set-up before that is
  // not the service's time. Failures before that point (none expected) fall back to t0.
  const start = Math.min(timing.start ?? t0, end);
  // Tear the connection down without waiting: a trickling server must not hold us.
  timing.socket?.destroy();
  client.destroy().catch(() => undefined);

  if (truncated && !failure) {
    failure = {
      kind: 'body_too_large',
      message: `${request.method} ${url.href}: body larger than maxBodyBytes, expected at most ${cap} bytes, stopped reading at ${cap}; ${retryNote('body_too_large')}`,
      retryable: false,
    };
  }
  let received: Buffer = Buffer.concat(chunks);
  if (!failure && request.method !== 'HEAD') {
    const decoded = decodeBody(received, headers['content-encoding'], cap, `${request.method} ${url.href}`);
    if (decoded.ok) received = decoded.body;
    else failure = { kind: decoded.kind, message: decoded.message, retryable: false };
  }
  const durationMs = round(end - start);
  ctx.log({
    startedAt,
    ...(step === undefined ? {} : { step }),
    method: request.method,
    url: url.href,
    status,
    durationMs,
    ...(failure ? { error: `${failure.kind}: ${failure.message}` } : {}),
  });
  return {
    phases: phasesFrom(start, timing, https, headersAt, end),
    durationMs,
    status,
    headers,
    body: received,
    bytes,
    truncated,
    certDaysRemaining: timing.certDaysRemaining,
    failure,
  };
}

function redirectFailure(message: string): Failure {
  return { kind: 'redirect_loop', message: `${message}; ${retryNote('redirect_loop')}`, retryable: false };
}

/** Sends one request, following redirects, and judges the final response against its assertions. */
export async function performRequest(ctx: AttemptContext, spec: HttpRequestSpec, extracted: ReadonlyMap<string, string>, step?: string): Promise<RequestRun> {
  const run: RequestRun = {
    phases: zeroPhases(),
    durationMs: 0,
    status: null,
    bytes: 0,
    certDaysRemaining: null,
    assertions: [],
    failure: null,
    response: null,
  };
  let request: Prepared;
  let ca: string[] | undefined;
  try {
    request = await prepare(ctx, spec, extracted);
    ca = await loadCaCertificates([...(ctx.environment.caCertificates ?? []), ...(ctx.check.caCertificates ?? [])], ctx.values);
  } catch (error) {
    run.failure = classifyFailure(error, { target: `${spec.method ?? 'GET'} ${spec.url}`, phase: 'dns', cut: ctx.clock.cause, timeoutMs: ctx.clock.timeoutMs });
    return run;
  }

  const limit = spec.followRedirects ?? 0;
  const visited = [`${request.method} ${request.url.href}`];
  let url = request.url;
  for (let hop = 0; ; hop++) {
    try {
      enforceGuards({ fleet: ctx.fleet, environmentName: ctx.environmentName, environment: ctx.environment, method: request.method, url, sideEffects: spec.sideEffects });
    } catch (error) {
      if (!(error instanceof ProbeFailure)) throw error;
      ctx.log({ startedAt: Date.now(), ...(step === undefined ? {} : { step }), method: request.method, url: url.href, status: null, durationMs: 0, error: `${error.kind}: ${error.message}` });
      run.failure = error.toFailure();
      return run;
    }
    let result: Exchange;
    try {
      result = await exchange(ctx, request, url, ca, step);
    } catch (error) {
      // Only a rate-limit wait that ran out of time lands here.
      run.failure = classifyFailure(error, { target: `${request.method} ${url.href}`, phase: 'dns', cut: ctx.clock.cause, timeoutMs: ctx.clock.timeoutMs });
      return run;
    }
    run.phases = addPhases(run.phases, result.phases);
    run.durationMs = round(run.durationMs + result.durationMs);
    run.bytes += result.bytes;
    run.status = result.status;
    if (result.certDaysRemaining !== null) {
      run.certDaysRemaining = run.certDaysRemaining === null ? result.certDaysRemaining : Math.min(run.certDaysRemaining, result.certDaysRemaining);
    }
    if (result.failure) {
      run.failure = result.failure;
      return run;
    }
    const status = result.status ?? 0;
    const location = result.headers.location;
    if (limit > 0 && REDIRECTS.has(status) && typeof location === 'string') {
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        run.failure = redirectFailure(`${spec.url}: ${status} redirect with an unusable Location, expected a URL, received ${JSON.stringify(location.slice(0, 200))}`);
        return run;
      }
      if (status === 303 || ((status === 301 || status === 302) && request.method === 'POST')) {
        request = { ...request, method: 'GET', body: undefined };
        delete request.headers['content-type'];
      }
      if (next.origin !== url.origin) {
        // A 307/308 would carry a write (and any password in its body) to another origin:
        // the declared side effects were judged for this one.
        if (!READ_ONLY_METHODS.has(request.method)) {
          run.failure = {
            kind: 'guard_blocked',
            message: `${request.method} ${url.href}: redirected to ${next.origin}, expected the write to stay on its own origin, received a ${status} to another; nothing was sent there, and a retry will not help`,
            retryable: false,
          };
          return run;
        }
        // Credentials stay with the origin they were meant for, as browsers do.
        // So does any header whose value holds a secret, whatever its name.
        const redactor = ctx.options.redactor;
        request = {
          ...request,
          headers: Object.fromEntries(Object.entries(request.headers).filter(([name, value]) => !isCredentialHeader(name) && redactor.redact(value) === value)),
        };
      }
      const key = `${request.method} ${next.href}`;
      if (visited.includes(key)) {
        run.failure = redirectFailure(`${spec.url}: redirect loop, expected a final response, received ${[...visited, key].join(' → ')}`);
        return run;
      }
      if (hop + 1 > limit) {
        run.failure = redirectFailure(`${spec.url}: more than ${limit} redirects (followRedirects), expected a final response, received ${[...visited, key].join(' → ')}`);
        return run;
      }
      visited.push(key);
      url = next;
      continue;
    }
    run.response = { url, status, headers: result.headers, body: result.body, durationMs: run.durationMs };
    return run;
  }
}

/** Assertions for a response, with `invalid_json` or `assertion` as the failure when any fails. */
/** Answers that say "not now" rather than "no": a gateway or the service is briefly unavailable. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/** RFC 9110 §9.2.2: sending these again has the same effect as sending them once. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export function judge(
  assertions: readonly Assertion[] | undefined,
  response: ResponseView,
  target: string,
  redact: (text: string) => string,
  method = 'GET',
): { results: AssertionResult[]; failure: Failure | null } {
  const list = assertions && assertions.length > 0 ? assertions : DEFAULT_ASSERTIONS;
  const { results, invalidJson } = evaluateAssertions(list, response, redact);
  // A 502/503/504 to an idempotent request is the service saying "not now": asking again is
  // safe and may well succeed, whatever assertion it failed.
  const transient = TRANSIENT_STATUSES.has(response.status) && IDEMPOTENT_METHODS.has(method.toUpperCase());
  const note = (kind: 'invalid_json' | 'assertion'): string =>
    transient ? `a retry is safe and may succeed (HTTP ${response.status} is temporary and ${method.toUpperCase()} is idempotent)` : retryNote(kind);
  if (invalidJson) {
    return { results, failure: { kind: 'invalid_json', message: `${target}: ${invalidJson}, expected JSON for the json assertions; ${note('invalid_json')}`, retryable: transient } };
  }
  const failed = describeFailed(results);
  if (failed) return { results, failure: { kind: 'assertion', message: `${target}: ${failed}; ${note('assertion')}`, retryable: transient } };
  return { results, failure: null };
}

export async function runHttpCheck(ctx: AttemptContext, spec: HttpRequestSpec): Promise<AttemptOutcome> {
  const run = await performRequest(ctx, spec, new Map());
  const { response, ...outcome } = run;
  if (!response || outcome.failure) return outcome;
  const verdict = judge(spec.assertions, response, `${spec.method ?? 'GET'} ${response.url.href}`, (text) => ctx.options.redactor.redact(text), spec.method ?? 'GET');
  return { ...outcome, assertions: verdict.results, failure: verdict.failure };
}
