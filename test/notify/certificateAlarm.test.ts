// Certificate alarms are per TLS endpoint (subject `host_port`), not per check: the message
// must name the endpoint and every check that depends on the certificate.
import { describe, expect, it } from 'vitest';
import { parseAlarmMessage, facts, headline, runbooks } from '../../lib/notify/alarmEvent.js';
import { buildNotifyConfig, certificateAlarmSubject } from '../../lib/notify/notifyConfig.js';
import { formatPagerDuty } from '../../lib/notify/pagerDuty.js';
import { formatSlack } from '../../lib/notify/slack.js';
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, alarmMessage, shopFleet } from './fixtures.js';

const config = buildNotifyConfig(shopFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });

function certAlarm(kind: 'cert-chat' | 'cert-pager', route: 'pager' | 'chat') {
  return parseAlarmMessage(alarmMessage({ name: `probe-fleet/shop/${kind}/shop.example_443`, state: 'ALARM', old: 'OK', mathRegions: [] }), { config, route });
}

describe('certificate alarm messages', () => {
  it('the bundle lists each endpoint under the subject its alarm name carries', () => {
    expect(certificateAlarmSubject('shop', 'shop.example:443')).toBe('shop.example_443');
    expect(config.certificates?.['shop.example_443']).toEqual({ endpoint: 'shop.example:443', targets: ['health', 'products'], chatDays: 21, pagerDays: 7, pages: true });
  });

  const cases = [
    { name: 'critical (cert-pager) on the pager route', kind: 'cert-pager' as const, route: 'pager' as const, severity: 'critical', days: 7 },
    { name: 'warning (cert-chat) on the chat route', kind: 'cert-chat' as const, route: 'chat' as const, severity: 'warning', days: 21 },
    // Severity comes from the alarm, not from the topic that carried it.
    { name: 'critical (cert-pager) routed to chat (environment does not page)', kind: 'cert-pager' as const, route: 'chat' as const, severity: 'critical', days: 7 },
  ];
  for (const c of cases) {
    it(`${c.name}: names the endpoint, every dependent check, owners and runbooks`, () => {
      const event = certAlarm(c.kind, c.route);
      expect(event.target).toBeNull();
      expect(event.certificate?.endpoint).toBe('shop.example:443');
      expect(event.certificate?.dependents.map((d) => d.target)).toEqual(['health', 'products']);
      expect(event.severity).toBe(c.severity);
      expect(headline(event)).toContain('TLS endpoint shop.example:443 (2 checks)');
      const f = Object.fromEntries(facts(event).map((x) => [x.label, x.value]));
      expect(f['Endpoint']).toBe('shop.example:443');
      expect(f['Dependent checks']).toBe('Health endpoint (health), Product list <beta> (products)');
      expect(f['Threshold']).toBe(`fewer than ${c.days} days left`);
      expect(f['Services']).toBe('api, catalog');
      expect(f['Owner']).toBe('team-api (#api-oncall), team-catalog');
      expect(runbooks(event).map((r) => r.url)).toEqual(['https://runbooks.example/api/health', 'https://runbooks.example/catalog']);
      // Regions of the dependents, since the certificate metric has no Region dimension.
      expect(event.regions).toEqual(['eu-west-1', 'us-east-1']);
      const pd = formatPagerDuty(event, 'key');
      expect(pd?.payload?.source).toBe('shop/shop.example:443');
      expect(pd?.payload?.severity).toBe(c.severity);
      expect(pd?.payload?.custom_details['Dependent checks']).toContain('Product list <beta> (products)');
      // Slack escapes the check name's angle brackets.
      expect(JSON.stringify(formatSlack(event).blocks)).toContain('Product list &lt;beta&gt; (products)');
    });
  }

  it('a bundle without the certificate list still names the endpoint and says the checks are unknown', () => {
    const { certificates: _dropped, ...older } = config;
    const event = parseAlarmMessage(alarmMessage({ name: 'probe-fleet/shop/cert-pager/shop.example_443', state: 'ALARM', old: 'OK', mathRegions: [] }), { config: older, route: 'pager' });
    expect(event.certificate?.endpoint).toBe('shop.example:443');
    const f = Object.fromEntries(facts(event).map((x) => [x.label, x.value]));
    expect(f['Dependent checks']).toMatch(/not known/);
  });
});
