// Resolves `secret('name')` from AWS Secrets Manager, once per container per TTL.
// Values go into the Redactor the moment they arrive; errors name the secret, never a value.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MIN_SECRET_LENGTH, SecretError } from './secrets.js';
import type { Redactor, SecretProvider } from './secrets.js';

export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;
/**
 * A GetSecretValue answers in well under a second; one that has not answered in 3 s is hung,
 * and waiting longer would eat the invocation's time for publishing. Covers the SDK's own
 * retries too: the whole `send` is aborted, not one attempt.
 */
export const DEFAULT_SECRET_REQUEST_TIMEOUT_MS = 3_000;

export interface SecretsManagerProviderOptions {
  /** Created on first use when it is a function: a container that needs no secret never loads the SDK. */
  client: SecretsClient | (() => SecretsClient | Promise<SecretsClient>);
  redactor?: Redactor;
  ttlMs?: number;
  /** The longest one lookup may wait for Secrets Manager, SDK retries included. */
  requestTimeoutMs?: number;
  now?: () => number;
}

type SecretsClient = Pick<SecretsManagerClient, 'send'>;

interface CacheEntry {
  expires: number;
  value: Promise<string>;
}

const RETRYABLE_CODES = new Set(['ThrottlingException', 'InternalServiceError', 'TimeoutError', 'RequestTimeout']);

/** `name` is a secret name or ARN, in the region of the client (the probe's own region). */
export class SecretsManagerProvider implements SecretProvider {
  private readonly cache = new Map<string, CacheEntry>();
  private client: Promise<SecretsClient> | null = null;

  constructor(private readonly options: SecretsManagerProviderOptions) {}

  resolve(name: string): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(name);
    if (cached && cached.expires > now) return cached.value;
    // Concurrent checks asking for the same secret share one request.
    const value = this.fetch(name);
    this.cache.set(name, { expires: now + (this.options.ttlMs ?? DEFAULT_SECRET_TTL_MS), value });
    value.catch(() => {
      // A failure is not cached: the next run asks again.
      if (this.cache.get(name)?.value === value) this.cache.delete(name);
    });
    return value;
  }

  private getClient(): Promise<SecretsClient> {
    if (!this.client) {
      const { client } = this.options;
      this.client = Promise.resolve(typeof client === 'function' ? client() : client);
    }
    return this.client;
  }

  private async fetch(name: string): Promise<string> {
    let text: string | undefined;
    const timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_SECRET_REQUEST_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const answer = await (await this.getClient()).send(new GetSecretValueCommand({ SecretId: name }), { abortSignal: timeout });
      text = answer.SecretString;
    } catch (error) {
      if (timeout.aborted) {
        throw new SecretError(
          name,
          `secret '${name}': expected Secrets Manager GetSecretValue to answer within ${timeoutMs} ms, received no answer; a retry is safe`,
          true,
        );
      }
      const shape = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      const code = shape.name ?? 'Error';
      const status = shape.$metadata?.httpStatusCode;
      const retryable = RETRYABLE_CODES.has(code) || status === undefined || status >= 500;
      throw new SecretError(
        name,
        `secret '${name}': expected Secrets Manager GetSecretValue to return it, received ${code}${status === undefined ? '' : ` (HTTP ${status})`}; ${retryable ? 'a retry is safe' : 'check the name and the function role'}`,
        retryable,
      );
    }
    if (text === undefined) {
      throw new SecretError(name, `secret '${name}': expected a SecretString, received a binary or empty secret`, false);
    }
    if (text.length < MIN_SECRET_LENGTH) {
      // The same rule as for local variables: a value this short cannot be redacted safely.
      throw new SecretError(name, `secret '${name}': expected at least ${MIN_SECRET_LENGTH} characters, received ${text.length}; a value this short cannot be redacted from logs and reports, so it is refused (store a real credential)`, false);
    }
    this.options.redactor?.add(text);
    return text;
  }
}
