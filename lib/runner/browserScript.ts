// What a browser journey's script sees — `async ({ page, values, expect, step }) => …` — and
// `browserScript(fn)`, which turns that typed function into plain data for the fleet.
// `expect` is our own small set of web-first assertions (playwright-core ships no `expect`):
// each one waits for the page, is recorded in the result as a readable condition, and on
// failure names the selector it waited for.
import type { Locator, Page } from 'playwright-core';
import type { BrowserScriptSource } from '../model/fleet.js';
import type { AssertionResult } from '../model/result.js';

export interface BrowserValues {
  /** The environment's `baseUrl` (or `--base-url`). */
  readonly baseUrl: string;
  /** An environment variable by name; a secret-valued variable is resolved and redacted everywhere. */
  get: (name: string) => Promise<string>;
  /** A secret the check lists in `secrets`; its value is redacted from every result, log and file name. */
  secret: (name: string) => Promise<string>;
}

export interface LocatorAssertions {
  toBeVisible(options?: { timeoutMs?: number }): Promise<void>;
  toBeHidden(options?: { timeoutMs?: number }): Promise<void>;
  /** The first match's whole text (trimmed) equals, or matches. */
  toHaveText(expected: string | RegExp, options?: { timeoutMs?: number }): Promise<void>;
  toContainText(expected: string, options?: { timeoutMs?: number }): Promise<void>;
  toHaveValue(expected: string | RegExp, options?: { timeoutMs?: number }): Promise<void>;
  toHaveCount(expected: number, options?: { timeoutMs?: number }): Promise<void>;
}

export interface PageAssertions {
  toHaveURL(expected: string | RegExp, options?: { timeoutMs?: number }): Promise<void>;
  toHaveTitle(expected: string | RegExp, options?: { timeoutMs?: number }): Promise<void>;
}

export interface ValueAssertions {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toContain(expected: unknown): void;
  toMatch(expected: RegExp): void;
  toBeTruthy(): void;
  toBeLessThan(expected: number): void;
  toBeGreaterThan(expected: number): void;
}

export interface BrowserExpect {
  (target: Locator): LocatorAssertions;
  (target: Page): PageAssertions;
  (target: unknown): ValueAssertions;
}

export interface BrowserScriptContext {
  page: Page;
  values: BrowserValues;
  expect: BrowserExpect;
  /** Times `fn` as a named step; a failure inside names this step. Steps may nest. */
  step: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

export type BrowserScript = (context: BrowserScriptContext) => Promise<void>;

/**
 * Keeps the compiled source of a journey so it travels with the fleet as data. The function
 * is re-created from its own text in the runner: it must not use imports or variables of the
 * config file (pass what changes per environment through `values`).
 */
export function browserScript(fn: BrowserScript): BrowserScriptSource {
  return { code: fn.toString() };
}

/** An expectation that failed: what was checked, expected and seen, and on which element. */
export class BrowserExpectationError extends Error {
  constructor(
    readonly description: string,
    readonly expected: string,
    readonly actual: string,
    readonly selector: string | undefined,
  ) {
    super(`${description}: expected ${expected}, received ${actual}`);
    this.name = 'BrowserExpectationError';
  }
}

const DEFAULT_EXPECT_TIMEOUT_MS = 5_000;
const POLL_MS = 100;

function isLocator(value: unknown): value is Locator {
  return typeof value === 'object' && value !== null && typeof (value as Locator).waitFor === 'function' && typeof (value as Locator).textContent === 'function';
}

function isPage(value: unknown): value is Page {
  return typeof value === 'object' && value !== null && typeof (value as Page).goto === 'function' && typeof (value as Page).url === 'function';
}

/** `locator('#submit')`, as Playwright prints a locator. */
export function describeLocator(locator: Locator): string {
  try {
    return String(locator);
  } catch {
    return 'locator';
  }
}

function shown(value: unknown): string {
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function matches(actual: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? actual === expected : expected.test(actual);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Builds `expect` for one attempt. `record` receives every assertion, passing or not, so the
 * result shows what the journey checked; `signal` ends any waiting when the attempt is cut.
 */
export function createExpect(record: (entry: AssertionResult) => void, signal: AbortSignal): BrowserExpect {
  const judge = (description: string, expected: string, actual: string, ok: boolean, selector?: string): void => {
    record({ description, ok, expected, actual });
    if (!ok) throw new BrowserExpectationError(description, expected, actual, selector);
  };

  /** Polls `read` until `test` passes or the timeout ends; returns the last reading. */
  const poll = async <T>(read: () => Promise<T>, test: (value: T) => boolean, timeoutMs: number): Promise<{ value: T | undefined; ok: boolean; error?: string }> => {
    const until = Date.now() + timeoutMs;
    let last: T | undefined;
    let error: string | undefined;
    for (;;) {
      try {
        last = await read();
        error = undefined;
        if (test(last)) return { value: last, ok: true };
      } catch (caught) {
        error = caught instanceof Error ? caught.message.split('\n')[0] : String(caught);
      }
      if (signal.aborted || Date.now() >= until) return { value: last, ok: false, ...(error === undefined ? {} : { error }) };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  const locatorAssertions = (locator: Locator): LocatorAssertions => {
    const selector = describeLocator(locator);
    const textOf = async (which: 'text' | 'value'): Promise<string> =>
      which === 'text' ? ((await locator.first().textContent({ timeout: POLL_MS * 5 })) ?? '').trim() : await locator.first().inputValue({ timeout: POLL_MS * 5 });
    return {
      async toBeVisible(options) {
        const r = await poll(() => locator.first().isVisible(), (v) => v, options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
        judge(`${selector} is visible`, 'visible', r.ok ? 'visible' : (await locator.count().catch(() => 0)) === 0 ? 'no such element' : 'hidden', r.ok, selector);
      },
      async toBeHidden(options) {
        const r = await poll(() => locator.first().isVisible(), (v) => !v, options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
        judge(`${selector} is hidden`, 'hidden or absent', r.ok ? 'hidden' : 'visible', r.ok, selector);
      },
      async toHaveText(expected, options) {
        const r = await poll(() => textOf('text'), (v) => matches(v, expected), options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
        judge(`${selector} text == ${shown(expected)}`, shown(expected), r.value === undefined ? `no text (${r.error ?? 'no such element'})` : shown(r.value), r.ok, selector);
      },
      async toContainText(expected, options) {
        const r = await poll(() => textOf('text'), (v) => v.includes(expected), options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
        judge(`${selector} text contains ${shown(expected)}`, `text containing ${shown(expected)}`, r.value === undefined ? `no text (${r.error ?? 'no such element'})` : shown(r.value), r.ok, selector);
      },
      async toHaveValue(expected, options) {
        const r = await poll(() => textOf('value'), (v) => matches(v, expected), options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
        judge(`${selector} value == ${shown(expected)}`, shown(expected), r.value === undefined ? `no value (${r.error ?? 'no such element'})` : shown(r.value), r.ok, selector);
      },
      async toHaveCount(expected, options) {
        const r = await poll(() => locator.count(), (v) => v === expected, options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
        judge(`count(${selector}) == ${expected}`, String(expected), String(r.value ?? 0), r.ok, selector);
      },
    };
  };

  const pageAssertions = (page: Page): PageAssertions => ({
    async toHaveURL(expected, options) {
      const r = await poll(() => Promise.resolve(page.url()), (v) => (typeof expected === 'string' ? v === expected || new URL(v).pathname + new URL(v).search === expected : expected.test(v)), options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
      judge(`page URL == ${shown(expected)}`, shown(expected), shown(r.value ?? page.url()), r.ok);
    },
    async toHaveTitle(expected, options) {
      const r = await poll(() => page.title(), (v) => matches(v, expected), options?.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS);
      judge(`page title == ${shown(expected)}`, shown(expected), shown(r.value ?? ''), r.ok);
    },
  });

  const valueAssertions = (actual: unknown): ValueAssertions => ({
    toBe: (expected) => judge(`${shown(actual)} === ${shown(expected)}`, shown(expected), shown(actual), Object.is(actual, expected)),
    toEqual: (expected) => judge(`value equals ${shown(expected)}`, shown(expected), shown(actual), deepEqual(actual, expected)),
    toContain: (expected) =>
      judge(
        `value contains ${shown(expected)}`,
        `something containing ${shown(expected)}`,
        shown(actual),
        typeof actual === 'string' ? typeof expected === 'string' && actual.includes(expected) : Array.isArray(actual) && actual.some((item) => deepEqual(item, expected)),
      ),
    toMatch: (expected) => judge(`value matches ${String(expected)}`, String(expected), shown(actual), typeof actual === 'string' && expected.test(actual)),
    toBeTruthy: () => judge(`${shown(actual)} is truthy`, 'a truthy value', shown(actual), Boolean(actual)),
    toBeLessThan: (expected) => judge(`${shown(actual)} < ${expected}`, `< ${expected}`, shown(actual), typeof actual === 'number' && actual < expected),
    toBeGreaterThan: (expected) => judge(`${shown(actual)} > ${expected}`, `> ${expected}`, shown(actual), typeof actual === 'number' && actual > expected),
  });

  return ((target: unknown) => {
    if (isLocator(target)) return locatorAssertions(target);
    if (isPage(target)) return pageAssertions(target);
    return valueAssertions(target);
  }) as BrowserExpect;
}
