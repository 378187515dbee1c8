// Readers for the series a watch trends: a Prometheus `/metrics` endpoint sampled on an
// interval (it only knows "now"), or CloudWatch GetMetricData asked for a time range.
import { request } from 'undici';
import type { CloudWatchMetricSource, SeriesSource } from '../model/fleet.js';
import { syntheticHeaders } from '../runner/userAgent.js';
import type { MetricFetcher } from './cloudwatchSource.js';
import { aggregateSamples, parsePrometheusText, selectSamples } from './prometheusText.js';
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

export function prometheusReader(
  name: string,
  source: Extract<SeriesSource, { prometheus: unknown }>['prometheus'],
  defaultUrl: string,
  runId: string,
): SeriesReader {
  const url = source.url ?? defaultUrl;
  const labels = source.labels ?? {};
  const selector = `${source.metric}${Object.keys(labels).length > 0 ? `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}` : ''}`;
  return {
    kind: 'instant',
    name,
    describe: `${selector} from ${url}`,
    async sample(signal) {
      const fail = (message: string, retryable: boolean): InstantRead => ({ ok: false, error: { kind: 'series_unavailable', message: `series ${name} (${selector} from ${url}): ${message}`, retryable } });
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
      const value = aggregateSamples(selectSamples(parsed.exposition, source.metric, labels), source.aggregate ?? 'sum');
      if (value === null) return fail(`expected a sample of ${selector}, received none on the page`, false);
      return { ok: true, value };
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
