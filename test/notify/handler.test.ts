// The notify function as Lambda runs it: lambdas/notify.ts bundled with esbuild, notify.json
// beside the bundle, invoked with SNS events; the real Secrets Manager client fetches the
// webhook URLs and the routing key from a local endpoint, and local webhooks record what arrives.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotifyConfig, CHAT_TOPIC_ARN_ENV, NOTIFY_CONFIG_FILE, PAGER_TOPIC_ARN_ENV } from '../../lib/notify/notifyConfig.js';
import { startFakeAws } from '../support/fakeAws.js';
import type { FakeAws } from '../support/fakeAws.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, alarmMessage, compositeMessage, shopFleet, snsEvent } from './fixtures.js';

interface Arrival {
  path: string;
  body: Record<string, unknown>;
}

type Handler = (event: SNSEvent, context?: { getRemainingTimeInMillis(): number }) => Promise<unknown>;

describe('notify handler, bundled, end to end', () => {
  const arrivals: Arrival[] = [];
  let failTeams = false;
  let webhooks: StartedHttpServer;
  let aws: FakeAws;
  let dir: string;
  let handler: Handler;
  const logs: string[] = [];
  const originalLog = console.log;

  beforeAll(async () => {
    webhooks = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        arrivals.push({ path, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        const status = failTeams && path.startsWith('/teams') ? 503 : 202;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 202 ? '{"status":"success","message":"Event processed"}' : '{"error":"unavailable"}');
      });
    });
    aws = await startFakeAws({
      secrets: {
        'slack-webhook': `${webhooks.url}/slack/services/T000/B000/SLACKSECRETXYZ`,
        'teams-webhook': `${webhooks.url}/teams/webhookb2/TEAMSSECRETXYZ`,
        'gchat-webhook': `${webhooks.url}/gchat/v1/spaces/AAAA/messages?key=GCHATSECRETXYZ`,
        'pd-routing-key': 'R0UT1NGK3Y0000000000000000000000',
      },
    });
    mkdirSync(join(process.cwd(), 'test-artifacts'), { recursive: true });
    dir = mkdtempSync(join(process.cwd(), 'test-artifacts', 'notify-bundle-'));
    await build({
      entryPoints: ['lambdas/notify.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(dir, 'index.mjs'),
      // The SDK is bundled here only because this directory has no node_modules beside it.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'silent',
    });
    // CDK tokens stand in for the topic ARNs in the file; the environment carries the real ones.
    const config = buildNotifyConfig(shopFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: '${Token[TOKEN.1]}', chatTopicArn: '${Token[TOKEN.2]}' });
    writeFileSync(join(dir, NOTIFY_CONFIG_FILE), JSON.stringify(config));
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      PAGERDUTY_EVENTS_URL: `${webhooks.url}/pagerduty/v2/enqueue`,
      [PAGER_TOPIC_ARN_ENV]: PAGER_TOPIC,
      [CHAT_TOPIC_ARN_ENV]: CHAT_TOPIC,
    });
    console.log = (line: string) => logs.push(line);
    ({ handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: Handler });
  });

  afterAll(async () => {
    console.log = originalLog;
    await webhooks.close();
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const context = { getRemainingTimeInMillis: () => 30_000 };

  it('a paging alarm: PagerDuty trigger from the pager topic; its OK, sent to the chat topic, resolves the same incident and says nothing in chat', async () => {
    const before = arrivals.length;
    const name = 'probe-fleet/shop/service/api';
    await handler(snsEvent(PAGER_TOPIC, compositeMessage(name, 'ALARM', 'OK')), context);
    const triggered = arrivals.slice(before);
    expect(triggered.map((a) => [a.path, a.body.event_action, a.body.dedup_key])).toEqual([['/pagerduty/v2/enqueue', 'trigger', name]]);
    expect(triggered[0]!.body.routing_key).toBe('R0UT1NGK3Y0000000000000000000000');
    expect((triggered[0]!.body.payload as { summary: string }).summary).toBe('[ALARM] service api service down in eu-west-1, us-east-1');
    // Secrets came from Secrets Manager, fetched by the real SDK client.
    const fetched = aws.requests.filter((r) => r.operation === 'GetSecretValue').map((r) => (r.body as { SecretId: string }).SecretId);
    expect(fetched).toEqual(['pd-routing-key']);

    // lib/infra sends every alarm's OK to the chat topic.
    const mid = arrivals.length;
    await handler(snsEvent(CHAT_TOPIC, compositeMessage(name, 'OK', 'ALARM')), context);
    const recovered = arrivals.slice(mid);
    expect(recovered.filter((a) => a.path.startsWith('/pagerduty')).map((a) => [a.body.event_action, a.body.dedup_key])).toEqual([['resolve', name]]);
    // The chat webhooks never saw it fire: no recovery there (it goes where the alarm went).
    expect(recovered.filter((a) => !a.path.startsWith('/pagerduty'))).toEqual([]);
    // The routing key was cached for the container: one fetch each, however many messages.
    const all = aws.requests.filter((r) => r.operation === 'GetSecretValue').map((r) => (r.body as { SecretId: string }).SecretId);
    expect(all.filter((n) => n === 'pd-routing-key')).toHaveLength(1);
  });

  it('a check recovery on the chat topic does not touch PagerDuty (it never paged)', async () => {
    const before = arrivals.length;
    await handler(snsEvent(CHAT_TOPIC, alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'OK', old: 'ALARM', previousAt: '2026-11-22T00:10:30.000+0000', at: '2026-11-22T00:25:30.000+0000' })), context);
    const got = arrivals.slice(before);
    expect(got.map((a) => a.path.split('/')[1]).sort()).toEqual(['gchat', 'slack', 'teams']);
    expect((got.find((a) => a.path.startsWith('/slack'))!.body.text as string).split('\n')[0]).toBe('[RESOLVED] Health endpoint (api, prod) recovered after 15m');
  });

  it('chat topic: Slack, Teams and Google Chat messages; a composite alarm on the pager topic too', async () => {
    const before = arrivals.length;
    await handler(snsEvent(CHAT_TOPIC, alarmMessage({ name: 'probe-fleet/shop/availability/products', state: 'ALARM', old: 'OK' })), context);
    const chat = arrivals.slice(before).map((a) => a.path.split('/')[1]).sort();
    expect(chat).toEqual(['gchat', 'slack', 'teams']);
    const slack = arrivals.slice(before).find((a) => a.path.startsWith('/slack'))!;
    expect(slack.body.text).toContain('Product list <beta>');
    const mid = arrivals.length;
    await handler(snsEvent(PAGER_TOPIC, compositeMessage('probe-fleet/shop/service/api', 'ALARM', 'OK')), context);
    expect(arrivals.slice(mid).map((a) => (a.body.payload as { summary: string }).summary)).toEqual(['[ALARM] service api service down in eu-west-1, us-east-1']);
  });

  it('a webhook that keeps failing: retried in-process, the others delivered, then the invocation throws for Lambda to retry and dead-letter', async () => {
    failTeams = true;
    const event = snsEvent(CHAT_TOPIC, alarmMessage({ name: 'probe-fleet/shop/availability/products', state: 'ALARM', old: 'OK' }));
    try {
      const before = arrivals.length;
      const attempt = handler(event, context);
      await expect(attempt).rejects.toThrow(/1 of 1 record\(s\) not delivered.*teams webhook \(secret teams-webhook\).*received HTTP 503/);
      await attempt.catch((error: unknown) => {
        expect(String(error)).not.toContain('TEAMSSECRETXYZ');
      });
      const got = arrivals.slice(before);
      expect(got.filter((a) => a.path.startsWith('/teams'))).toHaveLength(4);
      expect(got.filter((a) => !a.path.startsWith('/teams'))).toHaveLength(2);
      const errorLine = logs.map((l) => JSON.parse(l) as { level: string; error?: string }).find((l) => l.level === 'error');
      expect(errorLine?.error).toContain('teams-webhook');
      expect(logs.join('\n')).not.toContain('SECRETXYZ');
    } finally {
      failTeams = false;
    }
    // Lambda's retry of the same event, Teams back up: only Teams gets it; Slack and Google Chat already have it.
    const retryFrom = arrivals.length;
    const outcomes = (await handler(event, context)) as { outcomes: { destination: string; alreadyDelivered?: true }[] }[];
    expect(arrivals.slice(retryFrom).map((a) => a.path.split('/')[1])).toEqual(['teams']);
    expect(outcomes[0]!.outcomes.filter((o) => o.alreadyDelivered).map((o) => o.destination.split(' ')[0]).sort()).toEqual(['googleChat', 'slack']);
  });

  it('a message from an unknown topic or a broken message throws (dead-letter queue), naming what was expected', async () => {
    await expect(handler(snsEvent('arn:aws:sns:eu-west-1:123456789012:other', alarmMessage({ name: 'x', state: 'ALARM', old: 'OK' })), context)).rejects.toThrow(/expected the pager topic/);
    await expect(handler(snsEvent(CHAT_TOPIC, 'not json'), context)).rejects.toThrow(/expected JSON from CloudWatch/);
    await expect(handler({ Records: [] }, context)).rejects.toThrow(/expected an SNS event with Records/);
  });
});
