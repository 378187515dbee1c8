// One HTTP request as an http check or a flow step declares it: method and side effects,
// URL and forbidden paths, headers, query, body, auth, redirects and assertions.
import type { ForbiddenPathRule } from './forbiddenPaths.js';
import { pathIsForbidden, requestPath } from './forbiddenPaths.js';
import { at, describeReceived, isRecord } from './collector.js';
import type { Collector } from './collector.js';
import { scanPlaceholders, withStandIns } from './placeholders.js';
import { describeLiteral, isLiteralSecret, isSecretName } from './secretRules.js';
import { validateAssertion } from './validateAssertion.js';
import type { PlaceholderScope } from './validateValues.js';
import { looksLikeSecretRef, validateHeaders, validatePlaceholders, validateSecretRef, validateStringOrSecret } from './validateValues.js';

export const REQUEST_KEYS = ['method', 'url', 'headers', 'query', 'body', 'auth', 'followRedirects', 'sideEffects', 'assertions'] as const;
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const READ_ONLY: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

export interface TargetEnvironment {
  name: string;
  sandbox: boolean;
  baseUrl: string | undefined;
  variables: ReadonlySet<string>;
}

export interface RequestScope extends PlaceholderScope {
  environments: readonly TargetEnvironment[];
  forbidden: readonly ForbiddenPathRule[];
}

/** An absolute http(s) URL without credentials; the problem as text, or undefined when fine. */
export function httpUrlProblem(text: string, httpsOnly = false): { expected: string; received: string } | undefined {
  const expected = httpsOnly ? 'an https:// URL' : 'an http:// or https:// URL';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { expected, received: 'a string that is not a URL' };
  }
  if (url.protocol !== 'https:' && (httpsOnly || url.protocol !== 'http:')) return { expected, received: `a ${url.protocol} URL` };
  if (url.username !== '' || url.password !== '') return { expected: `${expected} without credentials (use secret() headers or auth)`, received: CREDENTIALS_IN_URL };
  return undefined;
}

export const CREDENTIALS_IN_URL = 'a URL with a user name or password';

/**
 * Names of the query parameters written into a URL string whose names mark a credential
 * (`token`, `api_key`, …) and whose values are literals, by the same rule as the `query`
 * object: such a value comes only from a `{{placeholder}}` naming a secret variable.
 */
export function literalQueryCredentials(text: string): string[] {
  const query = text.split('#')[0]?.split('?').slice(1).join('?') ?? '';
  if (query === '') return [];
  const names: string[] = [];
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const value = equals === -1 ? '' : pair.slice(equals + 1);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    if (isSecretName(name) && isLiteralSecret(value) && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The message part for literal credentials in a URL's query string: it names them, never their values. */
export function queryCredentialsReason(names: readonly string[]): string {
  const quoted = names.map((n) => JSON.stringify(n)).join(', ');
  return `query parameter${names.length === 1 ? '' : 's'} ${quoted} in the URL hold${names.length === 1 ? 's' : ''} a credential (URLs are printed in reports and logs)`;
}

/**
 * A base URL that check paths are joined to: an absolute http(s) URL without credentials,
 * query string or fragment (joined with `/health`, either would end up in the middle of the
 * request URL). A query is described, never shown: it may hold a credential.
 */
export function baseUrlProblem(text: string): { expected: string; received: string; reason?: string } | undefined {
  const problem = httpUrlProblem(text);
  if (problem) return { expected: problem.expected, received: shownUrl(problem, text) };
  const url = new URL(text);
  const hasQuery = url.search !== '' || /\?/.test(text.split('#')[0] ?? '');
  const hasFragment = url.hash !== '' || text.includes('#');
  if (!hasQuery && !hasFragment) return undefined;
  const parts = [hasQuery ? 'a query string' : '', hasFragment ? 'a fragment' : ''].filter((p) => p !== '').join(' and ');
  const credentials = literalQueryCredentials(text);
  return {
    expected: 'an http:// or https:// URL without a query string or fragment (check paths are appended to it; put query parameters on each check)',
    received: `${JSON.stringify(`${url.origin}${url.pathname}`)} with ${parts}`,
    ...(credentials.length > 0 ? { reason: queryCredentialsReason(credentials) } : {}),
  };
}

/** What a message shows of a URL whose query holds a credential: no query at all. */
function withoutQuery(text: string): string {
  return `${JSON.stringify(text.split(/[?#]/)[0] ?? '')} with a literal credential in its query string`;
}

/** What a message shows of a rejected URL: the text itself, unless it carries credentials. */
export function shownUrl(problem: { received: string }, text: string): string {
  return problem.received === CREDENTIALS_IN_URL ? problem.received : describeReceived(text);
}

function validateUrl(c: Collector, path: string, value: unknown, scope: RequestScope): void {
  const url = c.string(path, value, true, 'an absolute http(s) URL or a path starting with /');
  if (url === undefined) return;
  validatePlaceholders(c, path, url, scope);
  const credentials = literalQueryCredentials(url);
  if (credentials.length > 0) {
    c.report(path, 'credentials in the query string only as {{placeholders}} naming secret variables', withoutQuery(url), queryCredentialsReason(credentials));
  }
  // A URL that starts with a placeholder takes its scheme and host from a variable: only the
  // runner can judge it (its guards still apply to the filled URL).
  if (/^\{\{/.test(url)) return;
  const standIn = withStandIns(url);
  if (ABSOLUTE.test(standIn)) {
    const problem = httpUrlProblem(standIn);
    if (problem) {
      c.report(path, problem.expected, shownUrl(problem, url));
      return;
    }
  } else if (!standIn.startsWith('/')) {
    c.report(path, 'an absolute http(s) URL or a path starting with /', describeReceived(url));
    return;
  }
  if (scope.forbidden.length === 0) return;
  const byRule = new Map<string, string[]>();
  for (const environment of scope.environments) {
    if (environment.sandbox) continue;
    const paths = [requestPath(standIn, environment.baseUrl ?? 'http://localhost/')];
    if (!ABSOLUTE.test(standIn)) paths.push(standIn.split(/[?#]/)[0]);
    const rule = paths.map((p) => (p === undefined ? undefined : pathIsForbidden(p, scope.forbidden))).find((r) => r !== undefined);
    if (rule) byRule.set(rule.source, [...(byRule.get(rule.source) ?? []), environment.name]);
  }
  for (const [source, environments] of byRule) {
    c.report(
      path,
      `a path outside forbiddenPaths, or only sandbox environments (not ${environments.join(', ')})`,
      describeReceived(url),
      `the path matches forbidden path ${JSON.stringify(source)} outside a sandbox`,
    );
  }
}

function validateSideEffects(c: Collector, path: string, value: unknown, method: string | undefined, scope: RequestScope): void {
  if (value === undefined) {
    if (method !== undefined && !READ_ONLY.has(method)) {
      c.report(
        at(path, 'method'),
        "GET, HEAD or OPTIONS, or sideEffects declared ({ kind: 'none', reason } or { kind: 'sandbox', reason })",
        `${method} without sideEffects`,
        `${method} may write to the service`,
      );
    }
    return;
  }
  const sideEffectsPath = at(path, 'sideEffects');
  const effects = c.object(sideEffectsPath, value, ['kind', 'reason'], "{ kind: 'none' | 'sandbox', reason }");
  if (!effects) return;
  const kind = c.oneOf(at(sideEffectsPath, 'kind'), effects.kind, true, ['none', 'sandbox'] as const);
  c.string(at(sideEffectsPath, 'reason'), effects.reason, true, 'a reason (why this request is safe)');
  if (kind !== 'sandbox') return;
  const live = scope.environments.filter((e) => !e.sandbox).map((e) => e.name);
  if (live.length > 0) {
    c.report(
      at(sideEffectsPath, 'kind'),
      'only environments marked sandbox: true (set the check\'s environments)',
      `environment${live.length === 1 ? '' : 's'} ${live.join(', ')} without sandbox: true`,
      "sideEffects 'sandbox' really writes",
    );
  }
}

function validateQuery(c: Collector, path: string, value: unknown, scope: RequestScope): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    c.report(path, 'an object of name → string, number or boolean', describeReceived(value));
    return;
  }
  for (const [name, item] of Object.entries(value)) {
    const itemPath = at(path, name);
    // Query strings end up in logs and proxies; credentials there come only from secret variables.
    if (isSecretName(name) && isLiteralSecret(item)) {
      c.report(itemPath, `a {{placeholder}} naming a secret variable`, describeLiteral(item), `query parameter "${name}" holds a credential`);
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) c.report(itemPath, 'a finite number, a string or a boolean', describeReceived(item));
    } else if (typeof item === 'string') {
      validatePlaceholders(c, itemPath, item, scope);
    } else if (typeof item !== 'boolean') {
      c.report(itemPath, 'a string, number or boolean', describeReceived(item));
    }
  }
}

/** Walks a JSON body: credential-named fields need placeholders; secret() is not filled inside JSON. */
function validateJsonBody(c: Collector, path: string, value: unknown, scope: RequestScope, depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    validatePlaceholders(c, path, value, scope);
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    c.report(path, 'a JSON value (finite numbers)', describeReceived(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => validateJsonBody(c, at(path, i), item, scope, depth + 1));
    return;
  }
  if (looksLikeSecretRef(value)) {
    c.report(path, "a {{placeholder}} naming an environment variable set to secret('name')", "secret() inside a json body", 'secret references are not filled inside JSON');
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = at(path, key);
    if (isSecretName(key) && isLiteralSecret(item)) c.report(itemPath, `a {{placeholder}} naming a secret variable`, describeLiteral(item), `field "${key}" holds a credential`);
    else validateJsonBody(c, itemPath, item, scope, depth + 1);
  }
}

function validateBody(c: Collector, path: string, value: unknown, scope: RequestScope): void {
  if (value === undefined) return;
  const body = c.object(path, value, ['json', 'text', 'contentType', 'form'], '{ json } or { text, contentType? } or { form }');
  if (!body) return;
  const kinds = (['json', 'text', 'form'] as const).filter((k) => body[k] !== undefined);
  if (kinds.length !== 1) {
    c.report(path, 'exactly one of json, text, form', kinds.length === 0 ? 'none of them' : kinds.join(' and '));
  }
  if (body.json !== undefined) validateJsonBody(c, at(path, 'json'), body.json, scope);
  if (body.text !== undefined) {
    if (typeof body.text !== 'string') c.report(at(path, 'text'), 'a string', describeReceived(body.text));
    else validatePlaceholders(c, at(path, 'text'), body.text, scope);
  }
  if (body.contentType !== undefined) {
    if (body.text === undefined) c.report(at(path, 'contentType'), 'contentType only with text', 'contentType without text');
    else c.string(at(path, 'contentType'), body.contentType, false, 'a media type such as text/plain');
  }
  if (body.form !== undefined) {
    const formPath = at(path, 'form');
    if (!isRecord(body.form)) {
      c.report(formPath, "an object of field → string or secret('name')", describeReceived(body.form));
    } else {
      for (const [name, field] of Object.entries(body.form)) {
        const text = validateStringOrSecret(c, at(formPath, name), field, isSecretName(name) ? `form field "${name}"` : undefined);
        if (text !== undefined) validatePlaceholders(c, at(formPath, name), text, scope);
      }
    }
  }
}

function validateAuth(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  const auth = c.object(path, value, ['bearer', 'basic'], "{ bearer: secret('name') } or { basic: { username, password: secret('name') } }");
  if (!auth) return;
  if ((auth.bearer === undefined) === (auth.basic === undefined)) {
    c.report(path, 'exactly one of bearer, basic', auth.bearer === undefined ? 'none of them' : 'both');
    return;
  }
  if (auth.bearer !== undefined) validateSecretRef(c, at(path, 'bearer'), auth.bearer, true);
  if (auth.basic !== undefined) {
    const basicPath = at(path, 'basic');
    const basic = c.object(basicPath, auth.basic, ['username', 'password'], "{ username, password: secret('name') }");
    if (!basic) return;
    if (c.present(at(basicPath, 'username'), basic.username, "a string or secret('name')", true)) {
      const username = validateStringOrSecret(c, at(basicPath, 'username'), basic.username, undefined);
      // The runner sends the user name as written: a placeholder here would reach the service verbatim.
      if (username !== undefined && scanPlaceholders(username).names.length > 0) {
        c.report(at(basicPath, 'username'), "a literal user name or secret('name')", describeReceived(username), 'placeholders are not filled in auth.basic.username');
      }
    }
    validateSecretRef(c, at(basicPath, 'password'), basic.password, true);
  }
}

/** Validates the request keys of `record` (an http check or a flow step) at `path`. */
export function validateRequest(c: Collector, path: string, record: Record<string, unknown>, scope: RequestScope): void {
  const method = c.oneOf(at(path, 'method'), record.method, false, METHODS) ?? (record.method === undefined ? 'GET' : undefined);
  validateUrl(c, at(path, 'url'), record.url, scope);
  validateSideEffects(c, path, record.sideEffects, method, scope);
  validateHeaders(c, at(path, 'headers'), record.headers, (headerPath, text) => validatePlaceholders(c, headerPath, text, scope));
  validateQuery(c, at(path, 'query'), record.query, scope);
  validateBody(c, at(path, 'body'), record.body, scope);
  validateAuth(c, at(path, 'auth'), record.auth);
  c.number(at(path, 'followRedirects'), record.followRedirects, false, { integer: true, min: 0, max: 20 });
  const assertions = c.array(at(path, 'assertions'), record.assertions, false, 'an array of assertions');
  assertions?.forEach((assertion, i) => validateAssertion(c, at(at(path, 'assertions'), i), assertion));
}
