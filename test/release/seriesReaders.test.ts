// The Prometheus reader against real /metrics endpoints on 127.0.0.1, including ones that
// answer chunked (no content-length) and never stop.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { PromExposition } from '../../lib/release/prometheusText.js';
import { parsePrometheusText } from '../../lib/release/prometheusText.js';
import type { InstantRead } from '../../lib/release/seriesReaders.js';
import { detectDurationHistogram, detectRequestCounter, MAX_METRICS_BYTES, prometheusReader, serviceMetricsReader, serviceSnapshot } from '../../lib/release/seriesReaders.js';
import type { StartedHttpServer } from '../support/servers.js';
import { startHttpServer } from '../support/servers.js';

const PAGE = '# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1234\n';
let server: StartedHttpServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Writes `chunk` until `limit` bytes went out (Infinity: until the client goes away), honouring backpressure. */
function stream(res: ServerResponse, chunk: string, limit: number, sent: { bytes: number; closed: boolean }): void {
  res.on('close', () => (sent.closed = true));
  const pump = (): void => {
    while (!sent.closed && sent.bytes < limit) {
      sent.bytes += Buffer.byteLength(chunk);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!sent.closed) res.end();
  };
  pump();
}

function sample(url: string): Promise<InstantRead> {
  const reader = prometheusReader('memory', { metric: 'process_resident_memory_bytes' }, url, 'run-1');
  if (reader.kind !== 'instant') throw new Error(`expected an instant reader, received ${reader.kind}`);
  return reader.sample();
}

describe('prometheusReader', () => {
  it('reads a chunked page (no content-length)', async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.write(PAGE.slice(0, 20));
      res.end(PAGE.slice(20));
    });
    const read = await sample(`${server.url}/metrics`);
    expect(read).toEqual({ ok: true, value: 1234 });
  });

  it('stops reading a chunked page that never ends, at the byte cap, with a clear non-retryable error', async () => {
    const sent = { bytes: 0, closed: false };
    const line = `${'# filler '.padEnd(1023, 'x')}\n`;
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      stream(res, line.repeat(64), Number.POSITIVE_INFINITY, sent);
    });
    const read = await sample(`${server.url}/metrics`);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error.retryable).toBe(false);
    expect(read.error.message).toMatch(new RegExp(`^series memory \\(process_resident_memory_bytes from http://127\\.0\\.0\\.1:\\d+/metrics\\): expected a metrics page of at most ${MAX_METRICS_BYTES} bytes, received more \\(stopped reading at \\d+\\); not retryable`));
    // The reader hung up: the endless answer was cut off not far past the cap.
    for (let i = 0; i < 200 && !sent.closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sent.closed).toBe(true);
    expect(sent.bytes).toBeLessThan(4 * MAX_METRICS_BYTES);
  });

  it('refuses a declared content-length above the cap without reading the body', async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(MAX_METRICS_BYTES + 1) });
      res.write('# only the start\n');
    });
    const read = await sample(`${server.url}/metrics`);
    expect(read).toMatchObject({ ok: false, error: { retryable: false } });
    if (!read.ok) expect(read.error.message).toContain(`received a content-length of ${MAX_METRICS_BYTES + 1}`);
  });
});

describe('the service metrics the watch looks for', () => {
  const page = (text: string): PromExposition => {
    const parsed = parsePrometheusText(text);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.exposition;
  };
  const counters: { name: string; text: string; expected: { metric: string; statusLabel: string } | null }[] = [
    { name: 'http_requests_total{code}', text: 'http_requests_total{code="200",method="get"} 5', expected: { metric: 'http_requests_total', statusLabel: 'code' } },
    { name: 'http_requests_total{status}', text: 'http_requests_total{status="500"} 5', expected: { metric: 'http_requests_total', statusLabel: 'status' } },
    { name: 'Spring Boot (Micrometer)', text: 'http_server_requests_seconds_count{status="200",uri="/x"} 5', expected: { metric: 'http_server_requests_seconds_count', statusLabel: 'status' } },
    { name: 'prom-client style histogram count', text: 'http_request_duration_seconds_count{status_code="200"} 5', expected: { metric: 'http_request_duration_seconds_count', statusLabel: 'status_code' } },
    { name: 'OpenTelemetry', text: 'http_server_request_duration_seconds_count{http_response_status_code="200"} 5', expected: { metric: 'http_server_request_duration_seconds_count', statusLabel: 'http_response_status_code' } },
    { name: 'a counter without a status label', text: 'http_requests_total{method="get"} 5', expected: null },
    { name: 'nothing of the kind', text: 'process_resident_memory_bytes 5', expected: null },
  ];
  for (const row of counters) {
    it(`request counter: ${row.name}`, () => {
      const found = detectRequestCounter(page(row.text));
      if (row.expected === null) expect(found).toBeNull();
      else expect(found).toEqual({ ...row.expected, labels: {} });
    });
  }

  it('a configured counter and status label are the only ones looked for', () => {
    const exposition = page('http_requests_total{code="200"} 1\nmyapp_requests{result="503",app="shop"} 2\nmyapp_requests{result="200",app="other"} 2');
    expect(detectRequestCounter(exposition, { metric: 'myapp_requests', statusLabel: 'result', labels: { app: 'shop' } })).toEqual({ metric: 'myapp_requests', statusLabel: 'result', labels: { app: 'shop' } });
    expect(detectRequestCounter(exposition, { metric: 'myapp_requests', statusLabel: 'code' })).toBeNull();
  });

  it('latency histograms: the first family with le buckets; a configured one, with its unit', () => {
    expect(detectDurationHistogram(page('http_server_requests_seconds_bucket{le="0.1"} 1\nhttp_server_requests_seconds_bucket{le="+Inf"} 1'))).toEqual({ metric: 'http_server_requests_seconds', unit: 'seconds', labels: {} });
    expect(detectDurationHistogram(page('http_request_duration_seconds_sum 1'))).toBeNull();
    expect(detectDurationHistogram(page('api_latency_milliseconds_bucket{le="100"} 1'), { metric: 'api_latency_milliseconds' })).toEqual({ metric: 'api_latency_milliseconds', unit: 'milliseconds', labels: {} });
  });

  it('a snapshot marks 5xx series (503, 5xx) and reads le bounds', () => {
    const exposition = page(['http_requests_total{code="200"} 10', 'http_requests_total{code="503"} 2', 'http_requests_total{code="5xx"} 1', 'http_requests_total{code="404"} 3', 'http_request_duration_seconds_bucket{le=".5"} 4', 'http_request_duration_seconds_bucket{le="+Inf"} 5'].join('\n'));
    const snapshot = serviceSnapshot(exposition, detectRequestCounter(exposition), detectDurationHistogram(exposition));
    expect(snapshot.requests?.series.map((s) => [s.key, s.error])).toEqual([['code="200"', false], ['code="503"', true], ['code="5xx"', true], ['code="404"', false]]);
    expect(snapshot.duration?.series.map((s) => [s.le, s.value])).toEqual([[0.5, 4], [Number.POSITIVE_INFINITY, 5]]);
  });

  it('serviceMetricsReader keeps looking until the counter appears, then keeps it', async () => {
    let scrapes = 0;
    server = await startHttpServer((_req, res) => {
      scrapes++;
      // Like a client library: no labelled counter until the first request is counted.
      res.writeHead(200, { 'content-type': 'text/plain' }).end(scrapes < 3 ? PAGE : `${PAGE}http_requests_total{code="200"} ${scrapes}\n`);
    });
    const reader = serviceMetricsReader({}, `${server.url}/metrics`, 'run-1');
    const first = await reader.sample();
    expect(first).toEqual({ ok: true, snapshot: { requests: null, duration: null } });
    expect(reader.describe()).toBe(`request counter (detecting), latency histogram (detecting) from ${server.url}/metrics`);
    await reader.sample();
    const third = await reader.sample();
    expect(third.ok && third.snapshot.requests?.series).toEqual([{ key: 'code="200"', value: 3, error: false }]);
    expect(reader.describe()).toBe(`http_requests_total{code=~"5.."}, latency histogram (detecting) from ${server.url}/metrics`);
    expect(reader.explicit).toEqual({ requests: false, duration: false });
  });

  it('serviceMetricsReader names the page it could not read', async () => {
    server = await startHttpServer((_req, res) => res.writeHead(404).end());
    const read = await serviceMetricsReader({ requests: false }, `${server.url}/metrics`, 'run-1').sample();
    expect(read).toEqual({ ok: false, error: { kind: 'series_unavailable', message: `service metrics (${server.url}/metrics): expected HTTP 200 from the metrics endpoint, received 404`, retryable: false } });
  });
});
