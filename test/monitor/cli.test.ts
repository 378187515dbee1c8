// `probe-fleet monitor` usage and configuration errors: exit 2, a message naming the flag, the
// expected value and what was received, and nothing started.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { storedIdsOf } from '../../lib/monitor/segmentStore.js';
import { TEAM, monitorInProcess, reportedIds, tempDir, waitFor, writeFleet } from './support.js';

const dir = tempDir('probe-fleet-monitor-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fleet(alerting?: Fleet['alerting']): string {
  return writeFleet(dir, {
    name: 'demo',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    environments: { local: { baseUrl: 'http://127.0.0.1:9' } },
    ...(alerting ? { alerting } : {}),
    checks: [{ kind: 'http', id: 'health', name: 'Health', service: 'demo', ...TEAM, runbook: 'https://runbooks.example/health', expect: '200', severity: 'critical', url: '/health' }],
  });
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(['monitor', ...args], { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, env, cwd: dir, signal: new AbortController().signal });
  return { code, err };
}

describe('probe-fleet monitor: usage errors', () => {
  const cases: { name: string; args: () => string[]; env?: NodeJS.ProcessEnv; message: RegExp }[] = [
    { name: 'bad --notify', args: () => ['--config', fleet(), '--notify', 'email'], message: /invalid --notify: expected console or webhooks, received "email"/ },
    { name: 'bad --port', args: () => ['--config', fleet(), '--port', '70000'], message: /invalid --port: expected an integer from 0 to 65535, received "70000"/ },
    { name: 'too short --period', args: () => ['--config', fleet(), '--period', '10ms'], message: /invalid --period: expected a duration of at least 100ms/ },
    { name: 'webhooks with no destination in the fleet', args: () => ['--config', fleet(), '--notify', 'webhooks', '--port', '0'], message: /invalid --notify: expected webhooks or a PagerDuty routing key/ },
    {
      name: 'webhooks whose secret is missing',
      args: () => ['--config', fleet({ chat: { webhooks: [{ kind: 'slack', url: { $secret: 'slack-url' } }] } }), '--notify', 'webhooks', '--port', '0'],
      message: /secret 'slack-url': expected environment variable PROBE_SECRET_SLACK_URL to be set/,
    },
    { name: 'unknown flag', args: () => ['--config', fleet(), '--colour'], message: /Unknown option '--colour'/ },
  ];
  it.each(cases)('$name', async (c) => {
    const { code, err } = await run(c.args(), c.env);
    expect(code).toBe(2);
    expect(err).toMatch(c.message);
  });

  it('--help describes every option', async () => {
    let out = '';
    const code = await main(['monitor', '--help'], { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: {}, cwd: dir, signal: new AbortController().signal });
    expect(code).toBe(0);
    for (const flag of ['--config', '--env', '--port', '--host', '--data', '--notify', '--period', '--request-log']) expect(out).toContain(flag);
  });
});

describe('probe-fleet monitor: one monitor per data directory', () => {
  it('a second monitor on the same --data exits 2 naming the directory and the pid, and the first one\'s store stays intact', async () => {
    const data = join(dir, 'shared-data');
    const args = ['--config', fleet(), '--data', data, '--port', '0', '--period', '200ms', '--request-log', join(dir, 'requests.jsonl')];
    const first = monitorInProcess(args, {}, dir);
    try {
      expect(await first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await waitFor('two results from the first monitor', () => reportedIds(first.output()).length >= 2);
      const second = await run([...args]);
      expect(second.code).toBe(2);
      expect(second.err).toContain(`data directory ${data} is in use by another monitor (pid ${process.pid})`);
      // The first keeps appending to a file nobody cut or replaced.
      const count = reportedIds(first.output()).length;
      await waitFor('the first monitor to keep storing results', () => reportedIds(first.output()).length >= count + 2);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const stored = storedIdsOf(data);
    expect(stored).toEqual(reportedIds(first.output()));
    // Released at the clean stop: the next monitor starts.
    const third = monitorInProcess(args, {}, dir);
    expect(await third.url).toMatch(/^http:/);
    expect(await third.stop()).toBe(0);
    expect(third.output()).not.toContain('took over');
  });
});
