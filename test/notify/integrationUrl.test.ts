// Integration URLs (PagerDuty's or Opsgenie's "Amazon CloudWatch" integration) are read from
// Secrets Manager when the notify function delivers, never from an SNS subscription: the
// notification is posted to them as SNS posts to an HTTPS subscriber, a rotated URL is in use
// after the cache's minute, and the URL shows up in no outcome, log line or error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERY_SECRET_TTL_MS } from '../../lambdas/notify.js';
import { handleSnsEvent } from '../../lib/notify/handleSnsEvent.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { secret } from '../../lib/model/defineFleet.js';
import { Redactor } from '../../lib/secrets/secrets.js';
import { SecretsManagerProvider } from '../../lib/secrets/secretsManager.js';
import { FAKE_CREDENTIALS, startFakeAws, type FakeAws } from '../support/fakeAws.js';
import { startHttpServer, type StartedHttpServer } from '../support/servers.js';
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, alarmMessage, shopFleet, snsEvent } from './fixtures.js';

interface Arrival {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

describe('integration URL delivery', () => {
  const arrivals: Arrival[] = [];
  let status = 200;
  let server: StartedHttpServer;
  let aws: FakeAws;
  const secrets: Record<string, string> = {};
  let clock = 1_800_000_000_000;
  let provider: SecretsManagerProvider;
  const redactor = new Redactor();
  const logs: string[] = [];

  const fleet = shopFleet();
  fleet.alerting = {
    pager: { integrationUrl: secret('pd/cloudwatch-url'), webhooks: [{ kind: 'slack', url: secret('slack-pager-webhook') }] },
    chat: { webhooks: [{ kind: 'slack', url: secret('slack-webhook') }] },
  };
  const config = buildNotifyConfig(fleet, { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });

  beforeAll(async () => {
    server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        arrivals.push({ path: req.url ?? '/', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        res.writeHead(req.url?.startsWith('/integration') ? status : 200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      });
    });
    Object.assign(secrets, {
      'pd/cloudwatch-url': `${server.url}/integration/cloudwatch/KEYVERSION1xyz`,
      'slack-pager-webhook': `${server.url}/slack-pager/T000/B000/PAGERHOOKSECRET`,
      'slack-webhook': `${server.url}/slack/T000/B000/CHATHOOKSECRET`,
    });
    aws = await startFakeAws({ secrets });
  });

  beforeEach(() => {
    arrivals.length = 0;
    logs.length = 0;
    status = 200;
    provider = new SecretsManagerProvider({
      client: new SecretsManagerClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 }),
      redactor,
      ttlMs: DELIVERY_SECRET_TTL_MS,
      now: () => clock,
    });
  });

  afterAll(async () => {
    await aws.close();
    await server.close();
  });

  const deliver = (topic: string, message: string) =>
    handleSnsEvent(snsEvent(topic, message), { config, secrets: provider, redactor, log: (l) => logs.push(l), deliver: { attempts: 1 } });

  it('posts the notification as SNS posts to an HTTPS subscriber, signature fields kept and no unsubscribe URL', async () => {
    const message = alarmMessage({ name: 'probe-fleet/shop/service/api', state: 'ALARM', old: 'OK' });
    const [outcome] = await deliver(PAGER_TOPIC, message);
    const integration = arrivals.find((a) => a.path.startsWith('/integration'));
    expect(integration?.path).toBe('/integration/cloudwatch/KEYVERSION1xyz');
    expect(integration?.headers['x-amz-sns-message-type']).toBe('Notification');
    expect(integration?.headers['x-amz-sns-topic-arn']).toBe(PAGER_TOPIC);
    expect(integration?.headers['x-amz-sns-message-id']).toBe(outcome?.messageId);
    expect(integration?.body).toEqual({
      Type: 'Notification',
      MessageId: outcome?.messageId,
      TopicArn: PAGER_TOPIC,
      Subject: 'ALARM: "probe-fleet/shop/availability/health" in EU (Ireland)',
      Message: message,
      Timestamp: '2026-11-22T00:10:30.200Z',
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem',
    });
    // The route's webhook gets the formatted page too.
    expect(arrivals.map((a) => a.path.split('/')[1]).sort()).toEqual(['integration', 'slack-pager']);
    expect(JSON.stringify(outcome) + logs.join('\n')).not.toContain('KEYVERSION1xyz');
  });

  it('sends an OK on the pager topic to the integration only (it closes the incident; webhooks take the chat copy)', async () => {
    await deliver(PAGER_TOPIC, alarmMessage({ name: 'probe-fleet/shop/service/api', state: 'OK', old: 'ALARM' }));
    expect(arrivals.map((a) => a.path.split('/')[1])).toEqual(['integration']);
    expect(JSON.parse(String(arrivals[0]?.body.Message)) as unknown).toMatchObject({ NewStateValue: 'OK' });
  });

  it('reads the URL from Secrets Manager at delivery: a rotated URL is used once the one-minute cache expires', async () => {
    const message = alarmMessage({ name: 'probe-fleet/shop/service/api', state: 'ALARM', old: 'OK' });
    await deliver(PAGER_TOPIC, message);
    const lookups = () => aws.requests.filter((r) => r.operation === 'GetSecretValue' && (r.body as { SecretId: string }).SecretId === 'pd/cloudwatch-url').length;
    const before = lookups();
    secrets['pd/cloudwatch-url'] = `${server.url}/integration/cloudwatch/KEYVERSION2xyz`;
    clock += DELIVERY_SECRET_TTL_MS - 1;
    await deliver(PAGER_TOPIC, message);
    expect(lookups()).toBe(before);
    clock += 2;
    await deliver(PAGER_TOPIC, message);
    expect(lookups()).toBe(before + 1);
    expect(arrivals.filter((a) => a.path.startsWith('/integration')).map((a) => a.path.split('/').pop())).toEqual(['KEYVERSION1xyz', 'KEYVERSION1xyz', 'KEYVERSION2xyz']);
    expect(DELIVERY_SECRET_TTL_MS).toBe(60_000);
  });

  it('fails the invocation when the integration refuses, naming the secret and never the URL', async () => {
    status = 500;
    const error = await deliver(PAGER_TOPIC, alarmMessage({ name: 'probe-fleet/shop/service/api', state: 'ALARM', old: 'OK' })).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/integration URL \(secret pd\/cloudwatch-url\): delivery to http:\/\/127\.0\.0\.1:\d+\/\[REDACTED\] failed after 1 attempt\(s\): expected HTTP 2xx, received HTTP 500/);
    expect(error?.message).toContain('will be retried');
    expect(`${error?.message ?? ''}${logs.join('\n')}`).not.toContain('KEYVERSION');
  });
});
