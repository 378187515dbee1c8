// Argo Rollouts analysis semantics, as a pure state machine over measurement phases.
// A metric fails when failed measurements exceed failureLimit (so "abort after 3 failures"
// is failureLimit 2), is inconclusive when inconclusive ones exceed inconclusiveLimit, and is
// in error when consecutive errors exceed consecutiveErrorLimit. Reaching `count` with none of
// those makes it successful. The run is the worst of its metrics and ends as soon as one decides.

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
export type AnalysisPhase = 'Running' | 'Successful' | 'Inconclusive' | 'Error' | 'Failed';

export interface AnalysisLimits {
  /** Measurements to take; undefined runs until a limit decides. */
  count?: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
}

/** Argo's defaults: failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4. */
export const ARGO_DEFAULT_LIMITS: AnalysisLimits = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };

export interface MetricTally {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
}

export function emptyTally(): MetricTally {
  return { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0 };
}

/**
 * Adds one measurement. As in Argo's controller, an error is not a measurement towards
 * `count` (it measured nothing); any measurement that is not an error counts and resets the
 * consecutive-error run.
 */
export function record(tally: MetricTally, phase: MeasurementPhase): MetricTally {
  const next = { ...tally };
  switch (phase) {
    case 'Successful':
      next.successful++;
      next.count++;
      next.consecutiveError = 0;
      break;
    case 'Failed':
      next.failed++;
      next.count++;
      next.consecutiveError = 0;
      break;
    case 'Inconclusive':
      next.inconclusive++;
      next.count++;
      next.consecutiveError = 0;
      break;
    case 'Error':
      next.error++;
      next.consecutiveError++;
      break;
  }
  return next;
}

export function assessMetric(tally: MetricTally, limits: AnalysisLimits): AnalysisPhase {
  if (tally.failed > limits.failureLimit) return 'Failed';
  if (tally.inconclusive > limits.inconclusiveLimit) return 'Inconclusive';
  if (tally.consecutiveError > limits.consecutiveErrorLimit) return 'Error';
  if (limits.count !== undefined && tally.count >= limits.count) return 'Successful';
  return 'Running';
}

const SEVERITY: Record<AnalysisPhase, number> = { Running: 0, Successful: 1, Inconclusive: 2, Error: 3, Failed: 4 };

/**
 * The run's phase from its metrics' phases: Running while every metric is undecided or some
 * are still running and none has gone bad; otherwise the worst phase (Failed > Error > Inconclusive).
 */
export function assessRun(phases: readonly AnalysisPhase[]): AnalysisPhase {
  const bad = phases.filter((p) => p === 'Failed' || p === 'Error' || p === 'Inconclusive');
  if (bad.length > 0) return bad.reduce((worst, p) => (SEVERITY[p] > SEVERITY[worst] ? p : worst));
  if (phases.length > 0 && phases.every((p) => p === 'Successful')) return 'Successful';
  return 'Running';
}

/** Exit codes of `probe-fleet canary`: 0 promote, 1 abort (failed or error), 3 inconclusive. */
export function exitCodeOf(phase: AnalysisPhase): number {
  switch (phase) {
    case 'Successful':
      return 0;
    case 'Inconclusive':
    case 'Running':
      return 3;
    case 'Failed':
    case 'Error':
      return 1;
  }
}
