// Assertions resolved Gatus-style, table-driven.
import { describe, it, expect } from 'vitest';
import type { Assertion } from '../../lib/model/fleet.js';
import { describeFailed, evaluateAssertions } from '../../lib/runner/assertions.js';
import type { ResponseView } from '../../lib/runner/assertions.js';
import { lookupJsonPath, parseJsonPath } from '../../lib/runner/jsonPath.js';

const body = { status: 'ok', count: 3, items: [{ id: 'a' }, { id: 'b' }], tags: ['x', 'y'], nothing: null, nested: { deep: { flag: true } } };
const view: ResponseView = {
  status: 404,
  headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-123', 'set-cookie': ['a=1', 'b=2'] },
  body: Buffer.from(JSON.stringify(body)),
  durationMs: 120.4,
};

const cases: { name: string; assertion: Assertion; ok: boolean[]; expected?: string; actual?: string; description?: string }[] = [
  { name: 'status equals (fails)', assertion: { type: 'status', equals: 200 }, ok: [false], description: 'status', expected: '200', actual: '404' },
  { name: 'status in list', assertion: { type: 'status', in: [200, 404] }, ok: [true], expected: 'one of [200, 404]' },
  { name: 'status range', assertion: { type: 'status', min: 200, max: 299 }, ok: [false], expected: '200..299' },
  { name: 'status min only', assertion: { type: 'status', min: 400 }, ok: [true], expected: '>= 400' },
  { name: 'header equals', assertion: { type: 'header', name: 'X-Request-Id', equals: 'req-123' }, ok: [true], description: 'header x-request-id' },
  { name: 'header matches', assertion: { type: 'header', name: 'content-type', matches: '^application/json' }, ok: [true] },
  { name: 'header exists false', assertion: { type: 'header', name: 'x-missing', exists: true }, ok: [false], actual: 'absent' },
  { name: 'header absent', assertion: { type: 'header', name: 'x-missing', exists: false }, ok: [true] },
  { name: 'multi-value header joined', assertion: { type: 'header', name: 'set-cookie', equals: 'a=1, b=2' }, ok: [true] },
  { name: 'json equals string', assertion: { type: 'json', path: '$.status', equals: 'ok' }, ok: [true], description: '$.status', expected: '"ok"', actual: '"ok"' },
  { name: 'json equals mismatch', assertion: { type: 'json', path: '$.status', equals: 'down' }, ok: [false], expected: '"down"', actual: '"ok"' },
  { name: 'json deep equals object', assertion: { type: 'json', path: '$.items[1]', equals: { id: 'b' } }, ok: [true] },
  { name: 'json missing path', assertion: { type: 'json', path: '$.nope', equals: 1 }, ok: [false], actual: 'missing' },
  { name: 'json exists', assertion: { type: 'json', path: '$.nested.deep.flag', exists: true }, ok: [true] },
  { name: 'json null exists', assertion: { type: 'json', path: '$.nothing', exists: true, isType: 'null' }, ok: [true, true] },
  { name: 'json contains in array', assertion: { type: 'json', path: '$.tags', contains: 'y' }, ok: [true] },
  { name: 'json contains object subset', assertion: { type: 'json', path: '$.items[0]', contains: { id: 'a' } }, ok: [true] },
  { name: 'json contains substring', assertion: { type: 'json', path: '$.status', contains: 'k' }, ok: [true] },
  { name: 'json isType array', assertion: { type: 'json', path: '$.items', isType: 'array' }, ok: [true] },
  { name: 'json isType wrong', assertion: { type: 'json', path: '$.count', isType: 'string' }, ok: [false], expected: 'type string', actual: 'type number' },
  { name: 'json numeric comparisons', assertion: { type: 'json', path: '$.count', gt: 2, gte: 3, lt: 4, lte: 2 }, ok: [true, true, true, false] },
  { name: 'json comparison on a string fails', assertion: { type: 'json', path: '$.status', gt: 1 }, ok: [false] },
  { name: 'json length exact', assertion: { type: 'json', path: '$.items', length: 2 }, ok: [true], actual: 'length 2' },
  { name: 'json length range', assertion: { type: 'json', path: '$.tags', length: { min: 3 } }, ok: [false], expected: 'length 3..∞' },
  { name: 'json negative index', assertion: { type: 'json', path: "$.items[-1]['id']", equals: 'b' }, ok: [true] },
  { name: 'body contains', assertion: { type: 'body', contains: '"count":3' }, ok: [true] },
  { name: 'body matches', assertion: { type: 'body', matches: 'items.*id' }, ok: [true] },
  { name: 'response time', assertion: { type: 'responseTime', lessThanMs: 100 }, ok: [false], description: 'responseTime', expected: '< 100 ms', actual: '120 ms' },
  { name: 'content type ignores parameters', assertion: { type: 'contentType', equals: 'application/json' }, ok: [true] },
];

describe('assertions', () => {
  it.each(cases)('$name', ({ assertion, ok, expected, actual, description }) => {
    const { results, invalidJson } = evaluateAssertions([assertion], view);
    expect(invalidJson).toBeNull();
    expect(results.map((r) => r.ok)).toEqual(ok);
    if (expected !== undefined) expect(results[0]?.expected).toBe(expected);
    if (actual !== undefined) expect(results[0]?.actual).toBe(actual);
    if (description !== undefined) expect(results[0]?.description).toBe(description);
  });

  it('evaluates and reports every assertion even after one fails', () => {
    const { results } = evaluateAssertions(
      [
        { type: 'status', equals: 200 },
        { type: 'json', path: '$.status', equals: 'ok' },
        { type: 'header', name: 'x-request-id', equals: 'other' },
      ],
      view,
    );
    expect(results.map((r) => r.ok)).toEqual([false, true, false]);
    expect(describeFailed(results)).toBe('status: expected 200, got 404; header x-request-id: expected "other", got "req-123"');
  });

  it('a json assertion on a body that does not parse reports invalid JSON', () => {
    const { results, invalidJson } = evaluateAssertions([{ type: 'json', path: '$.a', exists: true }, { type: 'status', equals: 404 }], { ...view, body: Buffer.from('<html>oops</html>') });
    expect(invalidJson).toContain('<html>oops</html>');
    expect(results.map((r) => r.ok)).toEqual([false, true]);
  });
});

describe('jsonPath', () => {
  it.each([
    ['$', []],
    ['$.a.b', ['a', 'b']],
    ['$.a[0].c', ['a', 0, 'c']],
    ["$['with space'][\"q\"]", ['with space', 'q']],
    ['$.a[-1]', ['a', -1]],
  ])('parses %s', (path, segments) => {
    expect(parseJsonPath(path)).toEqual(segments);
  });

  it.each(['a.b', '$.', '$[x]', '$..a'])('rejects %s', (path) => {
    expect(() => parseJsonPath(path)).toThrow(/JSON path/);
  });

  it('tells a missing value from a null one', () => {
    expect(lookupJsonPath({ a: null }, '$.a')).toEqual({ found: true, value: null });
    expect(lookupJsonPath({ a: null }, '$.b')).toEqual({ found: false });
    expect(lookupJsonPath({ a: [1] }, '$.a[3]')).toEqual({ found: false });
    expect(lookupJsonPath({ a: 'str' }, '$.a.length')).toEqual({ found: false });
  });
});
