// The Prometheus reader against real /metrics endpoints on 127.0.0.1, including ones that
// answer chunked (no content-length) and never stop.
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstantRead } from '../../lib/release/seriesReaders.js';
import { MAX_METRICS_BYTES, prometheusReader } from '../../lib/release/seriesReaders.js';
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
