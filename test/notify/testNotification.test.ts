// What `probe-fleet page --test` publishes, read back the way each subscriber reads it: the
// notify function parses it as an alarm marked TEST and pages PagerDuty with it (a test page
// must reach on-call), email gets text, AWS Chatbot a custom notification.
import { describe, expect, it } from 'vitest';
import { headline, parseAlarmMessage } from '../../lib/notify/alarmEvent.js';
import { recoveryPagerDutySecrets } from '../../lib/notify/dispatch.js';
import { buildNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { formatPagerDuty } from '../../lib/notify/pagerDuty.js';
import { formatSlack } from '../../lib/notify/slack.js';
import { formatTeams } from '../../lib/notify/teams.js';
import { testAlarmName, testPublishBody, type TestNotificationInput } from '../../lib/notify/testNotification.js';
import { CHAT_TOPIC, DASHBOARD, PAGER_TOPIC, shopFleet } from './fixtures.js';

const config = buildNotifyConfig(shopFleet(), { dashboardUrl: DASHBOARD, pagerTopicArn: PAGER_TOPIC, chatTopicArn: CHAT_TOPIC });
const input = (over: Partial<TestNotificationInput> = {}): TestNotificationInput => ({
  fleet: 'shop',
  route: 'pager',
  region: 'eu-west-1',
  id: 'test-0001',
  now: new Date('2026-12-02T17:00:00.000Z'),
  resolve: false,
  ...over,
});
const body = (over: Partial<TestNotificationInput> = {}) => JSON.parse(testPublishBody(input(over))) as Record<'default' | 'lambda' | 'email' | 'https', string>;

describe('test notification', () => {
  it('is one JSON message per protocol: the alarm JSON by default and for Lambda, text for email, a Chatbot custom notification for HTTPS', () => {
    const b = body();
    expect(Object.keys(b).sort()).toEqual(['default', 'email', 'https', 'lambda']);
    expect(b.lambda).toBe(b.default);
    expect(JSON.parse(b.default)).toMatchObject({ AlarmName: 'probe-fleet/shop/TEST/page', NewStateValue: 'ALARM', OldStateValue: 'OK', StateChangeTime: '2026-12-02T17:00:00.000+0000', ProbeFleetTest: { id: 'test-0001', route: 'pager' } });
    expect(b.email).toMatch(/^TEST: shop pager on-call path test\n\nThis is a TEST .*No service is down\./);
    expect(JSON.parse(b.https)).toMatchObject({ version: '1.0', source: 'custom', content: { title: 'TEST: shop pager on-call path test', description: expect.stringContaining('No service is down') as unknown } });
  });

  it('reads as a TEST in every formatter, and pages PagerDuty as critical from the pager route', () => {
    const event = parseAlarmMessage(body().lambda, { config, route: 'pager' });
    expect(event.test).toEqual({ id: 'test-0001', sentAt: '2026-12-02T17:00:00.000Z', route: 'pager' });
    expect(headline(event)).toBe('[TEST] on-call path test for shop (pager route): no service is down');
    expect(formatSlack(event).text).toMatch(/^\[TEST\] .*\nTEST: Sent by probe-fleet page --test at 2026-12-02T17:00:00.000Z \(test test-0001\)/);
    // Teams text is CommonMark: the brackets are escaped so they read as written, not as a link.
    expect(formatTeams(event).attachments[0]!.content.body[0]).toMatchObject({ text: '\\[TEST\\] on-call path test for shop \\(pager route\\): no service is down' });
    const pd = formatPagerDuty(event, 'R0UT1NGK3Y');
    expect(pd).toMatchObject({ event_action: 'trigger', dedup_key: testAlarmName('shop'), payload: { severity: 'critical', class: 'test', summary: expect.stringMatching(/^\[TEST\]/) as unknown } });
    expect(pd?.payload?.custom_details.TEST).toContain('No service is down');
  });

  it('a resolve closes the same PagerDuty incident, also when it arrives through chat', () => {
    const resolved = parseAlarmMessage(body({ resolve: true, route: 'chat' }).lambda, { config, route: 'chat' });
    expect(headline(resolved)).toBe('[TEST RESOLVED] on-call path test for shop (chat route) closed');
    expect(formatPagerDuty(resolved, 'R0UT1NGK3Y')).toEqual({ routing_key: 'R0UT1NGK3Y', event_action: 'resolve', dedup_key: testAlarmName('shop') });
    expect(recoveryPagerDutySecrets(resolved, 'chat', config)).toEqual(['pd-routing-key']);
    // An ordinary recovery of an alarm that never pages does not touch PagerDuty.
    const plain = { ...resolved, test: undefined };
    delete plain.test;
    expect(recoveryPagerDutySecrets(plain, 'chat', config)).toEqual([]);
  });
});
