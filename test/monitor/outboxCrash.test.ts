/* eslint-disable @typescript-eslint/no-explicit-any -- the receivers read webhook bodies as untyped JSON */
// `kill -9` the monitor while a notification is on the wire (the receivers hold the requests
// open), start it again on the same data directory: each notification is accepted exactly
// once, under the same notification id (chat) and dedup key (PagerDuty), and a third start
// sends nothing.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secret } from '../../lib/model/defineFleet.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { OUTBOX_FILE } from '../../lib/monitor/outbox.js';
import { NOTIFICATION_ID_HEADER } from '../../lib/notify/dispatch.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, bundleCli, tempDir, waitFor, writeFleet } from './support.js';

interface Arrival {
  path: string;
  id: string;
  body: Record<string, any>;
  /** Whether the receiver answered 2xx: accepted. */
  answered: boolean;
  phase: number;
}

interface Child {
  process: ChildProcess;
  out: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cli: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [cli, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { process: child, out: () => out, exited };
}

describe('monitor outbox: kill -9 during a delivery', () => {
  let receiver: StartedHttpServer;
  let cli: string;
  let dir: string;
  const arrivals: Arrival[] = [];
  const held: ServerResponse[] = [];
  /** 1: hold every request open (the kill lands mid-delivery); 2 and later: accept. */
  let phase = 1;
  const children: Child[] = [];

  beforeAll(async () => {
    receiver = await startHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const header = req.headers[NOTIFICATION_ID_HEADER];
        const arrival: Arrival = { path: req.url ?? '/', id: typeof header === 'string' ? header : '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>, answered: false, phase };
        arrivals.push(arrival);
        if (phase === 1) {
          held.push(res);
          return;
        }
        arrival.answered = true;
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"status":"success"}');
      });
    });
    cli = await bundleCli();
    dir = tempDir('probe-fleet-outbox-');
  });
  afterAll(async () => {
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    for (const res of held) res.destroy();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(cli, '..'), { recursive: true, force: true });
  });

  it('delivers the notification in flight at the kill exactly once after restart, and nothing again on the next start', async () => {
    const fleet: Fleet = {
      name: 'demo',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      defaults: { timeoutMs: 300, retries: { count: 0 } },
      // Nothing listens on port 9: the check fails from its first run. `pages: true`: the
      // service alarm of this critical check pages.
      environments: { local: { baseUrl: 'http://127.0.0.1:9', pages: true } },
      alerting: {
        pager: { pagerDutyRoutingKey: secret('pd-key') },
        chat: { webhooks: [{ kind: 'slack', url: secret('slack-url') }] },
      },
      checks: [{ kind: 'http', id: 'health', name: 'Health', service: 'shop', ...TEAM, runbook: 'https://runbooks.example/health', expect: 'GET /health answers 200', severity: 'critical', url: '/health' }],
    };
    const data = join(dir, 'data');
    const args = ['--config', writeFleet(dir, fleet), '--data', data, '--port', '0', '--period', '300ms', '--notify', 'webhooks', '--request-log', join(dir, 'requests.jsonl')];
    const env = { PROBE_SECRET_SLACK_URL: `${receiver.url}/slack/T0/B0/SECRET`, PROBE_SECRET_PD_KEY: 'R0UT1NGK3Y0000000000000000000000', PAGERDUTY_EVENTS_URL: `${receiver.url}/pagerduty/v2/enqueue` };

    const first = start(cli, args, env);
    children.push(first);
    await waitFor('the chat alarm and the page on the wire, held by the receivers', () => arrivals.some((a) => a.path.startsWith('/slack')) && arrivals.some((a) => a.path.startsWith('/pagerduty')), 30_000);
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const inFlight = arrivals.filter((a) => a.phase === 1);
    expect(inFlight.every((a) => !a.answered)).toBe(true);
    const slackId = inFlight.find((a) => a.path.startsWith('/slack'))!.id;
    const pagerId = inFlight.find((a) => a.path.startsWith('/pagerduty'))!.id;
    expect(slackId).toMatch(/^probe-fleet\/demo\/availability\/health@ALARM@/);
    expect(pagerId).toMatch(/^probe-fleet\/demo\/service\/shop@ALARM@/);
    // Written before it was sent, not yet marked: pending in the outbox.
    const outboxText = readFileSync(join(data, OUTBOX_FILE), 'utf8');
    expect(outboxText).toContain(`"op":"pending","id":${JSON.stringify(slackId)}`);
    expect(outboxText).not.toContain('"op":"done"');

    phase = 2;
    const second = start(cli, args, env);
    children.push(second);
    await waitFor('both notifications accepted after the restart', () => arrivals.filter((a) => a.answered).length >= 2, 30_000);
    // Several more failing runs while in ALARM: nothing more is sent.
    const fails = (): number => (second.out().match(/ FAIL health /g) ?? []).length;
    await waitFor('more failing runs after the redelivery', () => fails() >= 6, 30_000);
    second.process.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(second.out()).toMatch(/2 notification\(s\) pending from before, delivering/);

    const accepted = arrivals.filter((a) => a.answered);
    // Exactly once per notification, under the id it carried when the first process died.
    expect(accepted.map((a) => a.id).sort()).toEqual([slackId, pagerId].sort());
    const page = accepted.find((a) => a.id === pagerId)!;
    expect(page.body.event_action).toBe('trigger');
    expect(page.body.dedup_key).toBe('probe-fleet/demo/service/shop');
    expect(inFlight.find((a) => a.id === pagerId)!.body.dedup_key).toBe(page.body.dedup_key);
    // The same message, not a new one: the chat text of the held request and the accepted one agree.
    expect(accepted.find((a) => a.id === slackId)!.body.text).toBe(inFlight.find((a) => a.id === slackId)!.body.text);
    expect(arrivals.filter((a) => a.phase === 2).map((a) => a.id).sort()).toEqual([slackId, pagerId].sort());

    phase = 3;
    const third = start(cli, args, env);
    children.push(third);
    await waitFor('the third monitor to run the check', () => (third.out().match(/ FAIL health /g) ?? []).length >= 3, 30_000);
    third.process.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
    expect(arrivals.filter((a) => a.phase === 3)).toEqual([]);
    expect(third.out()).not.toContain('pending from before');
  });
});
