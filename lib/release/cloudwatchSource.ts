// CloudWatch GetMetricData as a measurement source, in the manner of Argo Rollouts' CloudWatch
// provider: the fleet definition names the queries, this runs them over a time window and
// reduces the judged query's datapoints to one value.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchMetricSource, MetricDataQuerySpec } from '../model/fleet.js';
import type { Point } from './stats.js';

export interface CloudWatchAccess {
  /** Endpoint override (`--cloudwatch-endpoint`, or `AWS_ENDPOINT_URL_CLOUDWATCH`). */
  endpoint?: string;
  /** Static credentials; otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  defaultRegion: string;
}

export interface MetricWindow {
  start: Date;
  end: Date;
}

export type MetricFetch =
  | { ok: true; value: number | null; points: Point[] }
  | { ok: false; error: { kind: 'cloudwatch_error'; message: string; retryable: boolean } };

export interface MetricFetcher {
  fetch(source: CloudWatchMetricSource, window: MetricWindow, signal?: AbortSignal): Promise<MetricFetch>;
  close(): void;
}

export const DEFAULT_METRIC_PERIOD_SECONDS = 60;
/** GetMetricData pages are bounded so a runaway NextToken cannot loop forever. */
const MAX_PAGES = 20;

/** The GetMetricData queries for a source: only the judged query returns data. */
export function buildQueries(source: CloudWatchMetricSource): MetricDataQuery[] {
  const judged = judgedQueryId(source);
  const defaultPeriod = source.periodSeconds ?? DEFAULT_METRIC_PERIOD_SECONDS;
  return source.queries.map((q: MetricDataQuerySpec): MetricDataQuery => {
    const common = { Id: q.id, ReturnData: q.id === judged, ...(q.label !== undefined ? { Label: q.label } : {}) };
    if ('expression' in q) return { ...common, Expression: q.expression, Period: q.periodSeconds ?? defaultPeriod };
    return {
      ...common,
      MetricStat: {
        Metric: {
          Namespace: q.metric.namespace,
          MetricName: q.metric.metricName,
          Dimensions: Object.entries(q.metric.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: q.periodSeconds ?? defaultPeriod,
        Stat: q.stat,
        ...(q.unit !== undefined ? { Unit: q.unit as NonNullable<MetricDataQuery['MetricStat']>['Unit'] } : {}),
      },
    };
  });
}

export function judgedQueryId(source: CloudWatchMetricSource): string {
  const flagged = source.queries.find((q) => q.returnData === true);
  return (flagged ?? source.queries[source.queries.length - 1])?.id ?? '';
}

/** CloudWatch answers fastest, and most predictably, for a start time aligned to the period. */
export function alignedWindow(end: Date, lookbackMs: number, periodSeconds: number): MetricWindow {
  const periodMs = periodSeconds * 1000;
  const start = Math.floor((end.getTime() - lookbackMs) / periodMs) * periodMs;
  return { start: new Date(start), end };
}

export function reduceValues(values: readonly number[], how: CloudWatchMetricSource['reduce'] = 'last'): number | null {
  if (values.length === 0) return null;
  switch (how) {
    case 'last':
      return values[values.length - 1]!;
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

export function createCloudWatchFetcher(access: CloudWatchAccess): MetricFetcher {
  const clients = new Map<string, CloudWatchClient>();
  const clientFor = (region: string): CloudWatchClient => {
    let client = clients.get(region);
    if (!client) {
      client = new CloudWatchClient({
        region,
        ...(access.endpoint !== undefined ? { endpoint: access.endpoint } : {}),
        ...(access.credentials !== undefined ? { credentials: access.credentials } : {}),
        maxAttempts: 3,
      });
      clients.set(region, client);
    }
    return client;
  };
  return {
    async fetch(source, window, signal) {
      const client = clientFor(source.region ?? access.defaultRegion);
      const judged = judgedQueryId(source);
      const points: Point[] = [];
      try {
        let nextToken: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await client.send(
            new GetMetricDataCommand({
              MetricDataQueries: buildQueries(source),
              StartTime: window.start,
              EndTime: window.end,
              ScanBy: 'TimestampAscending',
              ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          );
          const result = (answer.MetricDataResults ?? []).find((r: MetricDataResult) => r.Id === judged);
          const timestamps = result?.Timestamps ?? [];
          const values = result?.Values ?? [];
          for (let i = 0; i < Math.min(timestamps.length, values.length); i++) points.push({ t: new Date(timestamps[i]!).getTime(), value: values[i]! });
          nextToken = answer.NextToken;
          if (nextToken === undefined || nextToken === '') break;
        }
      } catch (error) {
        const err = error as { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
        const status = err.$metadata?.httpStatusCode;
        return {
          ok: false,
          error: {
            kind: 'cloudwatch_error',
            message: `GetMetricData for '${source.name}' failed: ${err.name ?? 'Error'}${status !== undefined ? ` (HTTP ${status})` : ''}: ${err.message ?? String(error)}; expected MetricDataResults for query '${judged}'`,
            // Reads are idempotent: asking again is always safe, and worth it unless the request itself was wrong.
            retryable: status === undefined || status >= 500 || status === 429 || err.name === 'Throttling' || err.name === 'ThrottlingException',
          },
        };
      }
      points.sort((a, b) => a.t - b.t);
      return { ok: true, value: reduceValues(points.map((p) => p.value), source.reduce), points };
    },
    close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

/** Endpoint and credentials from flags and the environment, read from the given env (not process.env) so tests stay hermetic. */
export function cloudWatchAccessFrom(env: NodeJS.ProcessEnv, defaultRegion: string, endpointFlag?: string): CloudWatchAccess {
  const endpoint = endpointFlag ?? env.AWS_ENDPOINT_URL_CLOUDWATCH ?? env.AWS_ENDPOINT_URL;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return {
    defaultRegion,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  };
}
