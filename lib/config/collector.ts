// Collects diagnostics while validation walks the fleet definition, and holds the small
// checks (types, ranges, keys) that every part of it repeats.
import type { Diagnostic } from './errors.js';
import { suggestKey } from './suggestKey.js';

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** `checks` + 3 → `checks[3]`; `environments` + `prod` → `environments.prod`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

const MAX_SHOWN = 80;

/** How a received value reads in a message. Strings are quoted and shortened. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} ${value.length === 1 ? 'item' : 'items'}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  return 'an object';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Smallest value excluded (e.g. a rate must be above 0). */
  above?: number;
}

function describeNumberRule(rule: NumberRule): string {
  const noun = rule.integer ? 'an integer' : 'a number';
  if (rule.above !== undefined) return rule.max === undefined ? `${noun} above ${rule.above}` : `${noun} above ${rule.above} and at most ${rule.max}`;
  if (rule.min !== undefined && rule.max !== undefined) return `${noun} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${noun} of at least ${rule.min}`;
  if (rule.max !== undefined) return `${noun} of at most ${rule.max}`;
  return `a finite ${rule.integer ? 'integer' : 'number'}`;
}

export class Collector {
  readonly diagnostics: Diagnostic[] = [];

  /** Records a problem; `problem` leads the message when the expectation alone does not explain it. */
  report(path: string, expected: string, received: string, problem?: string): void {
    const base = `expected ${expected}, received ${received}`;
    this.diagnostics.push({ path, expected, received, message: problem === undefined ? base : `${problem}: ${base}` });
  }

  /** A plain object with only allowed keys; unknown keys are reported one by one. */
  object(path: string, value: unknown, allowed: readonly string[], what = 'an object', foreign?: (key: string) => string | undefined): Record<string, unknown> | undefined {
    if (!isRecord(value)) {
      this.report(path, what, describeReceived(value));
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (allowed.includes(key)) continue;
      const elsewhere = foreign?.(key);
      if (elsewhere !== undefined) {
        this.report(at(path, key), `one of ${allowed.join(', ')}`, JSON.stringify(key), elsewhere);
        continue;
      }
      const suggestion = suggestKey(key, allowed);
      if (suggestion !== undefined) {
        this.report(at(path, key), JSON.stringify(suggestion), JSON.stringify(key), `unknown key "${key}" (did you mean "${suggestion}"?)`);
      } else {
        this.report(at(path, key), `one of ${allowed.join(', ')}`, JSON.stringify(key), `unknown key "${key}"`);
      }
    }
    return value;
  }

  /** Reports a missing required value; true when the value is present. */
  present(path: string, value: unknown, expected: string, required: boolean): boolean {
    if (value !== undefined) return true;
    if (required) this.report(path, expected, 'nothing', 'missing required value');
    return false;
  }

  string(path: string, value: unknown, required: boolean, expected = 'a non-empty string'): string | undefined {
    if (!this.present(path, value, expected, required)) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.report(path, expected, describeReceived(value));
      return undefined;
    }
    return value;
  }

  /** A string that must also match a pattern (ids, regions, header names). */
  matching(path: string, value: unknown, required: boolean, pattern: RegExp, expected: string): string | undefined {
    const text = this.string(path, value, required, expected);
    if (text === undefined) return undefined;
    if (!pattern.test(text)) {
      this.report(path, expected, describeReceived(text));
      return undefined;
    }
    return text;
  }

  number(path: string, value: unknown, required: boolean, rule: NumberRule = {}): number | undefined {
    const expected = describeNumberRule(rule);
    if (!this.present(path, value, expected, required)) return undefined;
    // Non-finite numbers and numeric strings are errors, never a silent 0 or a silent parse.
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.report(path, expected, describeReceived(value));
      return undefined;
    }
    const outside =
      (rule.integer === true && !Number.isInteger(value)) ||
      (rule.min !== undefined && value < rule.min) ||
      (rule.max !== undefined && value > rule.max) ||
      (rule.above !== undefined && value <= rule.above);
    if (outside) {
      this.report(path, expected, describeReceived(value));
      return undefined;
    }
    return value;
  }

  boolean(path: string, value: unknown, required = false): boolean | undefined {
    if (!this.present(path, value, 'true or false', required)) return undefined;
    if (typeof value !== 'boolean') {
      this.report(path, 'true or false', describeReceived(value));
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, required: boolean, options: readonly T[]): T | undefined {
    const expected = `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
    if (!this.present(path, value, expected, required)) return undefined;
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      this.report(path, expected, describeReceived(value));
      return undefined;
    }
    return value as T;
  }

  array(path: string, value: unknown, required: boolean, expected: string, nonEmpty = false): unknown[] | undefined {
    if (!this.present(path, value, expected, required)) return undefined;
    if (!Array.isArray(value)) {
      this.report(path, expected, describeReceived(value));
      return undefined;
    }
    if (nonEmpty && value.length === 0) {
      this.report(path, expected, 'an empty array');
      return undefined;
    }
    return value as unknown[];
  }

  /** A regular expression written as a string (JavaScript syntax). */
  regex(path: string, value: unknown, required: boolean): RegExp | undefined {
    const text = this.string(path, value, required, 'a regular expression');
    if (text === undefined) return undefined;
    try {
      return new RegExp(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.report(path, 'a valid regular expression', describeReceived(text), reason);
      return undefined;
    }
  }
}
