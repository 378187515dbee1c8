// The S3 artifact sink against a local endpoint: what crossed the wire is one signed PutObject
// per artifact, under browser/<check>/<day>/, asking for encryption; an S3 error says what failed.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Artifacts, lambdaCredentials } from '../../lib/runner/browserS3Artifacts.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';

let server: StartedHttpServer;
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
let answer = { status: 200, body: '' };

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, { 'content-type': 'application/xml' }).end(answer.body);
    });
  });
});

afterAll(async () => {
  await server.close();
});

const sink = () =>
  s3Artifacts({
    bucket: 'probe-artifacts',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x', sessionToken: 'session-token-1' },
    endpoint: server.url,
    now: () => new Date('2026-12-02T19:10:00Z'),
  });

describe('S3 artifact sink', () => {
  it('puts one signed, encrypted object per artifact under browser/<check>/<day>/', async () => {
    seen.length = 0;
    answer = { status: 200, body: '' };
    const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
    const where = await sink().put('checkout_prod_eu-west-1_run-1_attempt1.png', png, 'image/png');
    expect(where).toBe('s3://probe-artifacts/browser/checkout/2026-12-02/checkout_prod_eu-west-1_run-1_attempt1.png');
    expect(seen).toHaveLength(1);
    const [put] = seen;
    expect(put?.method).toBe('PUT');
    expect(put?.url).toBe('/probe-artifacts/browser/checkout/2026-12-02/checkout_prod_eu-west-1_run-1_attempt1.png');
    expect(put?.body.equals(png)).toBe(true);
    expect(put?.headers['content-type']).toBe('image/png');
    expect(put?.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put?.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(png).digest('hex'));
    expect(put?.headers['x-amz-security-token']).toBe('session-token-1');
    expect(put?.headers['x-amz-date']).toBe('20261202T191000Z');
    expect(put?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261202\/eu-west-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;[a-z0-9;-]*host;[a-z0-9;-]*x-amz-server-side-encryption[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
  });

  it('an access-denied answer says so and that a retry will not help', async () => {
    answer = { status: 403, body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' };
    await expect(sink().put('checkout_prod_local_r_attempt1.png', Buffer.from('x'), 'image/png')).rejects.toThrow(
      /S3 PutObject s3:\/\/probe-artifacts\/browser\/checkout\/2026-12-02\/checkout_prod_local_r_attempt1\.png: expected 200, received 403 AccessDenied; a retry will not help/,
    );
    answer = { status: 503, body: '<Error><Code>SlowDown</Code></Error>' };
    await expect(sink().put('checkout_prod_local_r_attempt1.png', Buffer.from('x'), 'image/png')).rejects.toThrow(/received 503 SlowDown; a retry is safe/);
  });

  it("reads Lambda's role credentials from the environment, or none", () => {
    expect(lambdaCredentials({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' })).toEqual({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
    expect(lambdaCredentials({})).toBeUndefined();
  });
});
