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
    return { ok: false, error: flagError(error, args, spec) };
  }
}

/**
 * node's parseArgs errors in the CLI's own words. Its own text explains how to pass a
 * positional argument that starts with '-', which no command here takes; what helps is the
 * list of flags the command has, the nearest one to a typo, and the house format.
 */
function flagError(error: unknown, args: readonly string[], spec: FlagSpec): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // "Unknown option '--x'", "Option '--config <value>' argument missing", "Option '-h, --help' does not take an argument".
  const flag = /'(?:-\w, )?(--?[^' <=,]+)/.exec(message)?.[1];
  if (flag === undefined) return message;
  const known = Object.keys(spec).map((name) => `--${name}`);
  const listed = Object.keys(spec).map((name) => (spec[name]?.short === undefined ? `--${name}` : `--${name} (-${spec[name]?.short})`));
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = nearestFlag(flag, known);
    // Kept as "Unknown option '--x'", the words people search for, then what the command takes.
    return `Unknown option '${flag}': expected one of ${listed.join(', ')}, received ${JSON.stringify(flag)}${near === undefined ? '' : `; did you mean ${near}?`}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = longName(flag, spec);
    if (spec[name]?.type === 'boolean') {
      const given = args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? '';
      return usageError(`--${name}`, 'no value (it is a switch: give it or leave it out)', given);
    }
    const index = args.findIndex((arg) => arg === flag);
    const next = index >= 0 ? args[index + 1] : undefined;
    if (next === undefined) return `invalid --${name}: expected a value after it, received nothing`;
    // The next word starts with '-': parseArgs will not guess whether it is the value or a flag.
    return `invalid --${name}: expected a value after it, received the flag ${JSON.stringify(next)}; write --${name}=${next} if that is the value`;
  }
  return message;
}

function longName(flag: string, spec: FlagSpec): string {
  if (flag.startsWith('--')) return flag.slice(2);
  const short = flag.slice(1);
  return Object.keys(spec).find((name) => spec[name]?.short === short) ?? short;
}

/** The known flag closest to a typo (at most two edits away, or a prefix of it), if any. */
function nearestFlag(flag: string, known: readonly string[]): string | undefined {
  const typed = flag.startsWith('--') ? flag : `-${flag}`;
  let best: { flag: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.startsWith(typed) ? 1 : editDistance(typed, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { flag: candidate, distance };
  }
  return best?.flag;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
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
