// A service composite per environment (lib/infra, `<service>.<environment>`) is read back as
// its service, with only that environment's checks; plain service names, dotted ones too,
// keep working.
import { describe, expect, it } from 'vitest';
import { alarmName } from '../../lib/alerting/naming.js';
import { serviceAlarmKey } from '../../lib/infra/plan.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';
import { parseAlarmMessage } from '../../lib/notify/alarmEvent.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';

function check(id: string, service: string, extra: Partial<Check> = {}): Check {
  return { kind: 'http', id, name: `Check ${id}`, service, owner: 'team', runbook: 'https://wiki.example.com/rb', rollbackNote: 'Roll back.', expect: '200', severity: 'critical', url: '/health', ...extra } as Check;
}

const fleet: Fleet = {
  name: 'shop',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
  environments: { production: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'https://staging.shop.example.com' } },
  checks: [check('health', 'checkout'), check('cart', 'checkout'), check('search', 'api.v2', { environments: ['production'] }), check('status', 'api.v2.beta')],
};
const config = buildNotifyConfig(fleet, { dashboardUrl: 'https://console.example.com/dash' });

function composite(subject: string) {
  const message = JSON.stringify({
    AlarmName: alarmName({ fleet: 'shop', kind: 'service', subject }),
    NewStateValue: 'ALARM',
    OldStateValue: 'OK',
    NewStateReason: 'member in ALARM',
    StateChangeTime: '2026-11-22T01:00:00.000+0000',
    Region: 'EU (Ireland)',
  });
  return parseAlarmMessage(message, { config, route: 'pager' });
}

describe('service composite subjects', () => {
  const cases: [string, string, string, string[]][] = [
    ['per environment', serviceAlarmKey('checkout', 'staging'), 'checkout', ['cart.staging', 'health.staging']],
    ['per environment, other one', serviceAlarmKey('checkout', 'production'), 'checkout', ['cart.production', 'health.production']],
    ['a single-environment service with dots in its name', serviceAlarmKey('api.v2', undefined), 'api.v2', ['search']],
    ['a dotted service per environment', serviceAlarmKey('api.v2.beta', 'production'), 'api.v2.beta', ['status.production']],
  ];
  for (const [name, subject, service, targets] of cases) {
    it(name, () => {
      const event = composite(subject);
      expect(event.kind).toBe('service');
      expect(event.service).toBe(service);
      expect(event.serviceTargets.map((t) => t.target).sort()).toEqual(targets);
    });
  }

  it('an unknown subject names no checks', () => {
    const event = composite('payments.production');
    expect(event.service).toBe('payments.production');
    expect(event.serviceTargets).toEqual([]);
  });
});
