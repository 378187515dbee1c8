// The probe asks for compression as a browser does and decodes what comes back, so a service
// (or a CDN) that compresses passes its JSON assertions, and the body cap applies to the
// decoded size: a gzip bomb is body_too_large, not a process out of memory.
import type * as http from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpCheck } from '../../lib/model/fleet.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

const DOCUMENT = Buffer.from(JSON.stringify({ status: 'ok', items: Array.from({ length: 50 }, (_, i) => ({ id: i })) }));

const ENCODED: Record<string, { encoding: string; body: Buffer }> = {
  gzip: { encoding: 'gzip', body: gzipSync(DOCUMENT) },
  deflate: { encoding: 'deflate', body: deflateSync(DOCUMENT) },
  'raw-deflate': { encoding: 'deflate', body: deflateRawSync(DOCUMENT) },
  br: { encoding: 'br', body: brotliCompressSync(DOCUMENT) },
  'gzip-then-br': { encoding: 'gzip, br', body: brotliCompressSync(gzipSync(DOCUMENT)) },
  'upper-case': { encoding: 'GZIP', body: gzipSync(DOCUMENT) },
  // 64 MiB of zeros: about 64 KiB on the wire.
  bomb: { encoding: 'gzip', body: gzipSync(Buffer.alloc(64 * 1024 * 1024)) },
  corrupt: { encoding: 'gzip', body: Buffer.from('this is not gzip at all') },
  unknown: { encoding: 'zstd', body: Buffer.from('opaque') },
};

let server: StartedHttpServer;
const acceptEncodings: (string | undefined)[] = [];

beforeAll(async () => {
  server = await startHttpServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    acceptEncodings.push(req.headers['accept-encoding']);
    const name = (req.url ?? '/').slice(1);
    const encoded = ENCODED[name];
    if (!encoded) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(DOCUMENT);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoded.encoding });
    res.end(req.method === 'HEAD' ? undefined : encoded.body);
  });
});

afterAll(async () => {
  await server.close();
});

async function run(check: HttpCheck) {
  const fleet = fleetOf([check], { prod: { baseUrl: server.url } });
  return runCheck({ check, environment: 'prod' }, optionsFor(fleet));
}

const jsonOk = [
  { type: 'status', equals: 200 },
  { type: 'json', path: '$.status', equals: 'ok' },
  { type: 'json', path: '$.items', length: 50 },
] as const;

describe('compressed responses', () => {
  for (const name of ['gzip', 'deflate', 'raw-deflate', 'br', 'gzip-then-br', 'upper-case']) {
    it(`decodes ${name} before the assertions see the body, having asked for gzip, deflate and br`, async () => {
      acceptEncodings.length = 0;
      const result = await run(httpCheck(`/${name}`, { assertions: [...jsonOk] }));
      expect(result.failure).toBeNull();
      expect(result.ok).toBe(true);
      expect(acceptEncodings).toEqual(['gzip, deflate, br']);
      // `bytes` counts what crossed the wire.
      expect(result.bytes).toBe(ENCODED[name]!.body.length);
    });
  }

  it('a gzip bomb is body_too_large against the decoded size, with the encoding named', async () => {
    // The default maxBodyBytes: 1 MiB.
    const result = await run(httpCheck('/bomb'));
    expect(result.failure).toMatchObject({ kind: 'body_too_large', retryable: false });
    expect(result.failure?.message).toMatch(/body larger than maxBodyBytes once decoded, expected at most 1048576 bytes after Content-Encoding gzip/);
  });

  it('a body that does not decode as its Content-Encoding says fails as an assertion naming both', async () => {
    const result = await run(httpCheck('/corrupt'));
    expect(result.failure).toMatchObject({ kind: 'assertion', retryable: false });
    expect(result.failure?.message).toMatch(/expected a body encoded as its Content-Encoding \(gzip\) says, received 23 bytes that do not decode as gzip/);
  });

  it('an encoding it did not ask for is left as received', async () => {
    const result = await run(httpCheck('/unknown', { assertions: [{ type: 'body', contains: 'opaque' }] }));
    expect(result.ok).toBe(true);
  });

  it('a HEAD answer announcing gzip, with no body, passes', async () => {
    const result = await run(httpCheck('/gzip', { method: 'HEAD' }));
    expect(result.ok).toBe(true);
  });

  it("a check's own Accept-Encoding wins (identity asks for no compression)", async () => {
    acceptEncodings.length = 0;
    const result = await run(httpCheck('/plain', { headers: { 'Accept-Encoding': 'identity' }, assertions: [...jsonOk] }));
    expect(result.ok).toBe(true);
    expect(acceptEncodings).toEqual(['identity']);
  });
});
