// Turns the results of one invocation into CloudWatch metric datums. Pure: no clients,
// no clocks. The datum shape is the SDK's own `MetricDatum` with the fields we always set.
import type { StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { CheckResult } from '../../model/result.js';
import { checkTarget } from '../../alerting/naming.js';

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricDatum {
  MetricName: string;
  Dimensions: Dimension[];
  Unit: StandardUnit;
  /** Distinct values; `Counts[i]` says how many times `Values[i]` was seen. */
  Values: number[];
  Counts: number[];
  Timestamp: Date;
}

/** CloudWatch accepts at most 150 distinct values in one datum. */
export const MAX_VALUES_PER_DATUM = 150;

export const METRIC_UNITS = {
  Success: 'Count',
  Duration: 'Milliseconds',
  Degraded: 'Count',
  // Days are not a CloudWatch unit; the value is whole days until the certificate expires.
  CertDaysRemaining: 'None',
  DnsMs: 'Milliseconds',
  ConnectMs: 'Milliseconds',
  TlsMs: 'Milliseconds',
  TtfbMs: 'Milliseconds',
  TransferMs: 'Milliseconds',
  ChecksRun: 'Count',
  ChecksSkipped: 'Count',
  PublishFailures: 'Count',
  InvocationErrors: 'Count',
} as const satisfies Record<string, StandardUnit>;

export type MetricName = keyof typeof METRIC_UNITS;

export interface InvocationMetrics {
  fleet: string;
  /** The region the probe ran in (the `Region` dimension). */
  region: string;
  results: readonly CheckResult[];
  /** Number of environments a check runs against, for its `Check` dimension value. */
  environmentCount: (checkId: string) => number;
  /** Whether a check opted in to per-phase timing metrics. */
  detailedTimings: (checkId: string) => boolean;
  /** One timestamp for the whole invocation, so its datums land in the same period. */
  timestamp: Date;
}

interface Sample {
  name: MetricName;
  dimensions: Dimension[];
  value: number;
}

/**
 * A check the invocation's deadline cut short (failure kind `deadline`: the probe ran out of
 * time, not the check's own timeout). It says nothing about the service, only about the shard.
 */
export function isCutByDeadline(result: CheckResult): boolean {
  return result.skipped !== true && result.failure?.kind === 'deadline';
}

/** Whether a result gives no verdict on its service: skipped (never started) or cut by the deadline. */
export function hasNoVerdict(result: CheckResult): boolean {
  return result.skipped === true || isCutByDeadline(result);
}

/**
 * Per result that ran to a verdict: Success, Duration, Degraded, CertDaysRemaining (when a
 * certificate was seen) and, for `detailedTimings` checks, the five phases; dimensions Fleet,
 * Check, Region. A skipped result, or one cut by the deadline, publishes none of those (it
 * did not run to the end: publishing Success=0 would page someone for our own lack of time);
 * it is counted in ChecksSkipped.
 * Per invocation: ChecksRun and ChecksSkipped with dimensions Fleet, Region, always, even 0.
 */
export function buildMetricDatums(input: InvocationMetrics): MetricDatum[] {
  const samples: Sample[] = [];
  const fleetRegion: Dimension[] = [
    { Name: 'Fleet', Value: input.fleet },
    { Name: 'Region', Value: input.region },
  ];
  let run = 0;
  let skipped = 0;
  for (const result of input.results) {
    if (hasNoVerdict(result)) {
      skipped++;
      continue;
    }
    run++;
    const dimensions: Dimension[] = [
      { Name: 'Fleet', Value: input.fleet },
      { Name: 'Check', Value: checkTarget(result.checkId, result.environment, input.environmentCount(result.checkId)) },
      { Name: 'Region', Value: input.region },
    ];
    const add = (name: MetricName, value: number): void => {
      if (Number.isFinite(value)) samples.push({ name, dimensions, value });
    };
    add('Success', result.ok ? 1 : 0);
    add('Duration', result.durationMs);
    add('Degraded', result.degraded ? 1 : 0);
    if (result.certDaysRemaining !== null) add('CertDaysRemaining', result.certDaysRemaining);
    if (input.detailedTimings(result.checkId)) {
      add('DnsMs', result.phases.dnsMs);
      add('ConnectMs', result.phases.connectMs);
      add('TlsMs', result.phases.tlsMs);
      add('TtfbMs', result.phases.ttfbMs);
      add('TransferMs', result.phases.transferMs);
    }
  }
  samples.push({ name: 'ChecksRun', dimensions: fleetRegion, value: run });
  samples.push({ name: 'ChecksSkipped', dimensions: fleetRegion, value: skipped });
  return aggregate(samples, input.timestamp);
}

function seriesKey(name: string, dimensions: readonly Dimension[]): string {
  return JSON.stringify([name, dimensions.map((d) => [d.Name, d.Value])]);
}

/**
 * Samples of the same metric and dimensions become one datum with Values/Counts arrays
 * (equal values counted once), split when a series has more than 150 distinct values.
 * Order follows first appearance, so output is deterministic.
 */
export function aggregate(samples: readonly Sample[], timestamp: Date): MetricDatum[] {
  const series = new Map<string, { sample: Sample; counts: Map<number, number> }>();
  for (const sample of samples) {
    const key = seriesKey(sample.name, sample.dimensions);
    let entry = series.get(key);
    if (!entry) {
      entry = { sample, counts: new Map() };
      series.set(key, entry);
    }
    entry.counts.set(sample.value, (entry.counts.get(sample.value) ?? 0) + 1);
  }
  const datums: MetricDatum[] = [];
  for (const { sample, counts } of series.values()) {
    const pairs = [...counts.entries()];
    for (let start = 0; start < pairs.length; start += MAX_VALUES_PER_DATUM) {
      const chunk = pairs.slice(start, start + MAX_VALUES_PER_DATUM);
      datums.push({
        MetricName: sample.name,
        Dimensions: sample.dimensions.map((d) => ({ ...d })),
        Unit: METRIC_UNITS[sample.name],
        Values: chunk.map(([value]) => value),
        Counts: chunk.map(([, count]) => count),
        Timestamp: timestamp,
      });
    }
  }
  return datums;
}

/** The number of samples a datum stands for (the sum of its counts). */
export function sampleCount(datum: MetricDatum): number {
  return datum.Counts.reduce((sum, count) => sum + count, 0);
}
