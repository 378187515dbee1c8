// The one interface every result sink of a CLI run implements (list, json, junit), and the
// summary they share. Reporters only format and write: they never decide the exit code.
import type { Fleet } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { PlannedCheck } from '../runner/api.js';

/** Anything text can be written to: process.stdout, a file stream, a test buffer. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface RunBeginInfo {
  fleet: Fleet;
  runId: string;
  planned: PlannedCheck[];
}

export interface RunSummary {
  total: number;
  /** Ran and passed (degraded and flaky results are included here too). */
  passed: number;
  /** Ran and failed. */
  failed: number;
  /** Passed, but slower than the check's `degradedMs`. */
  degraded: number;
  /** Passed only after a retry. */
  flaky: number;
  /** Could not start before the run's deadline or an interrupt; counted as failures by the exit code. */
  skipped: number;
  durationMs: number;
}

export interface Reporter {
  onBegin(info: RunBeginInfo): void;
  onCheckEnd(result: CheckResult, planned: PlannedCheck): void;
  /** Writes the final report; resolves once it is flushed to its stream. */
  onEnd(summary: RunSummary, results: CheckResult[]): void | Promise<void>;
}

export function summarize(results: readonly CheckResult[], durationMs: number): RunSummary {
  const summary: RunSummary = { total: results.length, passed: 0, failed: 0, degraded: 0, flaky: 0, skipped: 0, durationMs: Math.round(durationMs) };
  for (const result of results) {
    if (result.skipped === true) {
      summary.skipped++;
    } else if (result.ok) {
      summary.passed++;
      if (result.degraded) summary.degraded++;
      if (result.flaky) summary.flaky++;
    } else {
      summary.failed++;
    }
  }
  return summary;
}

/** The key that ties a result back to the check and environment it was planned for. */
export function planKey(checkId: string, environment: string): string {
  return `${checkId}\u0000${environment}`;
}

/** Several reporters behind one: progress on stdout while a file receives the JSON or JUnit report. */
export function fanOut(reporters: readonly Reporter[]): Reporter {
  return {
    onBegin: (info) => {
      for (const r of reporters) r.onBegin(info);
    },
    onCheckEnd: (result, planned) => {
      for (const r of reporters) r.onCheckEnd(result, planned);
    },
    onEnd: async (summary, results) => {
      for (const r of reporters) await r.onEnd(summary, results);
    },
  };
}
