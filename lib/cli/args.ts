// Flag parsing shared by every command: node's own parseArgs, with errors as values.
import { parseArgs } from 'node:util';
import { CREDENTIALS_IN_URL, baseUrlProblem, httpUrlProblem } from '../config/validateRequest.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }>;

export type ParsedFlags<S extends FlagSpec> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean | undefined : S[K]['multiple'] extends true ? string[] | undefined : string | undefined;
};

export type FlagResult<S extends FlagSpec> = { ok: true; values: ParsedFlags<S>; positionals: string[] } | { ok: false; error: string };

export function parseFlags<S extends FlagSpec>(args: string[], spec: S): FlagResult<S> {
  try {
    const { values, positionals } = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
    return { ok: true, values: values as unknown as ParsedFlags<S>, positionals };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest delay a Node timer can hold (2^31 - 1 ms, about 24.8 days). A longer one fires
 * at once, so a duration past it would cut every check the moment it starts.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * `500ms`, `120s`, `2m`, `1h` (or a bare number of seconds) → milliseconds; null when
 * unreadable, not positive, or longer than a timer can wait.
 */
export function parseDuration(text: string): number | null {
  const value = readDuration(text);
  return value !== null && value <= MAX_TIMER_MS ? value : null;
}

function readDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** How a duration reads in messages: the largest unit that divides it (`24h`, `90s`, `1500ms`). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A duration flag with bounds, so an out-of-range value is a usage error that says the limit
 * instead of a run that misbehaves (a too-long timer fires at once). `max` is capped at
 * MAX_TIMER_MS whatever the caller asks.
 */
export function durationFlag(flag: string, text: string, bounds: { min?: number; max: number; examples: string }): { ms: number } | { error: string } {
  const min = bounds.min ?? 1;
  const max = Math.min(bounds.max, MAX_TIMER_MS);
  const range = `duration from ${formatDuration(min)} to ${formatDuration(max)}, such as ${bounds.examples}`;
  const value = readDuration(text);
  if (value === null) return { error: usageError(flag, `a positive ${range}`, text) };
  if (value < min || value > max) return { error: usageError(flag, `a ${range}`, text) };
  return { ms: value };
}

/** A usage error in the house format: what failed, expected, received. */
export function usageError(flag: string, expected: string, received: string): string {
  return `invalid ${flag}: expected ${expected}, received ${JSON.stringify(received)}`;
}

/**
 * A URL given on the command line: absolute http(s), and without a user name or password,
 * which would otherwise be printed in progress lines, reports and the request log. A URL with
 * credentials is described, never echoed. With `base`, the URL is one that check paths are
 * appended to, so a query string or fragment is refused too (and described, never echoed:
 * it may hold a credential).
 */
export function urlFlag(flag: string, text: string, options: { base?: boolean } = {}): { url: string } | { error: string } {
  const problem = httpUrlProblem(text);
  if (problem === undefined) {
    const base = options.base === true ? baseUrlProblem(text) : undefined;
    if (base === undefined) return { url: text };
    return { error: `invalid ${flag}: expected ${base.expected}, received ${base.received}${base.reason === undefined ? '' : ` (${base.reason})`}` };
  }
  if (problem.received === CREDENTIALS_IN_URL) {
    return { error: `invalid ${flag}: expected an http:// or https:// URL without a user name or password (it would be printed in reports and logs), received ${problem.received}` };
  }
  return { error: usageError(flag, 'an absolute http:// or https:// URL', text) };
}
