// `probe-fleet monitor` usage and configuration errors: exit 2, a message naming the flag, the
// expected value and what was received, and nothing started.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { TEAM, tempDir, writeFleet } from './support.js';

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
