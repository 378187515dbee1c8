import { describe, it, expect, afterAll } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerProvider } from '../../lib/secrets/secretsManager.js';
import { Redactor, SecretError } from '../../lib/secrets/secrets.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { memoryRequestLog } from '../../lib/runner/requestLog.js';
import { startFakeAws, throttling, serverError, FAKE_CREDENTIALS } from '../support/fakeAws.js';
import type { FakeAnswer } from '../support/fakeAws.js';
import { startHttpServer } from '../support/servers.js';
import { httpCheck, secret, testFleet } from './fixtures.js';

const VALUE = 'hunter2-but-longer';
let failNext = 0;
let failWith: FakeAnswer = throttling();
const aws = await startFakeAws({
  secrets: { 'db-password': VALUE, 'tiny-pin': 'x7q' },
  respond: (req) => {
    if (req.operation !== 'GetSecretValue') return undefined;
    // A secret whose lookup is never answered: a hung Secrets Manager.
    if ((req.body as { SecretId?: string }).SecretId === 'hung') return { hang: true };
    if (failNext > 0) {
      failNext--;
      return failWith;
    }
    return undefined;
  },
});
const target = await startHttpServer((req, res) => {
  const ok = req.headers.authorization === `Bearer ${VALUE}`;
  res.writeHead(ok ? 200 : 401);
  res.end(ok ? 'welcome' : 'who are you');
});
const client = new SecretsManagerClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
afterAll(async () => {
  client.destroy();
  await aws.close();
  await target.close();
});

const gets = (): number => aws.requests.filter((r) => r.operation === 'GetSecretValue').length;

describe('SecretsManagerProvider', () => {
  it('resolves once per TTL, shares concurrent lookups, and feeds the redactor', async () => {
    let now = 0;
    const redactor = new Redactor();
    const provider = new SecretsManagerProvider({ client, redactor, ttlMs: 1_000, now: () => now });
    const before = gets();
    const values = await Promise.all([provider.resolve('db-password'), provider.resolve('db-password'), provider.resolve('db-password')]);
    expect(values).toEqual([VALUE, VALUE, VALUE]);
    expect(gets() - before).toBe(1);
    now = 999;
    await provider.resolve('db-password');
    expect(gets() - before).toBe(1);
    now = 1_000;
    await provider.resolve('db-password');
    expect(gets() - before).toBe(2);
    expect(redactor.redact(`password=${VALUE}`)).toBe('password=[REDACTED]');
    expect(aws.requests.at(-1)!.body).toEqual({ SecretId: 'db-password' });
  });

  it('names a missing secret, never a value, and says a retry will not help', async () => {
    const provider = new SecretsManagerProvider({ client });
    const error = await provider.resolve('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect(error).toMatchObject({ kind: 'secret_unavailable', secretName: 'nope', retryable: false });
    expect((error as Error).message).toMatch(/secret 'nope': expected Secrets Manager GetSecretValue to return it, received ResourceNotFoundException \(HTTP 400\)/);
  });

  it('refuses a value too short to redact, without printing it', async () => {
    const error = await new SecretsManagerProvider({ client }).resolve('tiny-pin').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'secret_unavailable', secretName: 'tiny-pin', retryable: false });
    expect((error as Error).message).toBe("secret 'tiny-pin': expected at least 4 characters, received 3; a value this short cannot be redacted from logs and reports, so it is refused (store a real credential)");
  });

  it('does not cache a failure: throttled once, then resolved', async () => {
    const provider = new SecretsManagerProvider({ client });
    failNext = 1;
    const error = await provider.resolve('db-password').catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).not.toContain(VALUE);
    await expect(provider.resolve('db-password')).resolves.toBe(VALUE);
  });

  it('builds its client only on first use', async () => {
    let built = 0;
    const provider = new SecretsManagerProvider({
      client: () => {
        built++;
        return client;
      },
    });
    expect(built).toBe(0);
    await provider.resolve('db-password');
    await provider.resolve('db-password');
    expect(built).toBe(1);
  });
});

describe('secret lookups end in time and say whether a retry helps', () => {
  it('a hung GetSecretValue ends at the request timeout as a retryable SecretError naming the secret', async () => {
    const provider = new SecretsManagerProvider({ client, requestTimeoutMs: 200 });
    const before = gets();
    const error = await provider.resolve('hung').catch((e: unknown) => e);
    // The request really reached the endpoint and was left unanswered.
    expect(gets() - before).toBe(1);
    expect(error).toBeInstanceOf(SecretError);
    expect(error).toMatchObject({ secretName: 'hung', retryable: true });
    expect((error as Error).message).toBe("secret 'hung': expected Secrets Manager GetSecretValue to answer within 200 ms, received no answer; a retry is safe");
  });

  // A check that sends the secret as a bearer token, retried once on retry-safe failures only.
  const runWithSecret = (provider: SecretsManagerProvider) => {
    const fleet = testFleet(target.url, [httpCheck('me', '/me', { auth: { bearer: secret('db-password') }, retries: { count: 1, backoffMs: 10, onlyOn: 'network' } })]);
    const redactor = new Redactor();
    return runCheck({ check: fleet.checks[0]!, environment: 'prod' }, { fleet, runId: 'run-1', location: 'eu-west-1', secrets: provider, redactor, requestLog: memoryRequestLog() });
  };

  const scenarios: { name: string; answer: FakeAnswer; retried: boolean }[] = [
    { name: 'throttled', answer: throttling(), retried: true },
    { name: 'a 503', answer: serverError(503), retried: true },
    { name: 'access denied', answer: { error: { status: 400, code: 'AccessDeniedException', message: 'not allowed', type: 'Sender' } }, retried: false },
  ];
  for (const scenario of scenarios) {
    it(`a lookup answered with ${scenario.name} ${scenario.retried ? 'is retried under onlyOn: network, and the check passes' : 'is not retried, and the check fails'}`, async () => {
      failNext = 1;
      failWith = scenario.answer;
      const before = gets();
      const result = await runWithSecret(new SecretsManagerProvider({ client }));
      if (scenario.retried) {
        expect(result).toMatchObject({ ok: true, attempts: 2, flaky: true, failure: null });
        expect(gets() - before).toBe(2);
      } else {
        expect(result).toMatchObject({ ok: false, attempts: 1, failure: { kind: 'internal', retryable: false } });
        expect(result.failure!.message).toMatch(/secret 'db-password': .*AccessDeniedException \(HTTP 400\); check the name and the function role/);
        expect(gets() - before).toBe(1);
      }
      expect(JSON.stringify(result)).not.toContain(VALUE);
    });
  }
});
