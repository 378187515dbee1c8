// The message `probe-fleet page --test` publishes to the pager and chat topics: shaped like a
// CloudWatch alarm notification, so every subscriber that reads alarm notifications takes it
// (the notify function, PagerDuty's and Opsgenie's CloudWatch integrations, AWS Chatbot),
// and marked as a test everywhere a person reads it. A test page must still reach on-call:
// checking that it does is the point.
import { composeAlarmName } from '../alerting/naming.js';
import type { AlarmTest } from './alarmEvent.js';
import { TEST_MARKER_FIELD } from './alarmEvent.js';

export interface TestNotificationInput {
  fleet: string;
  route: string;
  /** The home region, where the topics and the fleet's alarms live. */
  region: string;
  id: string;
  /** The time of sending. */
  now: Date;
  /** An OK that closes the test incident instead of an ALARM that opens one. */
  resolve: boolean;
}

/**
 * `probe-fleet/<fleet>/TEST/page`: one name per fleet, so PagerDuty's dedup key (the alarm
 * name) lets a resolve close the test incident, and a name no real alarm has.
 */
export function testAlarmName(fleet: string): string {
  const [prefix, safeFleet] = composeAlarmName({ fleet, kind: 'service', subject: 'x' }).split('/');
  return `${prefix}/${safeFleet}/TEST/page`;
}

/** CloudWatch writes `2026-12-02T17:00:00.000+0000` in alarm notifications. */
function cloudWatchTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** The alarm JSON (what the `default` and `lambda` protocols receive). */
export function testAlarmMessage(input: TestNotificationInput): Record<string, unknown> {
  const marker: AlarmTest = { id: input.id, sentAt: input.now.toISOString(), route: input.route };
  const reason = input.resolve
    ? `TEST: closing the on-call path test ${input.id} sent by probe-fleet page --test --resolve.`
    : `TEST: on-call path test ${input.id} sent by probe-fleet page --test. No service is down: acknowledge it, then resolve it with probe-fleet page --test --resolve.`;
  return {
    AlarmName: testAlarmName(input.fleet),
    AlarmDescription: `TEST notification of the ${input.fleet} probe-fleet ${input.route} route. It proves that a page reaches on-call; no service is down.`,
    NewStateValue: input.resolve ? 'OK' : 'ALARM',
    OldStateValue: input.resolve ? 'ALARM' : 'OK',
    NewStateReason: reason,
    StateChangeTime: cloudWatchTime(input.now),
    Region: input.region,
    // Integrations that read the trigger (PagerDuty's CloudWatch integration shows it) get a
    // metric that no probe publishes.
    Trigger: {
      MetricName: 'TestPage',
      Namespace: 'probe-fleet/test',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    },
    [TEST_MARKER_FIELD]: marker,
  };
}

/** The subject email subscribers see (SNS allows at most 100 characters). */
export function testSubject(input: TestNotificationInput): string {
  return `${input.resolve ? 'TEST RESOLVED' : 'TEST'}: ${input.fleet} ${input.route} on-call path test`.slice(0, 100);
}

/**
 * A `MessageStructure: json` body, as CloudWatch itself publishes: the alarm JSON by default,
 * plain text for email, and for HTTPS (AWS Chatbot's subscription) Chatbot's custom
 * notification format, which it renders as written instead of looking up an alarm that does
 * not exist: https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 * Publish with message structure: https://docs.aws.amazon.com/sns/latest/dg/sns-send-custom-platform-specific-payloads-mobile-devices.html
 */
export function testPublishBody(input: TestNotificationInput): string {
  const alarm = JSON.stringify(testAlarmMessage(input));
  const title = testSubject(input);
  const text = input.resolve
    ? `This closes the on-call path test ${input.id} of the ${input.fleet} probe-fleet (${input.route} route). No service was down.`
    : `This is a TEST of the ${input.fleet} probe-fleet ${input.route} route (test ${input.id}, sent ${input.now.toISOString()}). No service is down. If it paged you, the on-call path works: acknowledge it, then close it with probe-fleet page --test --resolve.`;
  const chatbot = JSON.stringify({ version: '1.0', source: 'custom', id: input.id, content: { textType: 'client-markdown', title, description: text } });
  return JSON.stringify({ default: alarm, lambda: alarm, email: `${title}\n\n${text}\n`, https: chatbot });
}
