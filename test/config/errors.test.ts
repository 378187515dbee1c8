// A config error's text: every problem counted in the header, the first ones listed, the rest
// counted (a fleet generated with one mistake repeated over a thousand checks stays readable).
import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_LISTED_DIAGNOSTICS, formatDiagnostics } from '../../lib/config/errors.js';
import type { Diagnostic } from '../../lib/config/errors.js';
import { validateFleet } from '../../lib/config/validate.js';

function problems(count: number): Diagnostic[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `checks[${i}].url`,
    message: `expected a path starting with /, received "health-${i}"`,
    expected: 'a path starting with /',
    received: `"health-${i}"`,
  }));
}

describe('formatDiagnostics', () => {
  it('lists every problem up to the cap', () => {
    const lines = formatDiagnostics(problems(MAX_LISTED_DIAGNOSTICS)).split('\n');
    expect(lines[0]).toBe(`Invalid fleet definition: ${MAX_LISTED_DIAGNOSTICS} problems (fix them and run again; nothing ran or deployed)`);
    expect(lines).toHaveLength(MAX_LISTED_DIAGNOSTICS + 1);
    expect(lines.at(-1)).toBe(`  checks[${MAX_LISTED_DIAGNOSTICS - 1}].url: expected a path starting with /, received "health-${MAX_LISTED_DIAGNOSTICS - 1}"`);
  });

  it('caps a long list and counts what it left out', () => {
    const lines = formatDiagnostics(problems(1000)).split('\n');
    expect(lines[0]).toBe('Invalid fleet definition: 1000 problems (fix them and run again; nothing ran or deployed)');
    expect(lines).toHaveLength(MAX_LISTED_DIAGNOSTICS + 2);
    expect(lines[1]).toBe('  checks[0].url: expected a path starting with /, received "health-0"');
    expect(lines.at(-1)).toBe(`  … and ${1000 - MAX_LISTED_DIAGNOSTICS} more problems not shown (${MAX_LISTED_DIAGNOSTICS} of 1000 listed)`);
  });

  it('says "problem" for one left out', () => {
    expect(formatDiagnostics(problems(3), 2).split('\n').at(-1)).toBe('  … and 1 more problem not shown (2 of 3 listed)');
  });

  it('keeps every diagnostic on the error while its message is capped', () => {
    const error = new ConfigError(problems(250), 'probes.config.ts');
    expect(error.diagnostics).toHaveLength(250);
    expect(error.message.split('\n')).toHaveLength(1 + 1 + MAX_LISTED_DIAGNOSTICS + 1);
    expect(error.message).toContain(`… and ${250 - MAX_LISTED_DIAGNOSTICS} more problems not shown`);
  });

  it('caps a real fleet with the same mistake in 300 checks', () => {
    const check = (i: number): Record<string, unknown> => ({
      kind: 'http', id: `c${i}`, name: `Check ${i}`, service: 'api', owner: 'team-api', runbook: 'https://runbooks.example.com/c',
      rollbackNote: 'Roll back.', expect: 'GET answers 200.', severity: 'critical', url: `/c/${i}`, schedule: '3m',
    });
    const result = validateFleet({
      name: 'shop', homeRegion: 'eu-west-1', regions: ['eu-west-1'],
      environments: { production: { baseUrl: 'https://api.example.com' } },
      checks: Array.from({ length: 300 }, (_, i) => check(i)),
    });
    expect(result.ok).toBe(false);
    const diagnostics = result.ok ? [] : result.diagnostics;
    expect(diagnostics.length).toBeGreaterThanOrEqual(300);
    const text = formatDiagnostics(diagnostics);
    expect(text.split('\n')).toHaveLength(MAX_LISTED_DIAGNOSTICS + 2);
    expect(text).toMatch(new RegExp(`^Invalid fleet definition: ${diagnostics.length} problems`));
    expect(text).toContain(`… and ${diagnostics.length - MAX_LISTED_DIAGNOSTICS} more problems not shown`);
  });
});
