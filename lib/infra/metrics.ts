// The metrics the probes publish (lib/lambda publisher), as CloudWatch metric objects.
// Dimensions are exactly {Fleet, Check, Region} per target and {Fleet, Region} per invocation.
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
