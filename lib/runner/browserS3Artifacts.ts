// The artifact sink of browser checks in AWS: each screenshot or trace is one S3 PutObject into
// the BrowserArtifacts bucket (lib/infra/browserArtifacts.ts). The request is signed with the
// AWS SDK's own SigV4 signer and sent with undici, rather than pulling the whole S3 client into
// the browser shard for one call.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import type { ArtifactSink } from './browserArtifacts.js';
import { artifactKey } from './browserArtifacts.js';

export interface S3ArtifactsOptions {
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style endpoint for tests (`http://127.0.0.1:port`); default the regional virtual-hosted one. */
  endpoint?: string;
  now?: () => Date;
  /** Per upload (default 10 s): an artifact must not hold the probe past its deadline. */
  timeoutMs?: number;
}

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape the signer expects. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/**
 * Lambda gives a function its role's temporary credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
export function lambdaCredentials(env: NodeJS.ProcessEnv = process.env): S3ArtifactsOptions['credentials'] | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

export function s3Artifacts(options: S3ArtifactsOptions): ArtifactSink {
  const signer = new SignatureV4({ service: 's3', region: options.region, credentials: options.credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  const endpoint = new URL(options.endpoint ?? `https://${options.bucket}.s3.${options.region}.amazonaws.com`);
  const pathStyle = options.endpoint !== undefined;
  return {
    async put(name, body, contentType) {
      // artifactName starts with the check id, then `_`: check ids cannot contain `_`.
      const checkId = name.split('_')[0] ?? 'unknown';
      const at = options.now?.() ?? new Date();
      const key = artifactKey(checkId, name, at);
      const path = `${pathStyle ? `/${options.bucket}` : ''}/${key.split('/').map(encodeURIComponent).join('/')}`;
      const signed = await signer.sign({
        method: 'PUT',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
        path,
        query: {},
        headers: {
          host: endpoint.host,
          'content-type': contentType,
          'content-length': String(body.byteLength),
          // The bucket encrypts by default; asking for it as well makes a misconfigured bucket visible.
          'x-amz-server-side-encryption': 'AES256',
        },
        body,
      }, { signingDate: at });
      const response = await request(new URL(path, endpoint), {
        method: 'PUT',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? 'no error code';
        const retrySafe = response.statusCode >= 500 || response.statusCode === 429 || code === 'SlowDown';
        throw new Error(
          `S3 PutObject s3://${options.bucket}/${key}: expected 200, received ${response.statusCode} ${code}; ${retrySafe ? 'a retry is safe' : 'a retry will not help until the bucket policy or role is fixed'}`,
        );
      }
      return `s3://${options.bucket}/${key}`;
    },
  };
}
