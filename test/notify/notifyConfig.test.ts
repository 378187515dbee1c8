import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNotifyConfig } from '../../lib/notify/loadNotifyConfig.js';
import { buildNotifyConfig, NOTIFY_CONFIG_FILE, NotifyConfigError } from '../../lib/notify/notifyConfig.js';
import { DASHBOARD, shopFleet } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-notify-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const handlerUrl = pathToFileURL(join(dir, 'index.mjs')).href;

describe('notify.json', () => {
  it('holds the facts on-call needs per target and secret names, never values', () => {
    const fleet = shopFleet();
    fleet.environments.staging = { baseUrl: 'https://staging.shop.example' };
    const config = buildNotifyConfig(fleet, { dashboardUrl: DASHBOARD });
    expect(Object.keys(config.targets).sort()).toEqual(['health.prod', 'health.staging', 'products.prod', 'products.staging']);
    expect(config.targets['health.prod']).toEqual({
      target: 'health.prod',
      checkId: 'health',
      environment: 'prod',
      checkName: 'Health endpoint',
      service: 'api',
      owner: 'team-api (#api-oncall)',
      expect: 'GET /health answers 200 with {"status":"ok"}',
      runbook: 'https://runbooks.example/api/health',
      rollbackNote: 'Roll back with `deploy rollback api`; the previous image is kept for 7 days.',
      severity: 'critical',
      regions: ['eu-west-1', 'us-east-1'],
      pages: true,
    });
    expect(config.routes.pager).toEqual({ topicArn: '', webhooks: [], pagerDutyRoutingKeySecret: 'pd-routing-key', integrationUrlSecret: null });
    expect(config.routes.chat.webhooks).toEqual([
      { kind: 'slack', secretName: 'slack-webhook' },
      { kind: 'teams', secretName: 'teams-webhook' },
      { kind: 'googleChat', secretName: 'gchat-webhook' },
    ]);
    // JSON-serialisable as it is: what the bundle holds is what the function reads.
    writeFileSync(join(dir, NOTIFY_CONFIG_FILE), JSON.stringify(config));
    expect(loadNotifyConfig(handlerUrl)).toEqual(config);
  });

  const broken: [string, string | null, RegExp][] = [
    ['missing', null, /expected notify\.json beside the handler/],
    ['not JSON', '{', /is not valid JSON/],
    ['another version', '{"version":2}', /expected version 1, received 2/],
    ['no routes', '{"version":1,"fleet":"x","targets":{}}', /"routes\.pager" and "routes\.chat"/],
  ];
  it.each(broken)('a %s notify.json fails loudly, not retryable', (_name, content, message) => {
    rmSync(join(dir, NOTIFY_CONFIG_FILE), { force: true });
    if (content !== null) writeFileSync(join(dir, NOTIFY_CONFIG_FILE), content);
    let caught: unknown;
    try {
      loadNotifyConfig(handlerUrl);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NotifyConfigError);
    expect((caught as NotifyConfigError).retryable).toBe(false);
    expect((caught as Error).message).toMatch(message);
  });
});
