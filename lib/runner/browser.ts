// Runs one attempt of a browser check: a Playwright journey in a fresh, isolated context of a
// headless Chromium. The testing-in-production rules hold at the browser's request layer,
// where the page cannot get around them: every request goes through one route handler that
// aborts writes without declared sideEffects and forbidden paths (nothing reaches the
// service), waits for the origin's rate-limit token, and adds the synthetic headers.
// Service workers are blocked so no request can bypass that handler.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIResponse, Browser, BrowserContext, Page, Request, Route } from 'playwright-core';
import type { BrowserCheck, HttpMethod } from '../model/fleet.js';
import type { AssertionResult, BrowserReport, BrowserRequestNote, BrowserStep, Failure, FailureKind } from '../model/result.js';
import { artifactName } from './browserArtifacts.js';
import { launchingBrowserProvider } from './browserLaunch.js';
import type { BrowserProvider } from './browserLaunch.js';
import { BrowserExpectationError, createExpect } from './browserScript.js';
import type { BrowserScript, BrowserScriptContext, BrowserValues } from './browserScript.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { zeroPhases } from './context.js';
import { ProbeFailure, retryNote } from './failure.js';
import { enforceGuards } from './guards.js';
import { joinUrl } from './http.js';
import { originOf } from './tokenBucket.js';
import { syntheticHeaders } from './userAgent.js';

/** Lists in the report are capped: a page that logs in a loop must not make a huge result. */
const MAX_NOTES = 20;
const MAX_TEXT = 500;
/** How long the post-failure screenshot and the vitals read may take, after the attempt was cut. */
const AFTERMATH_MS = 5_000;
/** Redirect hops a subresource may take, as for http checks' followRedirects ceiling. */
const MAX_REDIRECTS = 10;

/**
 * Largest Contentful Paint and Cumulative Layout Shift as the page's own PerformanceObserver
 * reports them (buffered, so entries from before the script ran count). Browsers that do not
 * support an entry type leave it null rather than guessing.
 */
const VITALS_SCRIPT = `(() => {
  const v = { lcp: null, cls: null };
  Object.defineProperty(window, '__probeFleetVitals', { value: v, enumerable: false });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) v.lcp = e.renderTime || e.loadTime || e.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  } catch {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) v.cls = (v.cls || 0) + e.value;
    }).observe({ type: 'layout-shift', buffered: true });
    v.cls = v.cls || 0;
  } catch {}
})();`;

/** Re-creates the journey function from its source. The source is the fleet author's own code. */
function compileScript(code: string): BrowserScript {
  // esbuild's keepNames wraps nested named functions in __name(…); give it a harmless stand-in.
  // The code is the fleet author's own, evaluated with the same trust as the config file itself.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('__name', `"use strict"; return (${code}\n);`) as (name: (fn: unknown) => unknown) => unknown;
  const script = factory((fn) => fn);
  if (typeof script !== 'function') throw new ProbeFailure('internal', `script: expected a function, received ${typeof script}; a retry will not help until the check is fixed`, false);
  return script as BrowserScript;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** The element a Playwright error says it waited for, e.g. `locator('#submit')`. */
export function selectorFromError(message: string): string | undefined {
  const waiting = /waiting for ((?:locator|getBy[A-Za-z]+|frameLocator)\(.*)$/m.exec(message);
  if (waiting?.[1]) return waiting[1].trim();
  const locator = /Locator: (.+)$/m.exec(message);
  return locator?.[1]?.trim();
}

/** Chromium's network error codes, as the other check kinds classify them. */
function networkKind(message: string): { kind: FailureKind; code: string } | undefined {
  const code = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
  if (code === undefined) return undefined;
  const kinds: Record<string, FailureKind> = {
    ERR_NAME_NOT_RESOLVED: 'dns',
    ERR_NAME_RESOLUTION_FAILED: 'dns',
    ERR_CONNECTION_REFUSED: 'connect_refused',
    ERR_CONNECTION_TIMED_OUT: 'connect_timeout',
    ERR_TIMED_OUT: 'timeout',
    ERR_CONNECTION_RESET: 'reset',
    ERR_CONNECTION_CLOSED: 'reset',
    ERR_EMPTY_RESPONSE: 'reset',
    ERR_CERT_DATE_INVALID: 'tls_expired',
    ERR_CERT_AUTHORITY_INVALID: 'tls_untrusted',
    ERR_CERT_COMMON_NAME_INVALID: 'tls_hostname',
    ERR_SSL_PROTOCOL_ERROR: 'tls_handshake',
    ERR_BLOCKED_BY_CLIENT: 'guard_blocked',
    ERR_TOO_MANY_REDIRECTS: 'redirect_loop',
  };
  return { kind: kinds[code] ?? (code.startsWith('ERR_CERT_') ? 'tls_untrusted' : 'internal'), code };
}

interface Journey {
  steps: BrowserStep[];
  /** Names of the steps running now, outermost first. */
  stack: string[];
  /** The innermost step that was running when the journey failed. */
  failedStep: string | undefined;
  consoleErrors: string[];
  failedRequests: BrowserRequestNote[];
  blockedRequests: BrowserRequestNote[];
  requests: number;
  /** Whether the script resolved any secret (a trace would then hold it: not kept). */
  sawSecret: boolean;
  /** The first page navigation the guards or the rate limiter stopped. */
  blockedNavigation?: { method: string; url: string; reason: string; step: string | undefined };
}

function currentStep(journey: Journey): string | undefined {
  return journey.stack.length === 0 ? undefined : journey.stack.join(' > ');
}

function note(list: BrowserRequestNote[], entry: BrowserRequestNote): void {
  if (list.length < MAX_NOTES) list.push(entry);
}

export async function runBrowserCheck(ctx: AttemptContext, check: BrowserCheck): Promise<AttemptOutcome> {
  const { options, environment, clock, values } = ctx;
  const redact = (text: string): string => options.redactor.redact(text);
  const base = options.baseUrlOverride ?? environment.baseUrl;
  const startText = await values.fill(check.url ?? '/', new Map());
  let startUrl: URL;
  try {
    startUrl = joinUrl(base, startText);
  } catch {
    throw new ProbeFailure('internal', `url '${startText}' with base '${base}': expected an absolute http(s) URL or a path, received something that does not parse; a retry will not help`, false);
  }
  // The start page is judged like any request before a browser is even started.
  enforceGuards({ fleet: ctx.fleet, environmentName: ctx.environmentName, environment, method: 'GET', url: startUrl, sideEffects: check.sideEffects });
  const script = compileScript(check.script.code);

  // Fleet and environment headers go only to the environment's own origin: they may carry
  // credentials that a third-party script or image host must never see.
  const ownOrigin = originOf(new URL(base));
  const ownHeaders: Record<string, string> = {};
  for (const source of [ctx.fleet.defaults?.headers, environment.headers]) {
    for (const [name, value] of Object.entries(source ?? {})) ownHeaders[name.toLowerCase()] = await values.value(value);
  }
  const synthetic = syntheticHeaders(options.runId, ctx.fleet.defaults?.userAgent);

  const journey: Journey = { steps: [], stack: [], failedStep: undefined, consoleErrors: [], failedRequests: [], blockedRequests: [], requests: 0, sawSecret: false };
  const assertions: AssertionResult[] = [];
  const ownProvider = options.browser === undefined;
  const provider: BrowserProvider = options.browser ?? launchingBrowserProvider();
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let failure: Failure | null = null;
  let journeyStart = performance.now();
  let lastStatus: number | null = null;
  let bytes = 0;
  /** When each request was handed on, and in which step: it may finish in a later one. */
  const sentAt = new Map<Request, { at: number; step: string | undefined }>();
  const redirectStatus = new Map<Request, number>();

  const onRoute = async (route: Route, request: Request): Promise<void> => {
    let url: URL;
    try {
      url = new URL(request.url());
    } catch {
      await route.continue().catch(() => undefined);
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      await route.continue().catch(() => undefined);
      return;
    }
    const method = request.method().toUpperCase();
    const step = currentStep(journey);
    const startedAt = Date.now();
    try {
      enforceGuards({ fleet: ctx.fleet, environmentName: ctx.environmentName, environment, method: method as HttpMethod, url, sideEffects: check.sideEffects });
      await ctx.acquire(originOf(url), { method, url: url.href, ...(step === undefined ? {} : { step }) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      note(journey.blockedRequests, { method, url: redact(url.href), status: null, reason: redact(clip(reason)), ...(step === undefined ? {} : { step }) });
      if (request.isNavigationRequest() && journey.blockedNavigation === undefined) journey.blockedNavigation = { method, url: redact(url.href), reason: redact(clip(reason)), step };
      // A refused token was logged by acquire itself; a guard block is logged here.
      if (error instanceof ProbeFailure && error.kind === 'guard_blocked') {
        ctx.log({ startedAt, ...(step === undefined ? {} : { step }), method, url: url.href, status: null, durationMs: 0, error: `guard_blocked: ${reason}` });
      }
      if (request.isNavigationRequest() && request.frame() === page?.mainFrame()) {
        // Chromium's own page for an aborted navigation is blank: the failure screenshot would
        // show nothing. A page that says what was stopped and why is what a person needs to see.
        await route.fulfill({ status: 403, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: blockedPage(method, redact(url.href), redact(reason)) }).catch(() => undefined);
        return;
      }
      await route.abort('blockedbyclient').catch(() => undefined);
      return;
    }
    journey.requests += 1;
    sentAt.set(request, { at: Date.now(), step });
    await forward(route, request, url, method, step);
  };

  const headersFor = (request: Request, target: URL, crossedOrigin: boolean): Record<string, string> => {
    const own = { ...request.headers() };
    // As browsers do on a redirect to another origin: the page's credentials stay behind.
    if (crossedOrigin) {
      delete own.authorization;
      delete own.cookie;
    }
    return { ...own, ...(originOf(target) === ownOrigin ? ownHeaders : {}), ...synthetic };
  };

  /**
   * Sends the request and hands the response to the page, one redirect hop at a time. Chromium
   * follows a redirect without asking the route handler again, so a 303 after a form post, or a
   * redirect to /payments, would escape the guards and the rate limit. A page navigation that
   * redirects gets a tiny page that replaces itself with the target, so the next hop is a new
   * navigation that comes through the route handler; a subresource's hops are followed here,
   * each guarded and rate-limited, and the last response is handed to the page.
   */
  const forward = async (route: Route, request: Request, url: URL, method: string, step: string | undefined): Promise<void> => {
    let target = url;
    let hopMethod = method;
    for (let hop = 0; ; hop++) {
      let response: APIResponse;
      try {
        response = await route.fetch({
          url: target.href,
          method: hopMethod,
          headers: headersFor(request, target, originOf(target) !== originOf(url)),
          maxRedirects: 0,
          ...(hopMethod !== method ? { postData: '' } : {}),
        });
      } catch (error) {
        const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        await route.abort(/ECONNREFUSED/.test(reason) ? 'connectionrefused' : /ENOTFOUND|EAI_AGAIN/.test(reason) ? 'namenotresolved' : /ETIMEDOUT|timeout/i.test(reason) ? 'timedout' : 'failed').catch(() => undefined);
        return;
      }
      const status = response.status();
      const location = response.headers().location;
      if (status < 300 || status >= 400 || location === undefined) {
        await route.fulfill({ response }).catch(() => undefined);
        return;
      }
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        await route.fulfill({ response }).catch(() => undefined);
        return;
      }
      // Fetch's rules (https://fetch.spec.whatwg.org/#http-redirect-fetch): 303, and a POST answered with 301/302, continue as GET.
      const nextMethod = status === 303 || ((status === 301 || status === 302) && hopMethod === 'POST') ? 'GET' : hopMethod;
      if (request.isNavigationRequest()) {
        // The log and the report show the service's redirect, not the stand-in page.
        redirectStatus.set(request, status);
        // Cookies the redirect set (a session after a sign-in) reach the browser with the stand-in page.
        const cookies = response
          .headersArray()
          .filter((h) => h.name.toLowerCase() === 'set-cookie')
          .map((h) => h.value);
        const standInHeaders: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
        if (cookies.length > 0) standInHeaders['set-cookie'] = cookies.join('\n');
        const body = `<!doctype html><meta charset="utf-8"><title>redirect</title><script>location.replace(${JSON.stringify(next.href).replace(/</g, '\\u003c')})</script>`;
        await route
          .fulfill({ status: 200, headers: standInHeaders, body })
          .catch(() => undefined);
        return;
      }
      if (hop >= MAX_REDIRECTS) {
        await route.abort('failed').catch(() => undefined);
        return;
      }
      try {
        enforceGuards({ fleet: ctx.fleet, environmentName: ctx.environmentName, environment, method: nextMethod as HttpMethod, url: next, sideEffects: check.sideEffects });
        await ctx.acquire(originOf(next), { method: nextMethod, url: next.href, ...(step === undefined ? {} : { step }) });
      } catch (error) {
        const reason = `redirected from ${redact(target.href)}: ${error instanceof Error ? error.message : String(error)}`;
        note(journey.blockedRequests, { method: nextMethod, url: redact(next.href), status: null, reason: redact(clip(reason)), ...(step === undefined ? {} : { step }) });
        if (error instanceof ProbeFailure && error.kind === 'guard_blocked') {
          ctx.log({ startedAt: Date.now(), ...(step === undefined ? {} : { step }), method: nextMethod, url: next.href, status: null, durationMs: 0, error: `guard_blocked: ${reason}` });
        }
        await route.abort('blockedbyclient').catch(() => undefined);
        return;
      }
      ctx.log({ startedAt: Date.now(), ...(step === undefined ? {} : { step }), method: hopMethod, url: target.href, status, durationMs: 0 });
      journey.requests += 1;
      target = next;
      hopMethod = nextMethod;
    }
  };

  const stepOf = (request: Request): { step?: string } => {
    const step = sentAt.get(request)?.step;
    return step === undefined ? {} : { step };
  };

  const logFinished = (request: Request, status: number | null, error?: string): void => {
    const sent = sentAt.get(request);
    if (sent === undefined) return; // blocked before it was sent: already logged
    sentAt.delete(request);
    ctx.log({ startedAt: sent.at, ...(sent.step === undefined ? {} : { step: sent.step }), method: request.method(), url: request.url(), status, durationMs: Date.now() - sent.at, ...(error === undefined ? {} : { error }) });
  };

  const cut = new Promise<'cut'>((resolve) => {
    if (clock.signal.aborted) resolve('cut');
    clock.signal.addEventListener('abort', () => resolve('cut'), { once: true });
  });

  try {
    const browser: Browser = await provider.browser();
    const { 'user-agent': userAgent, ...extraHeaders } = synthetic;
    context = await browser.newContext({
      userAgent,
      // Also set on the context, so a request the route handler does not see (a WebSocket) is still marked.
      extraHTTPHeaders: extraHeaders,
      serviceWorkers: 'block',
      acceptDownloads: false,
      viewport: check.viewport ?? { width: 1280, height: 720 },
    });
    context.setDefaultTimeout(Math.min(ctx.settings.timeoutMs, 30_000));
    await context.addInitScript(VITALS_SCRIPT);
    await context.route('**/*', onRoute);
    if (check.trace === true) await context.tracing.start({ screenshots: true, snapshots: true });
    const opened = await context.newPage();
    page = opened;
    opened.on('console', (message) => {
      if (message.type() === 'error' && journey.consoleErrors.length < MAX_NOTES) journey.consoleErrors.push(redact(clip(message.text())));
    });
    opened.on('pageerror', (error) => {
      if (journey.consoleErrors.length < MAX_NOTES) journey.consoleErrors.push(redact(clip(`uncaught ${error.name}: ${error.message}`)));
    });
    opened.on('requestfinished', (request) => {
      void request.response().then(async (response) => {
        const status = redirectStatus.get(request) ?? response?.status() ?? null;
        if (request.isNavigationRequest() && request.frame() === opened.mainFrame()) lastStatus = status;
        const sizes = await request.sizes().catch(() => undefined);
        bytes += sizes?.responseBodySize ?? 0;
        if (status !== null && status >= 400) note(journey.failedRequests, { method: request.method(), url: redact(request.url()), status, reason: `HTTP ${status}`, ...stepOf(request) });
        logFinished(request, status);
      }, () => logFinished(request, null));
    });
    opened.on('requestfailed', (request) => {
      const reason = request.failure()?.errorText ?? 'failed';
      const wasSent = sentAt.has(request);
      if (wasSent) note(journey.failedRequests, { method: request.method(), url: redact(request.url()), status: null, reason, ...stepOf(request) });
      logFinished(request, null, reason);
    });

    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const entry: BrowserStep = { name: [...journey.stack, name].join(' > '), startMs: round(performance.now() - journeyStart), durationMs: 0, ok: false };
      journey.steps.push(entry);
      journey.stack.push(name);
      const t = performance.now();
      try {
        const value = await fn();
        entry.ok = true;
        return value;
      } catch (error) {
        journey.failedStep ??= entry.name;
        throw error;
      } finally {
        entry.durationMs = round(performance.now() - t);
        journey.stack.pop();
      }
    };
    const scriptValues: BrowserValues = {
      baseUrl: base,
      get: async (name) => {
        const variable = environment.variables?.[name];
        if (variable === undefined) {
          throw new ProbeFailure('internal', `values.get('${name}'): expected a variable of environment '${ctx.environmentName}', found none (available: ${Object.keys(environment.variables ?? {}).join(', ') || 'none'}); a retry will not help`, false);
        }
        if (typeof variable !== 'string') journey.sawSecret = true;
        return values.value(variable);
      },
      secret: async (name) => {
        if (!(check.secrets ?? []).includes(name)) {
          throw new ProbeFailure('internal', `values.secret('${name}'): expected a secret listed in the check's secrets (${(check.secrets ?? []).join(', ') || 'none'}), received an undeclared name; a retry will not help until it is declared`, false);
        }
        journey.sawSecret = true;
        return values.secret(name);
      },
    };
    const scriptContext: BrowserScriptContext = { page: opened, values: scriptValues, expect: createExpect((entry) => assertions.push(entry), clock.signal), step };

    journeyStart = performance.now();
    const run = (async () => {
      await step(`open ${startUrl.pathname}`, async () => {
        await opened.goto(startUrl.href, { waitUntil: 'load' });
      });
      await script(scriptContext);
    })();
    // The script cannot be cancelled from outside; when the attempt is cut, closing the
    // context (below) makes whatever it awaits reject.
    run.catch(() => undefined);
    const outcome = await Promise.race([run.then(() => 'done' as const), cut]);
    if (outcome === 'cut') {
      const kind: FailureKind = clock.cause === 'timeout' ? 'timeout' : 'deadline';
      const where = journey.stack.length > 0 ? ` in step "${currentStep(journey)}"` : '';
      journey.failedStep ??= currentStep(journey);
      const limit = clock.cause === 'timeout' ? `within timeoutMs ${ctx.settings.timeoutMs}` : clock.cause === 'aborted' ? 'before the run was stopped' : "before the run's deadline";
      failure = { kind, message: `${check.id}: the journey did not finish ${limit}${where}; ${retryNote(kind)}`, retryable: kind === 'timeout' };
    }
  } catch (error) {
    failure = describeFailure(check.id, error, journey);
  }
  // A journey that fails after one of its navigations was stopped fails because of the stop:
  // the page it expected never loaded. Say so, rather than report the missing element.
  const stopped = journey.blockedNavigation;
  if (failure && stopped && failure.kind !== 'guard_blocked') {
    const kind: FailureKind = stopped.reason.startsWith('rate-limited') ? 'deadline' : 'guard_blocked';
    const where = stopped.step === undefined ? '' : ` step "${stopped.step}"`;
    failure = {
      kind,
      message: `${check.id}${where}: the browser did not send ${stopped.method} ${stopped.url}: ${stopped.reason} (then: ${failure.message})`,
      retryable: false,
      ...(stopped.step === undefined ? {} : { step: stopped.step }),
    };
  }

  const report: BrowserReport = {
    finalUrl: page ? redact(page.url()) : null,
    steps: journey.steps,
    consoleErrors: journey.consoleErrors,
    failedRequests: journey.failedRequests,
    blockedRequests: journey.blockedRequests,
    requests: journey.requests,
    vitals: { lcpMs: null, cls: null },
  };
  try {
    if (page && !page.isClosed()) {
      report.vitals = await withTimeout(readVitals(page), AFTERMATH_MS, { lcpMs: null, cls: null });
      if (failure) {
        await keepArtifacts(ctx, check, page, context, journey, report);
        // The message is what a person reads first (console, JUnit, notifications): point at the picture.
        if (report.screenshot !== undefined) failure = { ...failure, message: `${failure.message} (screenshot: ${report.screenshot})` };
      }
    }
    if (context && check.trace === true && !report.trace) await context.tracing.stop().catch(() => undefined);
  } finally {
    await context?.close().catch(() => undefined);
    if (ownProvider) await provider.close().catch(() => undefined);
  }

  const durationMs = round(performance.now() - journeyStart);
  return {
    phases: { ...zeroPhases(), transferMs: durationMs },
    durationMs,
    status: lastStatus,
    bytes,
    certDaysRemaining: null,
    assertions,
    failure,
    browser: report,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The stand-in for a navigation the guards or the rate limiter stopped (never sent to the service). */
function blockedPage(method: string, url: string, reason: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Blocked by probe-fleet</title><body style="font-family:sans-serif;margin:2em">
<h1>probe-fleet did not send this request</h1><p><code>${escapeHtml(method)} ${escapeHtml(url)}</code></p><p>${escapeHtml(reason)}</p></body>`;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

async function readVitals(page: Page): Promise<BrowserReport['vitals']> {
  // A journey may end the moment an element's text exists, before the frame that paints it:
  // wait two animation frames so the paint (and its LCP entry) has happened.
  const raw: unknown = await page.evaluate(
    'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(window.__probeFleetVitals ?? null), 0))))',
  );
  const read = (key: 'lcp' | 'cls'): unknown => (typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : null);
  const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null);
  return { lcpMs: num(read('lcp')), cls: num(read('cls')) };
}

/** Turns what the journey threw into a Failure naming the step and, where known, the selector. */
function describeFailure(checkId: string, error: unknown, journey: Journey): Failure {
  const step = journey.failedStep;
  const where = step === undefined ? '' : ` step "${step}"`;
  const stepField = step === undefined ? {} : { step };
  if (error instanceof BrowserExpectationError) {
    return { kind: 'assertion', message: `${checkId}${where}: ${error.message}; ${retryNote('assertion')}`, retryable: false, ...stepField, ...(error.selector === undefined ? {} : { selector: error.selector }) };
  }
  if (error instanceof ProbeFailure) return error.toFailure(step);
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = clip(message.split('\n')[0] ?? message);
  const selector = selectorFromError(message);
  const network = networkKind(message);
  if (network?.kind === 'guard_blocked') {
    const blocked = journey.blockedRequests.at(-1);
    const why = blocked ? `${blocked.method} ${blocked.url} was blocked: ${blocked.reason}` : `the browser refused a request (${network.code})`;
    return { kind: 'guard_blocked', message: `${checkId}${where}: ${why}`, retryable: false, ...stepField };
  }
  if (network) {
    return { kind: network.kind, message: `${checkId}${where}: ${firstLine}; ${retryNote(network.kind)}`, retryable: network.kind !== 'internal' && new ProbeFailure(network.kind, '').retryable, ...stepField };
  }
  // A navigation that timed out is the service being slow; an element that never appeared is the page being wrong.
  const isTimeout = error instanceof Error && error.name === 'TimeoutError';
  if (isTimeout && /page\.(goto|reload|waitForNavigation|waitForURL)|navigating to/.test(message)) {
    return { kind: 'timeout', message: `${checkId}${where}: ${firstLine}; ${retryNote('timeout')}`, retryable: true, ...stepField };
  }
  const expected = selector === undefined ? 'the journey to finish' : `${selector} to be there and ready`;
  return {
    kind: 'assertion',
    message: `${checkId}${where}: expected ${expected}, received ${isTimeout ? 'a timeout' : 'an error'}: ${firstLine}; ${retryNote('assertion')}`,
    retryable: false,
    ...stepField,
    ...(selector === undefined ? {} : { selector }),
  };
}

/**
 * The failure screenshot, with every password field and every field holding a known secret
 * masked, and the trace unless the journey touched a secret (a trace records what was typed
 * and cannot be redacted). File names are built from redacted parts only.
 */
async function keepArtifacts(ctx: AttemptContext, check: BrowserCheck, page: Page, context: BrowserContext | undefined, journey: Journey, report: BrowserReport): Promise<void> {
  const sink = ctx.options.artifacts;
  const parts = { checkId: check.id, environment: ctx.environmentName, location: ctx.options.location, runId: ctx.options.runId, attempt: ctx.attempt };
  if (!sink) {
    report.artifactNote = 'no screenshot kept: no artifacts destination (--artifacts DIR locally)';
    return;
  }
  try {
    const fields = page.locator('input, textarea');
    const fieldValues = await withTimeout(fields.evaluateAll((elements) => elements.map((e) => (e as unknown as { value: string }).value)), AFTERMATH_MS, [] as string[]);
    const mask = [page.locator('input[type=password]')];
    fieldValues.forEach((value, i) => {
      if (value !== '' && ctx.options.redactor.redact(value) !== value) mask.push(fields.nth(i));
    });
    const png = await page.screenshot({ timeout: AFTERMATH_MS, mask, animations: 'disabled' });
    report.screenshot = await sink.put(artifactName(parts, 'png', ctx.options.redactor), png, 'image/png');
  } catch (error) {
    report.artifactNote = `no screenshot kept: ${clip(error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error))}`;
  }
  if (check.trace === true && context) {
    if (journey.sawSecret) {
      await context.tracing.stop().catch(() => undefined);
      report.trace = undefined;
      report.artifactNote = `${report.artifactNote ? `${report.artifactNote}; ` : ''}no trace kept: the journey read a secret, and a trace records typed text unredacted`;
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'probe-fleet-trace-'));
    try {
      const path = join(dir, 'trace.zip');
      await context.tracing.stop({ path });
      report.trace = await sink.put(artifactName(parts, 'zip', ctx.options.redactor), await readFile(path), 'application/zip');
    } catch (error) {
      report.artifactNote = `no trace kept: ${clip(error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error))}`;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

