// A notification that still fails after its retries is kept in the data directory's
// dead-letter file (never with the webhook URL), said so in the output, and counted on the
// status API and page.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secret } from '../../lib/model/defineFleet.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { UNDELIVERED_FILE } from '../../lib/monitor/monitor.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, monitorInProcess, tempDir, waitFor, writeFleet } from './support.js';

interface DeadLetter {
  route: string;
  alarmName: string;
  state: string;
  destinations: string[];
  error: string;
  event: { alarmName: string; target: { checkId: string } | null };
}

describe('monitor: undelivered notifications', () => {
  let hooks: StartedHttpServer;
  let dir: string;
  let arrivals = 0;
  beforeAll(async () => {
    // A chat webhook that is down for good: every attempt gets a 503.
    hooks = await startHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrivals++;
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('unavailable');
      });
    });
    dir = tempDir('probe-fleet-dead-letter-');
  });
  afterAll(async () => {
    await hooks.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are kept in undelivered.jsonl without secrets, reported, and counted on the status API', async () => {
    const fleet: Fleet = {
      name: 'demo',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      defaults: { timeoutMs: 500, retries: { count: 0 } },
      // Nothing listens on port 9: the check fails and its alarm fires.
      environments: { local: { baseUrl: 'http://127.0.0.1:9' } },
      alerting: { chat: { webhooks: [{ kind: 'slack', url: secret('slack-url') }] } },
      checks: [{ kind: 'http', id: 'health', name: 'Health', service: 'demo', ...TEAM, runbook: 'https://runbooks.example/health', expect: '200', severity: 'warning', url: '/health' }],
    };
    const data = join(dir, 'data');
    const monitor = monitorInProcess(
      ['--config', writeFleet(dir, fleet), '--data', data, '--port', '0', '--period', '300ms', '--notify', 'webhooks', '--notify-retry-for', '0s', '--request-log', join(dir, 'requests.jsonl')],
      { PROBE_SECRET_SLACK_URL: `${hooks.url}/services/T0/B0/SLACKSECRET` },
      dir,
    );
    let code: number | null = null;
    try {
      const url = await monitor.url;
      expect(url).toMatch(/^http:/);
      await waitFor('the undelivered alarm to be kept', () => /not delivered to slack webhook \(secret slack-url\); kept in /.test(monitor.output()), 30_000);
      const status = (await (await fetch(`${url}/api/status`)).json()) as { summary: { undeliveredNotifications: number } };
      expect(status.summary.undeliveredNotifications).toBeGreaterThanOrEqual(1);
      expect(await (await fetch(`${url}/`)).text()).toMatch(/notifications? not delivered, kept in undelivered\.jsonl/);
    } finally {
      code = await monitor.stop();
    }
    expect(code).toBe(0);
    // Retried before it was given up: the default four attempts reached the webhook.
    expect(arrivals).toBeGreaterThanOrEqual(4);
    const file = join(data, UNDELIVERED_FILE);
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('SLACKSECRET');
    expect(text).not.toContain('/services/T0');
    const letters = text.trimEnd().split('\n').map((l) => JSON.parse(l) as DeadLetter);
    // The check's alarm and (the check being the service's only one) the service alarm, both to chat.
    const first = letters.find((l) => l.alarmName === 'probe-fleet/demo/availability/health')!;
    expect(first).toBeDefined();
    expect(first).toMatchObject({ route: 'chat', alarmName: 'probe-fleet/demo/availability/health', state: 'ALARM', destinations: ['slack webhook (secret slack-url)'] });
    expect(first.error).toMatch(/failed after 4 attempt\(s\): expected HTTP 2xx, received HTTP 503/);
    expect(first.event.target?.checkId).toBe('health');
    // The failure itself is on stderr, as before.
    expect(monitor.output()).toContain('notification failed:');
  });
});
