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
  CertificateDaysRemaining: 'None',
  DnsMs: 'Milliseconds',
  ConnectMs: 'Milliseconds',
  TlsMs: 'Milliseconds',
  TtfbMs: 'Milliseconds',
  TransferMs: 'Milliseconds',
  ChecksRun: 'Count',
  ChecksSkipped: 'Count',
  SecretLookupFailures: 'Count',
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
  /** One timestamp for the whole invocation (its scheduled time), so its datums land in the same period. */
  timestamp: Date;
  /** The TLS endpoints (`host:port`) a target's certificate comes from (certificateEndpoints.ts). */
  certificateEndpoints?: (checkId: string, environment: string) => readonly string[];
  /** Which endpoints publish CertificateDaysRemaining this run; none when absent. */
  certificates?: CertificatePublication;
}

export interface CertificatePublication {
  /** The first scheduled run of the UTC day: every endpoint seen. */
  everyEndpoint: boolean;
  /** Otherwise only endpoints with at most this many days left (the fleet's warning threshold). */
  warningDays: number;
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

/**
 * A check stopped by its own secret lookup (failure kind `secret_unavailable`, set by the
 * probe's secret provider): a Secrets Manager problem, not the service's.
 */
export function isSecretLookupFailure(result: CheckResult): boolean {
  return result.skipped !== true && result.failure?.kind === 'secret_unavailable';
}

/** Whether a result gives no verdict on its service: skipped (never started), cut by the deadline, or stopped by a secret lookup. */
export function hasNoVerdict(result: CheckResult): boolean {
  return result.skipped === true || isCutByDeadline(result) || isSecretLookupFailure(result);
}

/**
 * Per result that ran to a verdict: Success, Duration, Degraded and, for `detailedTimings`
 * checks, the five phases; dimensions Fleet, Check, Region. A skipped result, or one cut by
 * the deadline, publishes none of those (it did not run to the end: publishing Success=0 would
 * page someone for our own lack of time); it is counted in ChecksSkipped. A result stopped by
 * a secret lookup publishes none either (Secrets Manager failed, not the service); it is
 * counted in SecretLookupFailures.
 * Per TLS endpoint seen (Fleet, Endpoint; no Region, so every region feeds one series):
 * CertificateDaysRemaining, the fewest days any result saw there, on the runs `certificates` says.
 * Per invocation: ChecksRun and ChecksSkipped with dimensions Fleet, Region, always, even 0;
 * SecretLookupFailures only when above 0.
 */
export function buildMetricDatums(input: InvocationMetrics): MetricDatum[] {
  const samples: Sample[] = [];
  const fleetRegion: Dimension[] = [
    { Name: 'Fleet', Value: input.fleet },
    { Name: 'Region', Value: input.region },
  ];
  let run = 0;
  let skipped = 0;
  let secretFailures = 0;
  const certificateDays = new Map<string, number>();
  for (const result of input.results) {
    if (isSecretLookupFailure(result)) {
      secretFailures++;
      continue;
    }
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
    if (result.certDaysRemaining !== null && Number.isFinite(result.certDaysRemaining)) {
      // A flow that reaches several endpoints reports one value (the fewest days among them), so
      // each of its endpoints gets that value: an alarm may then name a neighbour of the expiring
      // host, but never misses the expiring one.
      for (const endpoint of input.certificateEndpoints?.(result.checkId, result.environment) ?? []) {
        certificateDays.set(endpoint, Math.min(certificateDays.get(endpoint) ?? Infinity, Math.floor(result.certDaysRemaining)));
      }
    }
    if (input.detailedTimings(result.checkId)) {
      add('DnsMs', result.phases.dnsMs);
      add('ConnectMs', result.phases.connectMs);
      add('TlsMs', result.phases.tlsMs);
      add('TtfbMs', result.phases.ttfbMs);
      add('TransferMs', result.phases.transferMs);
    }
  }
  const certificates = input.certificates;
  if (certificates) {
    for (const [endpoint, days] of certificateDays) {
      if (!certificates.everyEndpoint && days > certificates.warningDays) continue;
      samples.push({ name: 'CertificateDaysRemaining', dimensions: [{ Name: 'Fleet', Value: input.fleet }, { Name: 'Endpoint', Value: endpoint }], value: days });
    }
  }
  samples.push({ name: 'ChecksRun', dimensions: fleetRegion, value: run });
  samples.push({ name: 'ChecksSkipped', dimensions: fleetRegion, value: skipped });
  if (secretFailures > 0) samples.push({ name: 'SecretLookupFailures', dimensions: fleetRegion, value: secretFailures });
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
