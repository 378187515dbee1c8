// The metrics the probes publish (lib/lambda publisher), as CloudWatch metric objects.
// Dimensions are exactly {Fleet, Check, Region} per target, {Fleet, Region} per invocation and
// {Fleet, Endpoint} per TLS endpoint (certificates).
import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';

export interface MetricScope {
  namespace: string;
  fleet: string;
}

export type TargetMetricName = 'Success' | 'Duration' | 'Degraded' | 'CertDaysRemaining';
export type FleetMetricName = 'ChecksRun' | 'ChecksSkipped' | 'PublishFailures';

export function targetMetric(
  scope: MetricScope,
  name: TargetMetricName,
  target: string,
  region: string,
  options: { statistic: string; periodSeconds: number; label?: string },
): Metric {
  return new Metric({
    namespace: scope.namespace,
    metricName: name,
    dimensionsMap: { Fleet: scope.fleet, Check: target, Region: region },
    statistic: options.statistic,
    period: Duration.seconds(options.periodSeconds),
    ...(options.label ? { label: options.label } : {}),
  });
}

/**
 * `CertificateDaysRemaining` {Fleet, Endpoint}: one series per TLS endpoint (`host:port`),
 * which every region publishes to (no Region dimension). Minimum: the smallest any region saw.
 */
export function certificateMetric(scope: MetricScope, endpoint: string, options: { periodSeconds: number; label?: string }): Metric {
  return new Metric({
    namespace: scope.namespace,
    metricName: 'CertificateDaysRemaining',
    dimensionsMap: { Fleet: scope.fleet, Endpoint: endpoint },
    statistic: 'Minimum',
    period: Duration.seconds(options.periodSeconds),
    ...(options.label ? { label: options.label } : {}),
  });
}

export function fleetMetric(
  scope: MetricScope,
  name: FleetMetricName,
  region: string,
  options: { statistic: string; periodSeconds: number; label?: string; metricRegion?: string },
): Metric {
  return new Metric({
    namespace: scope.namespace,
    metricName: name,
    dimensionsMap: { Fleet: scope.fleet, Region: region },
    statistic: options.statistic,
    period: Duration.seconds(options.periodSeconds),
    ...(options.label ? { label: options.label } : {}),
    // PublishFailures is written as EMF in the probe's own region (its publish to home failed).
    ...(options.metricRegion ? { region: options.metricRegion } : {}),
  });
}
