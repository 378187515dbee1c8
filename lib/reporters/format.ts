// Text shared by the reporters, so that a failure reads the same in a terminal, a JSON
// file and a CI system's JUnit view.
import type { AssertionResult, CheckResult } from '../model/result.js';
import type { Redactor } from '../secrets/secrets.js';

/** A failed assertion, resolved: `status: expected 200, got 404`. */
export function formatAssertion(assertion: AssertionResult): string {
  return `${assertion.description}: expected ${assertion.expected}, got ${assertion.actual}`;
}

export function failingAssertions(result: CheckResult): string[] {
  return result.assertions.filter((a) => !a.ok).map(formatAssertion);
}

export type Outcome = 'passed' | 'degraded' | 'flaky' | 'failed' | 'skipped';

export function outcomeOf(result: CheckResult): Outcome {
  if (result.skipped === true) return 'skipped';
  if (!result.ok) return 'failed';
  if (result.flaky) return 'flaky';
  if (result.degraded) return 'degraded';
  return 'passed';
}

/** One line saying why a check did not pass; empty when it passed. */
export function failureReason(result: CheckResult): string {
  if (result.ok && result.skipped !== true) return '';
  const assertions = failingAssertions(result);
  const stepName = result.failure?.step;
  // Flow assertions usually name their step already (`get token › status`); say it once.
  const step = stepName === undefined || assertions.some((a) => a.startsWith(stepName)) ? '' : `step "${stepName}": `;
  if (result.failure?.kind === 'assertion' && assertions.length > 0) return step + assertions.join('; ');
  if (result.failure) return `${step}${result.failure.kind}: ${result.failure.message}`;
  if (result.skipped === true) return 'skipped: not started before the run ended';
  return assertions.join('; ') || 'failed';
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Every string inside a JSON-compatible value redacted, whatever escaping serialisation would add later. */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  return walk(value, redactor) as T;
}

function walk(value: unknown, redactor: Redactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, redactor));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, redactor);
    return out;
  }
  return value;
}
