// Assertion and extractor shapes, per `type` / `from`.
import { parseJsonPath } from '../runner/jsonPath.js';
import { at, describeReceived, isRecord } from './collector.js';
import type { Collector } from './collector.js';

const ASSERTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  status: ['type', 'equals', 'in', 'min', 'max'],
  header: ['type', 'name', 'equals', 'matches', 'exists'],
  json: ['type', 'path', 'equals', 'contains', 'exists', 'isType', 'gt', 'gte', 'lt', 'lte', 'length'],
  body: ['type', 'contains', 'matches'],
  responseTime: ['type', 'lessThanMs'],
  contentType: ['type', 'equals'],
};
const ASSERTION_TYPES = Object.keys(ASSERTION_KEYS);
const STATUS = { integer: true, min: 100, max: 599 };
const JSON_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const;

export const JSON_PATH_EXPECTED = 'a JSON path like $.a.b';

export function validateJsonPath(c: Collector, path: string, value: unknown): void {
  const text = c.string(path, value, true, JSON_PATH_EXPECTED);
  if (text === undefined) return;
  try {
    parseJsonPath(text);
  } catch {
    c.report(path, JSON_PATH_EXPECTED, describeReceived(text));
  }
}

/** Values a JSON document can hold: no undefined, functions or non-finite numbers. */
function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (isRecord(value)) return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  return false;
}

function requireOneOf(c: Collector, path: string, record: Record<string, unknown>, keys: readonly string[], what: string): void {
  if (keys.some((key) => record[key] !== undefined)) return;
  c.report(path, `at least one of ${keys.join(', ')}`, 'none of them', `a ${what} assertion with nothing to check`);
}

export function validateAssertion(c: Collector, path: string, value: unknown): void {
  if (!isRecord(value)) {
    c.report(path, `an assertion object with a type (${ASSERTION_TYPES.join(', ')})`, describeReceived(value));
    return;
  }
  const type = c.oneOf(at(path, 'type'), value.type, true, ASSERTION_TYPES);
  if (type === undefined) return;
  const a = c.object(path, value, ASSERTION_KEYS[type] ?? []);
  if (!a) return;
  switch (type) {
    case 'status': {
      c.number(at(path, 'equals'), a.equals, false, STATUS);
      const list = c.array(at(path, 'in'), a.in, false, 'a non-empty array of HTTP status codes', true);
      list?.forEach((item, i) => c.number(at(at(path, 'in'), i), item, true, STATUS));
      const min = c.number(at(path, 'min'), a.min, false, STATUS);
      const max = c.number(at(path, 'max'), a.max, false, STATUS);
      if (min !== undefined && max !== undefined && min > max) c.report(at(path, 'max'), `a status of at least min (${min})`, String(max));
      requireOneOf(c, path, a, ['equals', 'in', 'min', 'max'], 'status');
      break;
    }
    case 'header':
      c.matching(at(path, 'name'), a.name, true, /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name');
      c.string(at(path, 'equals'), a.equals, false, 'a string');
      c.regex(at(path, 'matches'), a.matches, false);
      c.boolean(at(path, 'exists'), a.exists);
      requireOneOf(c, path, a, ['equals', 'matches', 'exists'], 'header');
      break;
    case 'json': {
      validateJsonPath(c, at(path, 'path'), a.path);
      for (const key of ['equals', 'contains'] as const) {
        if (a[key] !== undefined && !isJsonValue(a[key])) c.report(at(path, key), 'a JSON value (finite numbers, no functions)', describeReceived(a[key]));
      }
      c.boolean(at(path, 'exists'), a.exists);
      c.oneOf(at(path, 'isType'), a.isType, false, JSON_TYPES);
      for (const key of ['gt', 'gte', 'lt', 'lte'] as const) c.number(at(path, key), a[key], false);
      validateLength(c, at(path, 'length'), a.length);
      requireOneOf(c, path, a, ['equals', 'contains', 'exists', 'isType', 'gt', 'gte', 'lt', 'lte', 'length'], 'json');
      break;
    }
    case 'body':
      if (a.contains !== undefined && typeof a.contains !== 'string') c.report(at(path, 'contains'), 'a string', describeReceived(a.contains));
      c.regex(at(path, 'matches'), a.matches, false);
      requireOneOf(c, path, a, ['contains', 'matches'], 'body');
      break;
    case 'responseTime':
      c.number(at(path, 'lessThanMs'), a.lessThanMs, true, { integer: true, min: 1, max: 900_000 });
      break;
    case 'contentType':
      c.string(at(path, 'equals'), a.equals, true, 'a media type such as application/json');
      break;
  }
}

function validateLength(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'number' || !isRecord(value)) {
    c.number(path, value, true, { integer: true, min: 0 });
    return;
  }
  const range = c.object(path, value, ['min', 'max']);
  if (!range) return;
  const min = c.number(at(path, 'min'), range.min, false, { integer: true, min: 0 });
  const max = c.number(at(path, 'max'), range.max, false, { integer: true, min: 0 });
  if (min !== undefined && max !== undefined && min > max) c.report(at(path, 'max'), `a length of at least min (${min})`, String(max));
  if (range.min === undefined && range.max === undefined) c.report(path, 'min, max or both', 'neither');
}

const EXTRACTOR_KEYS: Readonly<Record<string, readonly string[]>> = {
  json: ['from', 'path'],
  header: ['from', 'name'],
  body: ['from', 'regex', 'group'],
};

export function validateExtractor(c: Collector, path: string, value: unknown): void {
  if (!isRecord(value)) {
    c.report(path, "an extractor { from: 'json' | 'header' | 'body', … }", describeReceived(value));
    return;
  }
  const from = c.oneOf(at(path, 'from'), value.from, true, ['json', 'header', 'body'] as const);
  if (from === undefined) return;
  const e = c.object(path, value, EXTRACTOR_KEYS[from] ?? []);
  if (!e) return;
  if (from === 'json') validateJsonPath(c, at(path, 'path'), e.path);
  if (from === 'header') c.matching(at(path, 'name'), e.name, true, /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name');
  if (from === 'body') {
    const regex = c.regex(at(path, 'regex'), e.regex, true);
    // A group the expression does not have would extract nothing on every run.
    const groups = regex ? new RegExp(`${regex.source}|`).exec('')?.length ?? 1 : undefined;
    const group = c.number(at(path, 'group'), e.group, false, { integer: true, min: 0 });
    if (group !== undefined && groups !== undefined && group > groups - 1) {
      c.report(at(path, 'group'), `a capture group from 0 to ${groups - 1}`, String(group));
    }
  }
}
