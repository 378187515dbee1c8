// `probe-fleet page --test` against a local endpoint that decodes what the real SNS client
// sent (AWS Query protocol, form-encoded), and what the notify function makes of it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { handleSnsEvent } from '../../lib/notify/handleSnsEvent.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { Redactor } from '../../lib/secrets/secrets.js';
import { startFakeAws, type DecodedAwsRequest, type FakeAnswer, type FakeAws } from '../support/fakeAws.js';
import { startHttpServer, type StartedHttpServer } from '../support/servers.js';
import { captureIO, tempDir } from '../release/helpers.js';
import { writeFleet } from './helpers.js';

const ACCOUNT = '123456789012';
const PAGER = `arn:aws:sns:eu-west-1:${ACCOUNT}:probe-fleet-shop-pager`;
const CHAT = `arn:aws:sns:eu-west-1:${ACCOUNT}:probe-fleet-shop-chat`;
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };

const fleet: Fleet = {
  name: 'shop',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1', 'us-east-1'],
  environments: { production: { baseUrl: 'https://shop.example.com' } },
  alerting: { pager: { pagerDutyRoutingKey: { $secret: 'pd/routing-key' } }, chat: { emails: ['sre@example.com'] } },
  checks: [
    { kind: 'http', id: 'health', name: 'Health', service: 'api', owner: 'team-api', runbook: 'https://runbooks.example.com/h', rollbackNote: 'Roll back.', expect: '200', severity: 'critical', url: '/health' },
  ],
};

describe('probe-fleet page --test', () => {
  const tmp = tempDir();
  let aws: FakeAws;
  let answer: (req: DecodedAwsRequest) => FakeAnswer | undefined = () => undefined;
  let seq = 0;

  beforeAll(async () => {
    writeFleet(tmp.dir, fleet);
    aws = await startFakeAws({ respond: (req) => answer(req) ?? (req.operation === 'Publish' ? { xml: `<MessageId>msg-${++seq}</MessageId>` } : undefined) });
  });
  beforeEach(() => {
    aws.requests.length = 0;
    answer = () => undefined;
  });
  afterAll(async () => {
    await aws.close();
    tmp.remove();
  });

  async function page(args: string[], env: NodeJS.ProcessEnv = {}) {
    const io = captureIO(tmp.dir, { ...AWS_ENV, ...env });
    const code = await main(['page', '--config', 'probes.config.json', ...args], io);
    return { code, out: io.out(), err: io.err() };
  }
  const publishes = () => aws.requests.filter((r) => r.operation === 'Publish').map((r) => r.body as Record<string, string>);

  it('publishes a TEST notification to the pager and chat topics over the Query protocol and prints each MessageId', async () => {
    const run = await page(['--test', '--account', ACCOUNT, '--endpoint', aws.endpoint]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(aws.requests.map((r) => [r.service, r.protocol, r.region, r.operation])).toEqual([
      ['sns', 'query', 'eu-west-1', 'Publish'],
      ['sns', 'query', 'eu-west-1', 'Publish'],
    ]);
    const [pager, chat] = publishes();
    expect(pager).toMatchObject({ Action: 'Publish', Version: '2010-03-31', TopicArn: PAGER, MessageStructure: 'json', Subject: 'TEST: shop pager on-call path test' });
    expect(chat).toMatchObject({ TopicArn: CHAT, Subject: 'TEST: shop chat on-call path test' });
    const body = JSON.parse(pager!.Message!) as Record<string, string>;
    expect(JSON.parse(body.default!)).toMatchObject({ AlarmName: 'probe-fleet/shop/TEST/page', NewStateValue: 'ALARM', Region: 'eu-west-1' });
    expect(run.out).toMatch(new RegExp(`^pager  accepted  MessageId msg-\\d+  ${PAGER}\nchat   accepted  MessageId msg-\\d+  ${CHAT}\n2 of 2 topic\\(s\\) accepted the test notification\\. .*--resolve\\.\n$`));
  });

  it('sends only the chosen route', async () => {
    const run = await page(['--test', '--route', 'chat', '--json'], { AWS_ACCOUNT_ID: ACCOUNT, AWS_ENDPOINT_URL_SNS: aws.endpoint });
    expect(run.code).toBe(0);
    expect(publishes().map((p) => p.TopicArn)).toEqual([CHAT]);
    const report = JSON.parse(run.out) as { resolve: boolean; outcomes: { route: string; ok: boolean; messageId: string }[] };
    expect(report).toMatchObject({ resolve: false, outcomes: [{ route: 'chat', ok: true, messageId: expect.stringMatching(/^msg-/) as unknown }] });
  });

  it('sends the recovery of a pager test to chat as well, as a paging alarm does', async () => {
    const run = await page(['--test', '--route', 'pager', '--resolve'], { AWS_ACCOUNT_ID: ACCOUNT, AWS_ENDPOINT_URL_SNS: aws.endpoint });
    expect(run.code).toBe(0);
    expect(publishes().map((p) => p.TopicArn)).toEqual([PAGER, CHAT]);
    for (const sent of publishes()) {
      const body = JSON.parse(sent.Message!) as Record<string, string>;
      expect(JSON.parse(body.default!)).toMatchObject({ NewStateValue: 'OK', OldStateValue: 'ALARM' });
    }
    expect(run.out).toContain('2 of 2 topic(s) accepted the test recovery.');
  });

  it('publishes to the topics of another stack prefix', async () => {
    await page(['--test', '--route', 'chat', '--account', ACCOUNT, '--endpoint', aws.endpoint, '--stack-prefix', 'team-a']);
    expect(publishes().map((p) => p.TopicArn)).toEqual([`arn:aws:sns:eu-west-1:${ACCOUNT}:team-a-chat`]);
  });

  it('reports a missing topic as not retryable, and tries each topic once (a publish is not idempotent)', async () => {
    answer = (req) => (req.body as { TopicArn?: string }).TopicArn === PAGER ? { error: { status: 404, code: 'NotFound', message: 'Topic does not exist' } } : undefined;
    const run = await page(['--test', '--account', ACCOUNT, '--endpoint', aws.endpoint]);
    expect(run.code).toBe(1);
    expect(publishes()).toHaveLength(2);
    expect(run.out).toContain(`pager  FAILED    publish to ${PAGER}: expected SNS to accept the test notification, received NotFound (HTTP 404): Topic does not exist; not retryable: check the account, the home region and the stack prefix, and that the fleet is deployed`);
    expect(run.out).toMatch(/chat   accepted  MessageId msg-\d+/);
    expect(run.out).toContain('1 of 2 topic(s) accepted');
  });

  it('says a throttled publish may be retried, and what a retry risks', async () => {
    answer = () => ({ error: { status: 400, code: 'Throttled', queryCode: 'Throttled', message: 'Rate exceeded' } });
    const run = await page(['--test', '--route', 'pager', '--account', ACCOUNT, '--endpoint', aws.endpoint]);
    expect(run.code).toBe(1);
    expect(publishes()).toHaveLength(1);
    expect(run.out).toContain('received Throttled (HTTP 400): Rate exceeded; a retry is safe, but if SNS accepted this attempt before the error on-call may get a second test page');
  });

  it.each([
    { name: 'without --test', args: [], message: /invalid mode: expected --test/ },
    { name: 'an unknown route', args: ['--test', '--route', 'sms'], message: /invalid --route: expected pager or chat, received "sms"/ },
    { name: 'a malformed account', args: ['--test', '--account', '12345'], message: /invalid --account: expected a 12-digit AWS account id, received "12345"/ },
    { name: 'no account known', args: ['--test'], message: /invalid --account: expected the 12-digit AWS account the fleet is deployed in/ },
  ])('refuses $name with a usage error, sending nothing', async ({ args, message }) => {
    const run = await page([...args, '--endpoint', aws.endpoint]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(aws.requests).toHaveLength(0);
  });

  describe('what the notify function makes of it', () => {
    let pagerDuty: StartedHttpServer;
    const events: Record<string, unknown>[] = [];
    beforeAll(async () => {
      pagerDuty = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end('{"status":"success"}');
        });
      });
    });
    afterAll(() => pagerDuty.close());

    it('pages PagerDuty with a TEST incident, and the resolve closes it', async () => {
      const config = buildNotifyConfig(fleet, { dashboardUrl: '', pagerTopicArn: PAGER, chatTopicArn: CHAT });
      // Every message of a run, handed to the notify function as SNS hands a Lambda subscriber
      // its protocol's message (the filter policy drops OKs on the pager topic, as deployed).
      const deliverAs = async (args: string[]) => {
        aws.requests.length = 0;
        await page(['--test', '--route', 'pager', '--account', ACCOUNT, '--endpoint', aws.endpoint, ...args]);
        const outcomes = [];
        for (const [i, sent] of publishes().entries()) {
          const message = (JSON.parse(sent.Message!) as Record<string, string>).lambda!;
          if (sent.TopicArn === PAGER && (JSON.parse(message) as { NewStateValue: string }).NewStateValue === 'OK') continue;
          const event = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: `${sent.TopicArn}:sub`, Sns: { Type: 'Notification', MessageId: `m-${args.length}-${i}`, TopicArn: sent.TopicArn, Subject: sent.Subject, Message: message, Timestamp: '2026-12-02T17:00:00.000Z', SignatureVersion: '1', Signature: 'x', SigningCertUrl: 'https://x', UnsubscribeUrl: 'https://x', MessageAttributes: {} } }] } as SNSEvent;
          outcomes.push(...(await handleSnsEvent(event, { config, secrets: { resolve: () => Promise.resolve('R0UT1NGK3Y0000000000') }, redactor: new Redactor(), pagerDutyUrl: `${pagerDuty.url}/v2/enqueue`, log: () => undefined })));
        }
        return outcomes;
      };
      const [fired] = await deliverAs([]);
      expect(fired?.test?.route).toBe('pager');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ event_action: 'trigger', dedup_key: 'probe-fleet/shop/TEST/page', payload: { severity: 'critical', summary: '[TEST] on-call path test for shop (pager route): no service is down' } });
      // The recovery's chat copy resolves the incident with the pager route's routing key.
      await deliverAs(['--resolve']);
      expect(events.slice(1)).toEqual([{ routing_key: 'R0UT1NGK3Y0000000000', event_action: 'resolve', dedup_key: 'probe-fleet/shop/TEST/page' }]);
    });
  });
});
