/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- the test reads webhook bodies as untyped JSON, as a receiver would */
// `probe-fleet monitor` against the demo service switched down and up: each alarm notifies
// once when it fires and once when it recovers, through the real webhook and PagerDuty formats.
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoService } from '../../demo/server.js';
import type { DemoService } from '../../demo/server.js';
import { secret } from '../../lib/model/defineFleet.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { storedIdsOf } from '../../lib/monitor/segmentStore.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, monitorInProcess, reportedIds, tempDir, waitFor, writeFleet } from './support.js';

interface Arrival {
  path: string;
  body: Record<string, any>;
}

describe('monitor: demo service down and up', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('exactly one alarm and one recovery notification per alarm, results stored as reported', async () => {
    const arrivals: Arrival[] = [];
    const hooks: StartedHttpServer = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        arrivals.push({ path: req.url ?? '/', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any> });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"status":"success"}');
      });
    });
    cleanup.push(() => hooks.close());
    let demo: DemoService = await startDemoService();
    const port = Number(new URL(demo.baseUrl).port);
    cleanup.push(() => demo.close());

    const dir = tempDir('probe-fleet-monitor-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const fleet: Fleet = {
      name: 'demo',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      defaults: { timeoutMs: 800, retries: { count: 0 }, rateLimit: { requestsPerSecond: 50, burst: 10 } },
      // Only production/prod page by default: this environment opts in, as a team watching its service locally would.
      environments: { local: { baseUrl: demo.baseUrl, pages: true } },
      alerting: {
        pager: { pagerDutyRoutingKey: secret('pd-key') },
        chat: { webhooks: [{ kind: 'slack', url: secret('slack-url') }] },
      },
      checks: [
        { kind: 'http', id: 'health', name: 'Health endpoint reports ok', service: 'demo-shop', ...TEAM, runbook: 'https://runbooks.example.com/health', expect: 'GET /health answers 200.', severity: 'critical', url: '/health', assertions: [{ type: 'status', equals: 200 }] },
        { kind: 'http', id: 'products', name: 'Product listing returns JSON', service: 'demo-shop', ...TEAM, runbook: 'https://runbooks.example.com/products', expect: 'GET /products answers 200.', severity: 'warning', url: '/products', query: { limit: 1 } },
      ],
    };
    const config = writeFleet(dir, fleet);
    const env = {
      PROBE_SECRET_PD_KEY: 'R0UT1NGK3Y0000000000000000000000',
      PROBE_SECRET_SLACK_URL: `${hooks.url}/slack/T0/B0/SLACKSECRET`,
      PAGERDUTY_EVENTS_URL: `${hooks.url}/pagerduty/v2/enqueue`,
    };
    const monitor = monitorInProcess(
      // A period well above the 800 ms timeout: on a loaded CI machine a run that outlasted a
      // 1 s period skipped the next slot, and that missing datapoint (breaching, as in
      // CloudWatch) could raise a second, genuine-by-the-rules alarm after recovery.
      ['--config', config, '--data', join(dir, 'data'), '--port', '0', '--period', '2s', '--notify', 'webhooks', '--request-log', join(dir, 'requests.jsonl')],
      env,
      dir,
    );
    let stopped = false;
    cleanup.push(async () => {
      if (!stopped) await monitor.stop();
    });
    await monitor.url;
    const passes = (): number => (monitor.output().match(/PASS health /g) ?? []).length;
    await waitFor('three passing runs of health', () => passes() >= 3);

    await demo.close();
    await waitFor('the pager alarm to be delivered', () => arrivals.some((a) => a.body.event_action === 'trigger'));
    await waitFor('both chat alarms to be delivered', () => arrivals.filter((a) => a.path.startsWith('/slack')).length >= 2);
    // Stay down a while: an alarm that stays in ALARM must not notify again.
    const failuresAtAlarm = (monitor.output().match(/FAIL health /g) ?? []).length;
    await waitFor('more failing runs while in alarm', () => (monitor.output().match(/FAIL health /g) ?? []).length >= failuresAtAlarm + 3);

    demo = await startDemoService({ port });
    await waitFor('the pager recovery', () => arrivals.some((a) => a.body.event_action === 'resolve'));
    await waitFor('the chat recoveries', () => arrivals.filter((a) => a.path.startsWith('/slack')).length >= 4);
    const passesAfter = passes();
    await waitFor('more passing runs after recovery', () => passes() >= passesAfter + 3);

    expect(await monitor.stop()).toBe(0);
    stopped = true;

    // The service alarm (over the critical check) pages, check alarms go to chat, and each
    // recovery goes where its alarm went: the paging alarm's resolves its incident and says
    // nothing in chat, which never saw it fire.
    const pager = arrivals.filter((a) => a.path === '/pagerduty/v2/enqueue');
    expect(pager.map((a) => [a.body.event_action, a.body.dedup_key])).toEqual([
      ['trigger', 'probe-fleet/demo/service/demo-shop'],
      ['resolve', 'probe-fleet/demo/service/demo-shop'],
    ]);
    expect(pager[0]!.body.payload.summary).toBe('[ALARM] service demo-shop service down in local');
    expect(pager[0]!.body.payload.custom_details.Reason).toBe('in ALARM: probe-fleet/demo/availability/health');
    // What woke someone, in the check's own words, and since the first failing run (before the alarm fired).
    expect(pager[0]!.body.payload.custom_details.Failure).toMatch(/^Health endpoint reports ok: .*(refused|ECONNREFUSED)/i);
    expect(Date.parse(pager[0]!.body.payload.custom_details['Failing since'])).toBeLessThan(Date.parse(pager[0]!.body.payload.custom_details['Alarm since']));
    // The page names the member that fired it (health), not every check of the service.
    expect(pager[0]!.body.payload.custom_details['Failing check']).toBe('Health endpoint reports ok (health)');
    expect(pager[0]!.body.payload.custom_details.Expected).toBe('GET /health answers 200.');
    expect(pager[0]!.body.payload.custom_details.Rollback).toBe(TEAM.rollbackNote);
    expect((pager[0]!.body.links as { href: string }[]).map((l) => l.href).filter((h) => h.startsWith('https://runbooks'))).toEqual(['https://runbooks.example.com/health']);
    const slack = arrivals.filter((a) => a.path.startsWith('/slack'));
    const byAlarm = new Map<string, string[]>();
    for (const message of slack) {
      const context = (message.body.blocks as any[]).find((b) => b.type === 'context').elements[0].text as string;
      const alarm = context.split(' · ')[0]!;
      byAlarm.set(alarm, [...(byAlarm.get(alarm) ?? []), (message.body.text as string).split('\n')[0]!]);
    }
    expect(Object.fromEntries(byAlarm)).toEqual({
      'probe-fleet/demo/availability/health': ['[ALARM] Health endpoint reports ok (demo-shop, local) failing in local', expect.stringMatching(/^\[RESOLVED\] Health endpoint reports ok \(demo-shop, local\) recovered after \d+(\.\d+)?s$/)],
      'probe-fleet/demo/availability/products': ['[ALARM] Product listing returns JSON (demo-shop, local) failing in local', expect.stringMatching(/^\[RESOLVED\] Product listing returns JSON .* recovered after/)],
    });
    expect(JSON.stringify(slack.at(-1)!.body)).toContain('Down for');
    expect(JSON.stringify(slack[0]!.body)).toMatch(/connect_refused|refused/i);

    // Every result the monitor reported is in the store, once.
    const stored = storedIdsOf(join(dir, 'data'));
    const reported = reportedIds(monitor.output());
    expect(new Set(stored).size).toBe(stored.length);
    expect([...stored].sort()).toEqual([...reported].sort());
    expect(monitor.output()).toContain('stopped cleanly');
    expect(monitor.output()).not.toContain('SLACKSECRET');
  });
});
