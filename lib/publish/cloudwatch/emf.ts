// CloudWatch Embedded Metric Format: JSON log lines that CloudWatch Logs turns into metrics
// in the region where the log is written. The fallback when PutMetricData fails.
// Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
import type { StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { MetricDatum } from './metricDatums.js';

/** The spec's limits: metrics per directive, values per metric array, dimensions per set. */
export const EMF_MAX_METRICS = 100;
export const EMF_MAX_VALUES = 100;
export const EMF_MAX_DIMENSIONS = 30;

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: StandardUnit }[];
    }[];
  };
  [member: string]: unknown;
}

interface Group {
  timestamp: number;
  dimensions: { Name: string; Value: string }[];
  metrics: Map<string, { unit: StandardUnit; values: number[] }>;
}

/**
 * One document holds one dimension set with its values as top-level members, so datums
 * are grouped by their dimension values. `Counts` cannot be expressed in EMF; a value seen
 * n times is written n times. Large groups are cut into several documents so that no
 * directive lists more than 100 metrics and no metric carries more than 100 values.
 */
export function toEmfDocuments(datums: readonly MetricDatum[], namespace: string): EmfDocument[] {
  const groups = new Map<string, Group>();
  for (const datum of datums) {
    if (datum.Dimensions.length > EMF_MAX_DIMENSIONS) {
      throw new RangeError(`metric ${datum.MetricName}: EMF allows ${EMF_MAX_DIMENSIONS} dimensions, received ${datum.Dimensions.length}`);
    }
    const timestamp = datum.Timestamp.getTime();
    const key = JSON.stringify([timestamp, datum.Dimensions.map((d) => [d.Name, d.Value])]);
    let group = groups.get(key);
    if (!group) {
      group = { timestamp, dimensions: datum.Dimensions, metrics: new Map() };
      groups.set(key, group);
    }
    let metric = group.metrics.get(datum.MetricName);
    if (!metric) {
      metric = { unit: datum.Unit, values: [] };
      group.metrics.set(datum.MetricName, metric);
    }
    datum.Values.forEach((value, i) => {
      const count = datum.Counts[i] ?? 1;
      for (let n = 0; n < count; n++) metric.values.push(value);
    });
  }

  const documents: EmfDocument[] = [];
  for (const group of groups.values()) {
    const pending = [...group.metrics.entries()].map(([name, metric]) => ({ name, ...metric, offset: 0 }));
    while (pending.some((metric) => metric.offset < metric.values.length)) {
      const open = pending.filter((metric) => metric.offset < metric.values.length).slice(0, EMF_MAX_METRICS);
      const document: EmfDocument = {
        _aws: {
          Timestamp: group.timestamp,
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [group.dimensions.map((d) => d.Name)],
              Metrics: open.map((metric) => ({ Name: metric.name, Unit: metric.unit })),
            },
          ],
        },
      };
      for (const dimension of group.dimensions) document[dimension.Name] = dimension.Value;
      for (const metric of open) {
        const values = metric.values.slice(metric.offset, metric.offset + EMF_MAX_VALUES);
        metric.offset += values.length;
        document[metric.name] = values.length === 1 ? values[0] : values;
      }
      documents.push(document);
    }
  }
  return documents;
}
