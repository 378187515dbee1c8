/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- these tests walk untyped JSON payloads as the receiving provider would */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError, deliverJson, redactUrl } from '../../lib/notify/deliver.js';
import { dispatch, NotifyDeliveryError } from '../../lib/notify/dispatch.js';
import { parseAlarmMessage } from '../../lib/notify/alarmEvent.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { EnvSecretProvider, Redactor } from '../../lib/secrets/secrets.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, alarmMessage, shopFleet } from './fixtures.js';

interface Arrival {
  path: string;
  contentType: string | undefined;
  body: any;
}

/** A webhook stand-in: records what arrives; `plan` answers per path, in order (then 200). */
function recorder(arrivals: Arrival[], plan: Map<string, number[]>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      arrivals.push({ path, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = plan.get(path)?.shift() ?? 200;
      if (status === 0) {
        req.socket.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 300 ? '{"status":"success"}' : '{"error":"nope"}');
    });
  };
}

const noSleep = (): Promise<void> => Promise.resolve();

describe('deliverJson against a local webhook', () => {
  const arrivals: Arrival[] = [];
  const plan = new Map<string, number[]>();
  let server: StartedHttpServer;
  beforeAll(async () => {
    server = await startHttpServer(recorder(arrivals, plan));
  });
  afterAll(() => server.close());

  const cases: { name: string; answers: number[]; ok: boolean; arrivals: number; retryable?: boolean }[] = [
    { name: 'first try', answers: [200], ok: true, arrivals: 1 },
    { name: '429 then 503 then success', answers: [429, 503, 204], ok: true, arrivals: 3 },
    { name: 'a dropped connection is retried', answers: [0, 200], ok: true, arrivals: 2 },
    { name: '400 is not retried', answers: [400], ok: false, arrivals: 1, retryable: false },
    { name: '5xx every time: all attempts, then an error', answers: [500, 502, 503, 504], ok: false, arrivals: 4, retryable: true },
  ];
  it.each(cases)('$name', async (c) => {
    const path = `/hook/${c.name.replace(/\W+/g, '-')}/T000SECRET`;
    plan.set(path, [...c.answers]);
    const before = arrivals.length;
    const url = `${server.url}${path}`;
    const attempt = deliverJson(url, { hello: 'world' }, { attempts: 4, sleep: noSleep });
    if (c.ok) {
      await expect(attempt).resolves.toMatchObject({ attempts: c.arrivals });
    } else {
      const error = await attempt.then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as DeliveryError).retryable).toBe(c.retryable);
      expect((error as Error).message).not.toContain('T000SECRET');
      expect((error as Error).message).toContain(redactUrl(url));
      expect((error as Error).message).toMatch(/expected HTTP 2xx, received HTTP \d{3}/);
      // The attempts actually sent, not the configured 4.
      expect((error as DeliveryError).attempts).toBe(c.arrivals);
      expect((error as Error).message).toContain(`failed after ${c.arrivals} attempt(s)`);
    }
    const mine = arrivals.slice(before);
    expect(mine).toHaveLength(c.arrivals);
    for (const a of mine) {
      expect(a.contentType).toBe('application/json');
      expect(a.body).toEqual({ hello: 'world' });
    }
  });
});

describe('deliverJson: the deadline cuts retries short', () => {
  let server: StartedHttpServer;
  const arrivals: Arrival[] = [];
  beforeAll(async () => {
    server = await startHttpServer(recorder(arrivals, new Map([['/hook/deadline', [503, 503, 503, 503]]])));
  });
  afterAll(() => server.close());

  it('reports the one attempt it made when the next wait would pass the deadline', async () => {
    // The first backoff (at least half of 10 min) cannot fit in the minute that is left.
    const error = await deliverJson(`${server.url}/hook/deadline`, { hello: 'world' }, { attempts: 4, backoffMs: 600_000, deadline: Date.now() + 60_000, sleep: noSleep }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect(arrivals).toHaveLength(1);
    expect((error as DeliveryError).attempts).toBe(1);
    expect((error as Error).message).toMatch(/failed after 1 attempt\(s\): expected HTTP 2xx, received HTTP 503.*stopped after attempt 1: the invocation's deadline left no time for another; safe to retry/);
  });
});

describe('dispatch: every destination of a route', () => {
  const arrivals: Arrival[] = [];
  const plan = new Map<string, number[]>();
  let server: StartedHttpServer;
  beforeAll(async () => {
    server = await startHttpServer(recorder(arrivals, plan));
  });
  afterAll(() => server.close());

  function deps(redactor = new Redactor()) {
    const env = {
      PROBE_SECRET_SLACK_WEBHOOK: `${server.url}/slack/T0/B0/XXXXSLACKSECRET`,
      PROBE_SECRET_TEAMS_WEBHOOK: `${server.url}/teams/webhookb2/TEAMSSECRET`,
      PROBE_SECRET_GCHAT_WEBHOOK: `${server.url}/gchat/v1/spaces/AAA/messages?key=GCHATSECRET`,
      PROBE_SECRET_PD_ROUTING_KEY: 'R0UT1NGK3Y0000000000000000000000',
    };
    return { secrets: new EnvSecretProvider(env, redactor), deliver: { sleep: noSleep, redactor }, pagerDutyUrl: `${server.url}/pagerduty/v2/enqueue` };
  }
  const config = buildNotifyConfig(shopFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });

  it('chat route: Slack, Teams and Google Chat each get their own format', async () => {
    const event = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/products', state: 'ALARM', old: 'OK' }), { config, route: 'chat' });
    const before = arrivals.length;
    const outcomes = await dispatch(event, config.routes.chat, deps());
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const got = arrivals.slice(before).sort((a, b) => a.path.localeCompare(b.path));
    expect(got.map((a) => a.path.split('/')[1])).toEqual(['gchat', 'slack', 'teams']);
    expect(got[0]!.body.cardsV2[0].card.header.title).toContain('Product list');
    expect(got[1]!.body.blocks[0].type).toBe('header');
    expect(got[2]!.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  });

  it('pager route: PagerDuty trigger, then resolve with the same dedup_key', async () => {
    const name = 'probe-fleet/shop/availability/health';
    const before = arrivals.length;
    await dispatch(parseAlarmMessage(alarmMessage({ name, state: 'ALARM', old: 'OK' }), { config, route: 'pager' }), config.routes.pager, deps());
    await dispatch(parseAlarmMessage(alarmMessage({ name, state: 'OK', old: 'ALARM' }), { config, route: 'pager' }), config.routes.pager, deps());
    const got = arrivals.slice(before);
    expect(got.map((a) => [a.path, a.body.event_action, a.body.dedup_key, a.body.routing_key])).toEqual([
      ['/pagerduty/v2/enqueue', 'trigger', name, 'R0UT1NGK3Y0000000000000000000000'],
      ['/pagerduty/v2/enqueue', 'resolve', name, 'R0UT1NGK3Y0000000000000000000000'],
    ]);
  });

  it('a failing webhook is retried, the others still delivered, then the whole dispatch fails without leaking the URL', async () => {
    plan.set('/teams/webhookb2/TEAMSSECRET', [500, 500, 500, 500]);
    const event = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/products', state: 'ALARM', old: 'OK' }), { config, route: 'chat' });
    const before = arrivals.length;
    const error = await dispatch(event, config.routes.chat, deps()).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyDeliveryError);
    const failure = error as NotifyDeliveryError;
    expect(failure.retryable).toBe(true);
    expect(failure.outcomes.filter((o) => !o.ok).map((o) => [o.destination, o.attempts])).toEqual([['teams webhook (secret teams-webhook)', 4]]);
    expect(failure.message).not.toContain('TEAMSSECRET');
    const teams = arrivals.slice(before).filter((a) => a.path.startsWith('/teams'));
    expect(teams).toHaveLength(4);
    expect(arrivals.slice(before).filter((a) => !a.path.startsWith('/teams'))).toHaveLength(2);
  });

  it('a missing secret fails the dispatch, naming the secret and not retrying in vain', async () => {
    const event = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/availability/health', state: 'ALARM', old: 'OK' }), { config, route: 'pager' });
    const error = await dispatch(event, config.routes.pager, { secrets: new EnvSecretProvider({}), deliver: { sleep: noSleep } }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyDeliveryError);
    expect((error as Error).message).toContain("secret 'pd-routing-key'");
    expect((error as NotifyDeliveryError).retryable).toBe(false);
  });
});
