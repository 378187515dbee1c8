import { describe, expect, it } from 'vitest';
import { suggestKey } from '../../lib/config/suggestKey.js';

const CHECK_KEYS = ['kind', 'id', 'name', 'service', 'owner', 'runbook', 'rollbackNote', 'expect', 'severity', 'tags', 'schedule', 'timeoutMs', 'degradedMs', 'maxMs', 'assertions', 'environments', 'regions'];

describe('suggestKey', () => {
  it.each([
    { key: 'timout', expected: 'timeoutMs' },
    { key: 'timeout', expected: 'timeoutMs' },
    { key: 'TimeoutMs', expected: 'timeoutMs' },
    { key: 'assertion', expected: 'assertions' },
    { key: 'enviroments', expected: 'environments' },
    { key: 'rollback_note', expected: 'rollbackNote' },
    { key: 'sevrity', expected: 'severity' },
    { key: 'tag', expected: 'tags' },
    { key: 'ids', expected: 'id' },
    { key: 'colour', expected: undefined },
    { key: 'x', expected: undefined },
    { key: 'foo', expected: undefined },
  ])('$key → $expected', ({ key, expected }) => {
    expect(suggestKey(key, CHECK_KEYS)).toBe(expected);
  });
});
