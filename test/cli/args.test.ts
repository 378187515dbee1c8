// The shared flag readers: durations every command parses the same way, with bounds a timer can hold.
import { describe, expect, it } from 'vitest';
import { durationFlag, formatDuration, MAX_TIMER_MS, parseDuration, parseFlags } from '../../lib/cli/args.js';
import { assertBuilt, runCli, tempDir } from './helpers.js';
import { deadlineFlag, MAX_DEADLINE_MS } from '../../lib/cli/runFlags.js';

describe('parseDuration', () => {
  const cases: { text: string; ms: number | null }[] = [
    { text: '500ms', ms: 500 },
    { text: '90', ms: 90_000 },
    { text: '2m', ms: 120_000 },
    { text: '1h', ms: 3_600_000 },
    { text: '0', ms: null },
    { text: 'soon', ms: null },
    { text: '-5s', ms: null },
    // 597h is past 2^31 - 1 ms: a Node timer would fire at once instead of waiting.
    { text: '597h', ms: null },
    { text: `${MAX_TIMER_MS}ms`, ms: MAX_TIMER_MS },
    { text: `${MAX_TIMER_MS + 1}ms`, ms: null },
  ];
  for (const c of cases) {
    it(`${c.text} → ${String(c.ms)}`, () => {
      expect(parseDuration(c.text)).toBe(c.ms);
    });
  }
});

describe('formatDuration', () => {
  it('uses the largest unit that divides the duration', () => {
    expect([86_400_000, 120_000, 90_000, 1500].map(formatDuration)).toEqual(['24h', '2m', '90s', '1500ms']);
  });
});

describe('--deadline', () => {
  const cases: { name: string; text: string; result: { value: number } | { error: string } }[] = [
    { name: 'a minute', text: '1m', result: { value: 60_000 } },
    { name: 'exactly the 24h cap', text: '24h', result: { value: MAX_DEADLINE_MS } },
    {
      name: 'past the cap',
      text: '25h',
      result: { error: 'invalid --deadline: expected a duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "25h"' },
    },
    {
      name: 'past what a timer can hold (was: every check failed at once as deadline)',
      text: '600h',
      result: { error: 'invalid --deadline: expected a duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "600h"' },
    },
    {
      name: 'unreadable',
      text: 'soon',
      result: { error: 'invalid --deadline: expected a positive duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "soon"' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(deadlineFlag(c.text, 120_000)).toEqual(c.result);
    });
  }

  it('falls back to the default when absent', () => {
    expect(deadlineFlag(undefined, 120_000)).toEqual({ value: 120_000 });
  });
});

describe('durationFlag', () => {
  it('never allows more than a timer can hold, whatever the caller asks', () => {
    expect(durationFlag('--period', '700h', { max: Number.MAX_SAFE_INTEGER, examples: '2s' })).toEqual({
      error: `invalid --period: expected a duration from 1ms to ${MAX_TIMER_MS}ms, such as 2s, received "700h"`,
    });
  });

  it('enforces a minimum', () => {
    expect(durationFlag('--period', '50ms', { min: 100, max: 3_600_000, examples: '2s' })).toEqual({
      error: 'invalid --period: expected a duration from 100ms to 1h, such as 2s, received "50ms"',
    });
  });
});

describe('flag errors in the CLI\'s own words', () => {
  const spec = {
    config: { type: 'string' },
    env: { type: 'string' },
    reporter: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const errorOf = (args: string[]): string => {
    const result = parseFlags(args, spec);
    return result.ok ? 'parsed' : result.error;
  };

  it('an unknown flag names the flags the command has, not how to pass a positional after --', () => {
    const error = errorOf(['--bogus']);
    expect(error).toBe('Unknown option \'--bogus\': expected one of --config, --env, --reporter, --help (-h), received "--bogus"');
    expect(error).not.toMatch(/positional/);
  });

  it('a typo is told the nearest flag', () => {
    expect(errorOf(['--confg', 'fleet.ts'])).toMatch(/received "--confg"; did you mean --config\?$/);
    expect(errorOf(['--rep', 'json'])).toMatch(/did you mean --reporter\?$/);
  });

  it('an unknown short flag is listed against the same flags', () => {
    expect(errorOf(['-x'])).toBe('Unknown option \'-x\': expected one of --config, --env, --reporter, --help (-h), received "-x"');
  });

  it('a flag missing its value says so', () => {
    expect(errorOf(['--config'])).toBe('invalid --config: expected a value after it, received nothing');
  });

  it('a value that looks like a flag is named, with how to pass it', () => {
    expect(errorOf(['--env', '--reporter', 'json'])).toBe('invalid --env: expected a value after it, received the flag "--reporter"; write --env=--reporter if that is the value');
  });

  it('a switch given a value says it takes none', () => {
    expect(errorOf(['--help=yes'])).toBe('invalid --help: expected no value (it is a switch: give it or leave it out), received "yes"');
  });

  it('valid flags still parse', () => {
    const result = parseFlags(['--config', 'fleet.ts', '-h'], spec);
    expect(result.ok && result.values).toEqual({ config: 'fleet.ts', help: true });
  });

  it('probe-fleet test answers an unknown flag with exit 2, its flags and the help hint', async () => {
    assertBuilt();
    const temp = tempDir();
    const run = await runCli(['test', '--reportr', 'json'], { cwd: temp.dir }).finally(() => temp.remove());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^probe-fleet test: Unknown option '--reportr': expected one of .*--reporter.*, received "--reportr"; did you mean --reporter\?\n/);
    expect(run.stderr).toContain("Run 'probe-fleet test --help' for the options.");
    expect(run.stderr).not.toMatch(/positional/);
  });
});
