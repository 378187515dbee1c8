import { describe, expect, it } from 'vitest';
import type { AnalysisLimits, AnalysisPhase, MeasurementPhase } from '../../lib/release/analysis.js';
import { assessMetric, assessRun, emptyTally, exitCodeOf, record } from '../../lib/release/analysis.js';

const S: MeasurementPhase = 'Successful';
const F: MeasurementPhase = 'Failed';
const I: MeasurementPhase = 'Inconclusive';
const E: MeasurementPhase = 'Error';

/** Feeds measurements until the metric decides; returns the phase and how many measurements it took. */
function run(measurements: MeasurementPhase[], limits: AnalysisLimits): { phase: AnalysisPhase; taken: number } {
  let tally = emptyTally();
  for (const [index, m] of measurements.entries()) {
    tally = record(tally, m);
    const phase = assessMetric(tally, limits);
    if (phase !== 'Running') return { phase, taken: index + 1 };
  }
  return { phase: 'Running', taken: measurements.length };
}

describe('Argo analysis semantics', () => {
  const base: AnalysisLimits = { count: 5, failureLimit: 2, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };
  const table: { name: string; measurements: MeasurementPhase[]; limits?: Partial<AnalysisLimits>; phase: AnalysisPhase; taken: number }[] = [
    { name: 'all successful reaches count', measurements: [S, S, S, S, S], phase: 'Successful', taken: 5 },
    { name: 'failures up to the limit still promote', measurements: [F, S, F, S, S], phase: 'Successful', taken: 5 },
    { name: 'failed > failureLimit aborts at the third failure', measurements: [F, F, F, S, S], phase: 'Failed', taken: 3 },
    { name: 'failureLimit 0 aborts at the first failure', measurements: [S, F, S], limits: { failureLimit: 0 }, phase: 'Failed', taken: 2 },
    { name: 'inconclusive > inconclusiveLimit', measurements: [S, I, S], phase: 'Inconclusive', taken: 2 },
    { name: 'inconclusiveLimit 1 tolerates one', measurements: [S, I, S, S, S], limits: { inconclusiveLimit: 1 }, phase: 'Successful', taken: 5 },
    { name: 'errors are neither failures nor measurements towards count', measurements: [E, E, S, E, S, S, S, S], phase: 'Successful', taken: 8 },
    { name: 'two real measurements among errors do not promote at count 5', measurements: [E, E, S, E, S], phase: 'Running', taken: 5 },
    {
      name: 'consecutive errors beyond the limit',
      measurements: [E, E, E],
      limits: { consecutiveErrorLimit: 2, count: 10 },
      phase: 'Error',
      taken: 3,
    },
    {
      name: 'a success resets the consecutive-error run',
      measurements: [E, E, S, E, E, S],
      limits: { consecutiveErrorLimit: 2, count: 2 },
      phase: 'Successful',
      taken: 6,
    },
    { name: 'without count it keeps running', measurements: [S, S, S], limits: { count: undefined }, phase: 'Running', taken: 3 },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(run(row.measurements, { ...base, ...row.limits })).toEqual({ phase: row.phase, taken: row.taken });
    });
  }

  it('the run is the worst metric, and decided as soon as one metric goes bad', () => {
    expect(assessRun(['Successful', 'Successful'])).toBe('Successful');
    expect(assessRun(['Running', 'Successful'])).toBe('Running');
    expect(assessRun(['Running', 'Inconclusive'])).toBe('Inconclusive');
    expect(assessRun(['Inconclusive', 'Error'])).toBe('Error');
    expect(assessRun(['Error', 'Failed', 'Running'])).toBe('Failed');
  });

  it('maps phases to the exit codes 0 promote, 1 abort, 3 inconclusive', () => {
    expect([exitCodeOf('Successful'), exitCodeOf('Failed'), exitCodeOf('Error'), exitCodeOf('Inconclusive')]).toEqual([0, 1, 1, 3]);
  });
});
