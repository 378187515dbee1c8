// Assertions resolved Gatus-style: each one says what was checked, what was expected
// and what was seen, so a failure reads without a debugger (`status: expected 200, got 404`).
// Every assertion is evaluated and reported, even after one has failed.
import type { Assertion } from '../model/fleet.js';
import type { AssertionResult } from '../model/result.js';
import { JsonPathError, lookupJsonPath } from './jsonPath.js';

export interface ResponseView {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  durationMs: number;
}

export interface Evaluation {
  results: AssertionResult[];
  /** Set when a json assertion met a body that does not parse. */
  invalidJson: string | null;
}

/** Used when a request lists no assertions: any non-error status passes. */
export const DEFAULT_ASSERTIONS: readonly Assertion[] = [{ type: 'status', min: 200, max: 399 }];

const EXCERPT = 120;

// Values are shown whole here and clipped once, in evaluateAssertions, after redaction: a
// secret cut in half by the clip would leave a prefix the redactor no longer recognises.
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  return JSON.stringify(value);
}

type Redact = (text: string) => string;

/**
 * A body quoted in a result. Redacted before it is JSON-encoded: encoding escapes the body's
 * own escapes again (`\\\"` for a secret's `"` inside a JSON body), and a redactor that ran
 * afterwards would have to recognise the secret under one more layer of escaping.
 */
function excerpt(text: string, redact: Redact): string {
  // A body can be a mebibyte: redact a prefix, not all of it. A secret cut by that prefix
  // survives only as a tail the redactor cannot recognise, at the end of the redacted text;
  // the prefix grows until that end lies far beyond the clip (or the body is whole), so
  // even a body that is mostly secrets (each masked to a few characters) shows none.
  for (let size = EXCERPT * 8; ; size *= 4) {
    if (text.length <= size) return JSON.stringify(redact(text));
    const redacted = redact(text.slice(0, size));
    if (redacted.length >= EXCERPT * 4) return JSON.stringify(redacted.slice(0, EXCERPT * 2));
  }
}

/** A value from a parsed body, its strings redacted before it is shown as JSON. */
function shown(value: unknown, redact: Redact): string {
  return show(redactStrings(value, redact));
}

function redactStrings(value: unknown, redact: Redact, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  // Parsed JSON is bounded by the body cap; the depth bound only keeps the stack safe.
  if (depth > 256 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactStrings(item, redact, depth + 1)]));
}

function clip(text: string): string {
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
}

function headerValue(view: ResponseView, name: string): string | undefined {
  const raw = view.headers[name.toLowerCase()];
  return Array.isArray(raw) ? raw.join(', ') : raw;
}

function result(description: string, ok: boolean, expected: string, actual: string): AssertionResult {
  return { description, ok, expected, actual };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
  if (Array.isArray(haystack)) return haystack.some((item) => deepEqual(item, needle));
  if (haystack !== null && typeof haystack === 'object' && needle !== null && typeof needle === 'object') {
    // An object contains another when every key of the needle is present and equal.
    return Object.entries(needle).every(([k, v]) => deepEqual((haystack as Record<string, unknown>)[k], v));
  }
  return false;
}

function statusResults(a: Extract<Assertion, { type: 'status' }>, status: number): AssertionResult[] {
  const actual = String(status);
  const out: AssertionResult[] = [];
  if (a.equals !== undefined) out.push(result('status', status === a.equals, String(a.equals), actual));
  if (a.in !== undefined) out.push(result('status', a.in.includes(status), `one of [${a.in.join(', ')}]`, actual));
  if (a.min !== undefined && a.max !== undefined) {
    out.push(result('status', status >= a.min && status <= a.max, `${a.min}..${a.max}`, actual));
  } else if (a.min !== undefined) {
    out.push(result('status', status >= a.min, `>= ${a.min}`, actual));
  } else if (a.max !== undefined) {
    out.push(result('status', status <= a.max, `<= ${a.max}`, actual));
  }
  return out;
}

function headerResults(a: Extract<Assertion, { type: 'header' }>, view: ResponseView, redact: Redact): AssertionResult[] {
  const description = `header ${a.name.toLowerCase()}`;
  const value = headerValue(view, a.name);
  const actual = value === undefined ? 'missing' : JSON.stringify(redact(value));
  const out: AssertionResult[] = [];
  if (a.exists !== undefined) out.push(result(description, (value !== undefined) === a.exists, a.exists ? 'present' : 'absent', value === undefined ? 'absent' : actual));
  if (a.equals !== undefined) out.push(result(description, value === a.equals, JSON.stringify(a.equals), actual));
  if (a.matches !== undefined) out.push(result(description, value !== undefined && new RegExp(a.matches).test(value), `matches /${a.matches}/`, actual));
  return out;
}

function numeric(description: string, actual: unknown, op: string, bound: number, test: (n: number) => boolean, redact: Redact): AssertionResult {
  return result(description, typeof actual === 'number' && test(actual), `${op} ${bound}`, shown(actual, redact));
}

function jsonResults(a: Extract<Assertion, { type: 'json' }>, document: unknown, redact: Redact): AssertionResult[] {
  const description = a.path;
  let lookup;
  try {
    lookup = lookupJsonPath(document, a.path);
  } catch (error) {
    const reason = error instanceof JsonPathError ? error.message : String(error);
    return [result(description, false, 'a valid JSON path', reason)];
  }
  const actual = lookup.found ? lookup.value : undefined;
  const out: AssertionResult[] = [];
  if (a.exists !== undefined) out.push(result(description, lookup.found === a.exists, a.exists ? 'exists' : 'absent', lookup.found ? shown(actual, redact) : 'missing'));
  if (a.equals !== undefined) out.push(result(description, lookup.found && deepEqual(actual, a.equals), shown(a.equals, redact), shown(actual, redact)));
  if (a.contains !== undefined) out.push(result(description, lookup.found && contains(actual, a.contains), `contains ${shown(a.contains, redact)}`, shown(actual, redact)));
  if (a.isType !== undefined) out.push(result(description, lookup.found && typeOf(actual) === a.isType, `type ${a.isType}`, lookup.found ? `type ${typeOf(actual)}` : 'missing'));
  if (a.gt !== undefined) out.push(numeric(description, actual, '>', a.gt, (n) => n > (a.gt ?? 0), redact));
  if (a.gte !== undefined) out.push(numeric(description, actual, '>=', a.gte, (n) => n >= (a.gte ?? 0), redact));
  if (a.lt !== undefined) out.push(numeric(description, actual, '<', a.lt, (n) => n < (a.lt ?? 0), redact));
  if (a.lte !== undefined) out.push(numeric(description, actual, '<=', a.lte, (n) => n <= (a.lte ?? 0), redact));
  if (a.length !== undefined) {
    const length = typeof actual === 'string' || Array.isArray(actual) ? actual.length : undefined;
    const lengthShown = length === undefined ? `${shown(actual, redact)} (no length)` : `length ${length}`;
    if (typeof a.length === 'number') {
      out.push(result(description, length === a.length, `length ${a.length}`, lengthShown));
    } else {
      const { min, max } = a.length;
      const ok = length !== undefined && (min === undefined || length >= min) && (max === undefined || length <= max);
      out.push(result(description, ok, `length ${min ?? 0}..${max ?? '∞'}`, lengthShown));
    }
  }
  return out;
}

function bodyResults(a: Extract<Assertion, { type: 'body' }>, text: string, redact: Redact): AssertionResult[] {
  const out: AssertionResult[] = [];
  if (a.contains !== undefined) out.push(result('body', text.includes(a.contains), `contains ${JSON.stringify(redact(a.contains))}`, excerpt(text, redact)));
  if (a.matches !== undefined) out.push(result('body', new RegExp(a.matches).test(text), `matches /${a.matches}/`, excerpt(text, redact)));
  return out;
}

export function responseTimeResult(lessThanMs: number, durationMs: number): AssertionResult {
  return result('responseTime', durationMs < lessThanMs, `< ${lessThanMs} ms`, `${Math.round(durationMs)} ms`);
}

/** `redact` runs on every shown value before it is clipped to an excerpt. */
export function evaluateAssertions(assertions: readonly Assertion[], view: ResponseView, redact: Redact = (t) => t): Evaluation {
  const results: AssertionResult[] = [];
  let text: string | undefined;
  let parsed: { ok: true; value: unknown } | { ok: false; reason: string } | undefined;
  const bodyText = (): string => (text ??= view.body.toString('utf8'));
  const json = (): typeof parsed => {
    if (parsed) return parsed;
    try {
      parsed = { ok: true, value: JSON.parse(bodyText()) as unknown };
    } catch (error) {
      parsed = { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    return parsed;
  };
  let invalidJson: string | null = null;

  for (const a of assertions) {
    switch (a.type) {
      case 'status':
        results.push(...statusResults(a, view.status));
        break;
      case 'header':
        results.push(...headerResults(a, view, redact));
        break;
      case 'json': {
        const doc = json();
        if (doc?.ok) {
          results.push(...jsonResults(a, doc.value, redact));
        } else {
          // The parser's message quotes the body too (`Unexpected token … in "…"`).
          invalidJson = `body is not valid JSON (${redact(doc?.reason ?? 'unknown')}), received ${excerpt(bodyText(), redact)}`;
          results.push(result(a.path, false, 'a JSON body', `invalid JSON: ${excerpt(bodyText(), redact)}`));
        }
        break;
      }
      case 'body':
        results.push(...bodyResults(a, bodyText(), redact));
        break;
      case 'responseTime':
        results.push(responseTimeResult(a.lessThanMs, view.durationMs));
        break;
      case 'contentType': {
        const raw = headerValue(view, 'content-type');
        const media = raw?.split(';')[0]?.trim().toLowerCase();
        results.push(result('contentType', media === a.equals.toLowerCase(), a.equals, raw === undefined ? 'missing' : JSON.stringify(redact(raw))));
        break;
      }
    }
  }
  return {
    results: results.map((r) => ({ ...r, expected: clip(redact(r.expected)), actual: clip(redact(r.actual)) })),
    invalidJson: invalidJson === null ? null : clip(redact(invalidJson)),
  };
}

export function describeFailed(results: readonly AssertionResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `${r.description}: expected ${r.expected}, got ${r.actual}`)
    .join('; ');
}
