// Readers for the series a watch trends: a Prometheus `/metrics` endpoint sampled on an
// interval (it only knows "now"), or CloudWatch GetMetricData asked for a time range.
import { request } from 'undici';
import type { CloudWatchMetricSource, SeriesSource, ServiceMetrics } from '../model/fleet.js';
import { syntheticHeaders } from '../runner/userAgent.js';
import type { MetricFetcher } from './cloudwatchSource.js';
import type { PromExposition } from './prometheusText.js';
import { aggregateSamples, labelKey, parseBucketBound, parsePrometheusText, selectSamples } from './prometheusText.js';
import type { Point } from './stats.js';

export type SeriesError = { kind: 'series_unavailable'; message: string; retryable: boolean };

export type InstantRead = { ok: true; value: number } | { ok: false; error: SeriesError };
export type RangeRead = { ok: true; points: Point[] } | { ok: false; error: SeriesError };

export type SeriesReader =
  /** Sampled by the watch every scrape interval; history starts when the watch does. */
  | { kind: 'instant'; name: string; describe: string; sample(signal?: AbortSignal): Promise<InstantRead> }
  /** Asked for the step's window when the step is judged; history is the source's own. */
  | { kind: 'range'; name: string; describe: string; range(start: Date, end: Date, signal?: AbortSignal): Promise<RangeRead> };

const SCRAPE_TIMEOUT_MS = 5000;
/** A `/metrics` page is small; a larger answer is not a metrics page. */
export const MAX_METRICS_BYTES = 8 * 1024 * 1024;

export type PageRead = { ok: true; exposition: PromExposition } | { ok: false; error: SeriesError };

/**
 * One GET of a Prometheus text-format page, parsed. `what` prefixes every error message (the
 * series or purpose and the URL) so the user sees which read failed.
 */
export async function scrapeMetricsPage(url: string, runId: string, what: string, signal?: AbortSignal): Promise<PageRead> {
  const fail = (message: string, retryable: boolean): PageRead => ({ ok: false, error: { kind: 'series_unavailable', message: `${what}: ${message}`, retryable } });
  let text: string;
  try {
    const timeout = AbortSignal.timeout(SCRAPE_TIMEOUT_MS);
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'text/plain;version=0.0.4', ...syntheticHeaders(runId) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return fail(`expected HTTP 200 from the metrics endpoint, received ${response.statusCode}`, response.statusCode >= 500);
    }
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > MAX_METRICS_BYTES) {
      response.body.destroy();
      return fail(`expected a metrics page of at most ${MAX_METRICS_BYTES} bytes, received a content-length of ${declared}; not retryable: fix the URL or the exporter`, false);
    }
    // A chunked answer declares no length: count while reading and stop at the cap, so a
    // runaway endpoint cannot fill the watch's memory.
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > MAX_METRICS_BYTES) {
        response.body.destroy();
        return fail(`expected a metrics page of at most ${MAX_METRICS_BYTES} bytes, received more (stopped reading at ${received}); not retryable: fix the URL or the exporter`, false);
      }
      chunks.push(chunk);
    }
    text = Buffer.concat(chunks, received).toString('utf8');
  } catch (error) {
    return fail(`could not scrape: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  const parsed = parsePrometheusText(text);
  if (!parsed.ok) return fail(`expected the Prometheus text format: ${parsed.error.message}`, false);
  return { ok: true, exposition: parsed.exposition };
}

export function prometheusReader(
  name: string,
  source: Extract<SeriesSource, { prometheus: unknown }>['prometheus'],
  defaultUrl: string,
  runId: string,
): SeriesReader {
  const url = source.url ?? defaultUrl;
  const labels = source.labels ?? {};
  const selector = `${source.metric}${Object.keys(labels).length > 0 ? `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}` : ''}`;
  const what = `series ${name} (${selector} from ${url})`;
  return {
    kind: 'instant',
    name,
    describe: `${selector} from ${url}`,
    async sample(signal) {
      const page = await scrapeMetricsPage(url, runId, what, signal);
      if (!page.ok) return page;
      const value = aggregateSamples(selectSamples(page.exposition, source.metric, labels), source.aggregate ?? 'sum');
      if (value === null) return { ok: false, error: { kind: 'series_unavailable', message: `${what}: expected a sample of ${selector}, received none on the page`, retryable: false } };
      return { ok: true, value };
    },
  };
}

/**
 * Request counters whose samples carry a status-code label, tried in this order when the fleet
 * names none: the Prometheus client libraries' and exporters' usual names, Spring Boot
 * (Micrometer), and the `_count` of a latency histogram, which counts requests too.
 */
export const REQUEST_COUNTERS = ['http_requests_total', 'http_server_requests_total', 'http_server_requests_seconds_count', 'http_request_duration_seconds_count', 'http_server_request_duration_seconds_count'] as const;
/** Labels that carry the HTTP status, tried in this order. */
export const STATUS_LABELS = ['code', 'status', 'status_code', 'http_status_code', 'http_response_status_code'] as const;
/** Latency histograms (family names; the page holds `<name>_bucket{le}`), tried in this order. */
export const DURATION_HISTOGRAMS: readonly { metric: string; unit: 'seconds' | 'milliseconds' }[] = [
  { metric: 'http_request_duration_seconds', unit: 'seconds' },
  { metric: 'http_server_request_duration_seconds', unit: 'seconds' },
  { metric: 'http_server_requests_seconds', unit: 'seconds' },
  { metric: 'http_request_duration_milliseconds', unit: 'milliseconds' },
];

export interface RequestCounterSpec {
  metric: string;
  statusLabel: string;
  labels: Record<string, string>;
}
export interface DurationHistogramSpec {
  metric: string;
  unit: 'seconds' | 'milliseconds';
  labels: Record<string, string>;
}

/** The service's own counters in one scrape: every matching series by its label set. */
export interface ServiceSnapshot {
  /** Null: the page holds no request counter (yet). */
  requests: { metric: string; series: { key: string; value: number; error: boolean }[] } | null;
  /** Null: the page holds no latency histogram (yet). */
  duration: { metric: string; unit: 'seconds' | 'milliseconds'; series: { key: string; le: number; value: number }[] } | null;
}

export type ServiceRead = { ok: true; snapshot: ServiceSnapshot } | { ok: false; error: SeriesError };

export interface ServiceMetricsReader {
  url: string;
  /** True when the fleet named the counter or histogram: then its absence is an error, not "not exported". */
  explicit: { requests: boolean; duration: boolean };
  describe(): string;
  sample(signal?: AbortSignal): Promise<ServiceRead>;
}

/** A 5xx status, as `code="503"`, `status="5xx"` or `http_response_status_code="500"` spell it. */
function isServerError(status: string | undefined): boolean {
  return status !== undefined && /^5(\d\d|xx)$/i.test(status.trim());
}

function matches(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

/** The first request counter on the page with a status label, following the lists above (or the fleet's choice). */
export function detectRequestCounter(exposition: PromExposition, configured?: { metric: string; statusLabel?: string; labels?: Record<string, string> }): RequestCounterSpec | null {
  const names = configured ? [configured.metric] : REQUEST_COUNTERS;
  const labelNames = configured?.statusLabel ? [configured.statusLabel] : STATUS_LABELS;
  const wanted = configured?.labels ?? {};
  for (const metric of names) {
    const samples = exposition.samples.filter((s) => s.name === metric && matches(s.labels, wanted));
    for (const statusLabel of labelNames) if (samples.some((s) => statusLabel in s.labels)) return { metric, statusLabel, labels: wanted };
  }
  return null;
}

/** The first latency histogram on the page with an `le`-labelled `_bucket` series (or the fleet's choice). */
export function detectDurationHistogram(exposition: PromExposition, configured?: { metric: string; unit?: 'seconds' | 'milliseconds'; labels?: Record<string, string> }): DurationHistogramSpec | null {
  const candidates = configured ? [{ metric: configured.metric, unit: configured.unit ?? (/_milliseconds$/.test(configured.metric) ? 'milliseconds' : 'seconds') }] : DURATION_HISTOGRAMS;
  const wanted = configured?.labels ?? {};
  for (const candidate of candidates) {
    if (exposition.samples.some((s) => s.name === `${candidate.metric}_bucket` && 'le' in s.labels && matches(s.labels, wanted))) return { ...candidate, labels: wanted };
  }
  return null;
}

/** The counter and histogram series of one page, by label set. */
export function serviceSnapshot(exposition: PromExposition, requests: RequestCounterSpec | null, duration: DurationHistogramSpec | null): ServiceSnapshot {
  const snapshot: ServiceSnapshot = { requests: null, duration: null };
  if (requests) {
    const series = exposition.samples
      .filter((s) => s.name === requests.metric && matches(s.labels, requests.labels) && requests.statusLabel in s.labels)
      .map((s) => ({ key: labelKey(s.labels), value: s.value, error: isServerError(s.labels[requests.statusLabel]) }));
    if (series.length > 0) snapshot.requests = { metric: requests.metric, series };
  }
  if (duration) {
    const series: { key: string; le: number; value: number }[] = [];
    for (const s of exposition.samples) {
      if (s.name !== `${duration.metric}_bucket` || !matches(s.labels, duration.labels)) continue;
      const le = parseBucketBound(s.labels.le);
      if (le !== null) series.push({ key: labelKey(s.labels), le, value: s.value });
    }
    if (series.length > 0) snapshot.duration = { metric: duration.metric, unit: duration.unit, series };
  }
  return snapshot;
}

/**
 * Reads the service's own request counter and latency histogram from its `/metrics`. Until a
 * family is found it is looked for again at every scrape, since client libraries create a
 * labelled counter only when the first request is counted; once found, the choice is kept.
 */
export function serviceMetricsReader(config: ServiceMetrics, defaultUrl: string, runId: string): ServiceMetricsReader {
  const url = config.url ?? defaultUrl;
  const configuredRequests = config.requests === false ? undefined : config.requests;
  const configuredDuration = config.duration === false ? undefined : config.duration;
  let requests: RequestCounterSpec | null = null;
  let duration: DurationHistogramSpec | null = null;
  return {
    url,
    explicit: { requests: configuredRequests !== undefined, duration: configuredDuration !== undefined },
    describe() {
      const parts = [
        config.requests === false ? 'request counter off' : requests ? `${requests.metric}{${requests.statusLabel}=~"5.."}` : configuredRequests ? `${configuredRequests.metric} (not seen yet)` : 'request counter (detecting)',
        config.duration === false ? 'latency histogram off' : duration ? `${duration.metric}_bucket` : configuredDuration ? `${configuredDuration.metric}_bucket (not seen yet)` : 'latency histogram (detecting)',
      ];
      return `${parts.join(', ')} from ${url}`;
    },
    async sample(signal) {
      const page = await scrapeMetricsPage(url, runId, `service metrics (${url})`, signal);
      if (!page.ok) return page;
      if (config.requests !== false) requests ??= detectRequestCounter(page.exposition, configuredRequests);
      if (config.duration !== false) duration ??= detectDurationHistogram(page.exposition, configuredDuration);
      return { ok: true, snapshot: serviceSnapshot(page.exposition, requests, duration) };
    },
  };
}

export function cloudWatchReader(name: string, source: CloudWatchMetricSource, fetcher: MetricFetcher): SeriesReader {
  return {
    kind: 'range',
    name,
    describe: `CloudWatch ${source.name}`,
    async range(start, end, signal) {
      const result = await fetcher.fetch(source, { start, end }, signal);
      if (!result.ok) return { ok: false, error: { kind: 'series_unavailable', message: `series ${name}: ${result.error.message}`, retryable: result.error.retryable } };
      return { ok: true, points: result.points };
    },
  };
}
