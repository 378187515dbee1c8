/**
 * A local stand-in for AWS service endpoints, for tests that drive the real AWS SDK v3
 * clients (their own serialization, signing and error parsing stay in the loop).
 *
 * Usage:
 *   const aws = await startFakeAws({ secrets: { 'db-password': 's3cret' } });
 *   const cw = new CloudWatchClient({ region: 'eu-west-1', endpoint: aws.endpoint,
 *     credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
 *   ... aws.requests → what arrived, decoded; aws.datums() → every PutMetricData datum
 *   await aws.close();
 *
 * Decoding (every request is recorded in `requests`, in arrival order, also when answered
 * with an error):
 * - AWS JSON 1.0/1.1: `X-Amz-Target: <Prefix>.<Operation>` (CloudWatch sends
 *   `GraniteServiceVersion20100801.PutMetricData`, Secrets Manager `secretsmanager.GetSecretValue`);
 *   `body` is the parsed JSON.
 * - AWS Query (SNS, older clients): form-encoded `Action=…`; `body` is the flat form
 *   (`{ 'MetricData.member.1.MetricName': 'Success', … }`); `queryToObject` nests it.
 * - `Content-Encoding: gzip` bodies are gunzipped first (`gzip: true` in the record).
 * - `service` is the signing name from the SigV4 credential scope (`monitoring` for
 *   CloudWatch, `secretsmanager`, `sns`), `region` the signing region.
 *
 * Answers: `respond(req)` runs first; returning `undefined` falls through to the defaults:
 * - PutMetricData: empty success.
 * - GetMetricData: `{ MetricDataResults: [], Messages: [] }` (pass `respond` for data).
 * - GetSecretValue: from `secrets` (name or ARN → SecretString); unknown names get
 *   `ResourceNotFoundException` (400).
 * - SNS Publish / Query `Publish`: a MessageId.
 * - anything else: 400 `UnknownOperationException`.
 * A `FakeAnswer` is one of: `{ json }` (JSON protocols), `{ xml }` (inner XML of the Query
 * `<OpResult>`), `{ error }` (see `throttling()`, `serverError()`: the error is encoded in the
 * protocol the request used, JSON errors carry the `x-amzn-query-error` header that
 * query-compatible services such as CloudWatch send), `{ raw }` (status/headers/body as
 * given), `{ destroy: true }` (the socket is destroyed: a network error), or `{ hang: true }`
 * (the request is recorded and never answered, until the client gives up or `close()`).
 *
 * Connections: `stallConnections(i)` returning true for the i-th TCP connection (0-based, in
 * accept order) accepts it and never reads from it or answers (a peer that hangs before HTTP:
 * nothing is decoded or recorded in `requests`); `connections()` counts accepted and stalled ones.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } as const;

export interface DecodedAwsRequest {
  service: string;
  operation: string;
  protocol: 'json' | 'query';
  body: unknown;
  headers: Record<string, string>;
  /** Signing region from the credential scope. */
  region: string;
  /** Whether the body arrived gzip-encoded. */
  gzip: boolean;
  /** Size of the body as sent (compressed when gzip). */
  wireBytes: number;
  path: string;
}

export interface FakeError {
  status: number;
  /** JSON `__type` (e.g. `ThrottlingException`). */
  code: string;
  /** Query protocol error code and the query-compatible header's code (e.g. `Throttling`). */
  queryCode?: string;
  message?: string;
  type?: 'Sender' | 'Receiver';
}

export type FakeAnswer =
  | { json: unknown; status?: number }
  | { xml: string; status?: number }
  | { error: FakeError }
  | { raw: { status: number; headers?: Record<string, string>; body?: string } }
  | { destroy: true }
  | { hang: true };

export interface FakeAwsOptions {
  respond?: (req: DecodedAwsRequest) => FakeAnswer | undefined;
  /** Secret name (or ARN) → SecretString, answered to GetSecretValue. */
  secrets?: Record<string, string>;
  /** Whether the i-th TCP connection (0-based) is accepted and then never read or answered. */
  stallConnections?: (index: number) => boolean;
}

export interface FakeAws {
  endpoint: string;
  requests: DecodedAwsRequest[];
  /** Every datum of every PutMetricData that was answered with success, flattened. */
  datums(): MetricDatumRecord[];
  /** TCP connections accepted so far, and how many of them were stalled. */
  connections(): { accepted: number; stalled: number };
  close(): Promise<void>;
}

/** A PutMetricData datum as decoded from JSON (the shape the CloudWatch JSON protocol uses). */
export interface MetricDatumRecord {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  Unit?: string;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  Timestamp?: number | string;
  StorageResolution?: number;
}

/** CloudWatch's throttling answer: `ThrottlingException`, query code `Throttling`, 400. */
export function throttling(message = 'Rate exceeded'): FakeAnswer {
  return { error: { status: 400, code: 'ThrottlingException', queryCode: 'Throttling', message, type: 'Sender' } };
}

/** A 5xx answer (`InternalServiceFault` / `InternalServiceError`, status 500 unless given). */
export function serverError(status = 500, message = 'Internal service error'): FakeAnswer {
  return { error: { status, code: 'InternalServiceFault', queryCode: 'InternalServiceError', message, type: 'Receiver' } };
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function credentialScope(authorization: string | undefined): { service: string; region: string } {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return { region: match?.[1] ?? '', service: match?.[2] ?? '' };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function decodeAwsRequest(
  headers: Record<string, string>,
  path: string,
  wire: Buffer,
): DecodedAwsRequest {
  const gzip = (headers['content-encoding'] ?? '').toLowerCase().includes('gzip');
  const text = (gzip ? gunzipSync(wire) : wire).toString('utf8');
  const scope = credentialScope(headers.authorization);
  const target = headers['x-amz-target'];
  if (target !== undefined) {
    const dot = target.lastIndexOf('.');
    return {
      service: scope.service || target.slice(0, dot),
      operation: target.slice(dot + 1),
      protocol: 'json',
      body: text === '' ? {} : (JSON.parse(text) as unknown),
      headers,
      region: scope.region,
      gzip,
      wireBytes: wire.length,
      path,
    };
  }
  const form = Object.fromEntries(new URLSearchParams(text));
  return {
    service: scope.service,
    operation: form.Action ?? '',
    protocol: 'query',
    body: form,
    headers,
    region: scope.region,
    gzip,
    wireBytes: wire.length,
    path,
  };
}

/** Nests a flat Query form: `A.member.1.B=x` → `{ A: [{ B: 'x' }] }`. */
export function queryToObject(form: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      let part = parts[i]!;
      if (part === 'member' || part === 'entry') {
        continue;
      }
      const last = i === parts.length - 1;
      const nextIsMember = parts[i + 1] === 'member' || parts[i + 1] === 'entry';
      if (Array.isArray(node)) part = String(Number(part) - 1);
      const container = node as Record<string, unknown>;
      if (last) {
        container[part] = value;
      } else {
        container[part] ??= nextIsMember ? [] : {};
        node = container[part] as Record<string, unknown> | unknown[];
      }
    }
  }
  return root;
}

function defaultAnswer(req: DecodedAwsRequest, secrets: Record<string, string>): FakeAnswer {
  switch (req.operation) {
    case 'PutMetricData':
      return req.protocol === 'json' ? { json: {} } : { xml: '' };
    case 'GetMetricData':
      return req.protocol === 'json' ? { json: { MetricDataResults: [], Messages: [] } } : { xml: '<MetricDataResults/>' };
    case 'GetSecretValue': {
      const raw = (req.body as { SecretId?: unknown }).SecretId;
      const id = typeof raw === 'string' ? raw : '';
      const value = secrets[id];
      if (value === undefined) {
        return {
          error: { status: 400, code: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret.", type: 'Sender' },
        };
      }
      return {
        json: {
          ARN: `arn:aws:secretsmanager:${req.region}:123456789012:secret:${id}-AbCdEf`,
          Name: id,
          SecretString: value,
          VersionId: '00000000-0000-4000-8000-000000000000',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_700_000_000,
        },
      };
    }
    case 'Publish':
      return req.protocol === 'json' ? { json: { MessageId: randomUUID() } } : { xml: `<MessageId>${randomUUID()}</MessageId>` };
    default:
      return {
        error: { status: 400, code: 'UnknownOperationException', message: `fake AWS endpoint has no answer for ${req.operation}`, type: 'Sender' },
      };
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function send(res: ServerResponse, req: DecodedAwsRequest, answer: FakeAnswer): void {
  const requestId = randomUUID();
  const json = req.headers['content-type']?.includes('1.1') ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
  if ('destroy' in answer) {
    res.socket?.destroy();
    return;
  }
  // No answer at all; close() destroys the socket, so a hung request cannot outlive the test.
  if ('hang' in answer) return;
  if ('raw' in answer) {
    res.writeHead(answer.raw.status, { 'x-amzn-requestid': requestId, ...answer.raw.headers });
    res.end(answer.raw.body ?? '');
    return;
  }
  if ('error' in answer) {
    const { status, code, message = code, type = 'Sender' } = answer.error;
    const queryCode = answer.error.queryCode ?? code;
    if (req.protocol === 'json') {
      res.writeHead(status, {
        'content-type': json,
        'x-amzn-requestid': requestId,
        'x-amzn-query-error': `${queryCode};${type}`,
      });
      res.end(JSON.stringify({ __type: code, message }));
    } else {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(
        `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(queryCode)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
    return;
  }
  if ('json' in answer) {
    res.writeHead(answer.status ?? 200, { 'content-type': json, 'x-amzn-requestid': requestId });
    res.end(JSON.stringify(answer.json));
    return;
  }
  const op = req.operation;
  res.writeHead(answer.status ?? 200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(
    `<${op}Response xmlns="https://fake.local/doc/"><${op}Result>${answer.xml}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`,
  );
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const requests: DecodedAwsRequest[] = [];
  const accepted: DecodedAwsRequest[] = [];
  const secrets = options.secrets ?? {};
  const server = createServer((req, res) => {
    readBody(req)
      .then((wire) => {
        const decoded = decodeAwsRequest(headerRecord(req), req.url ?? '/', wire);
        requests.push(decoded);
        const answer = options.respond?.(decoded) ?? defaultAnswer(decoded, secrets);
        if ('json' in answer || 'xml' in answer) accepted.push(decoded);
        send(res, decoded, answer);
      })
      .catch((error: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`fake AWS endpoint could not decode the request: ${String(error)}`);
      });
  });
  // Connections arrive at a plain TCP server first, so that one can be held without HTTP ever reading it.
  // The HTTP server never listens itself, so it does not track these sockets: close() destroys them.
  let connectionCount = 0;
  const stalled: Socket[] = [];
  const open = new Set<Socket>();
  const front = createNetServer((socket) => {
    const index = connectionCount++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    if (options.stallConnections?.(index) === true) {
      socket.pause();
      socket.on('error', () => undefined);
      stalled.push(socket);
      return;
    }
    server.emit('connection', socket);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    datums() {
      const out: MetricDatumRecord[] = [];
      for (const req of accepted) {
        if (req.operation !== 'PutMetricData' || req.protocol !== 'json') continue;
        const body = req.body as { Namespace: string; MetricData: Omit<MetricDatumRecord, 'Namespace'>[] };
        for (const datum of body.MetricData) out.push({ Namespace: body.Namespace, ...datum });
      }
      return out;
    },
    connections() {
      return { accepted: connectionCount, stalled: stalled.length };
    },
    close() {
      server.closeAllConnections();
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve, reject) => front.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
