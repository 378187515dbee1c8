// `probe-fleet page --test`: publishes one test notification to each deployed on-call topic
// and reports what SNS accepted, so a team proves the whole path (topic policy, key, every
// subscription, the notify function, PagerDuty and chat) after a deploy, as PagerDuty's
// "send test notification" does for one integration.
import { randomUUID } from 'node:crypto';
import type { SNSClient } from '@aws-sdk/client-sns';
import { testPublishBody, testSubject, type TestNotificationInput } from './testNotification.js';

export interface TestPageTarget {
  route: string;
  topicArn: string;
}

export type TestPageOutcome =
  | { route: string; topicArn: string; ok: true; messageId: string }
  | { route: string; topicArn: string; ok: false; error: string; code: string; retryable: boolean };

export interface SendTestPageOptions {
  client: Pick<SNSClient, 'send'>;
  fleet: string;
  region: string;
  targets: readonly TestPageTarget[];
  resolve: boolean;
  now?: () => Date;
  id?: string;
  signal?: AbortSignal;
}

/**
 * Errors a retry cannot fix: the topic is missing (wrong account, region or stack prefix, or
 * not deployed), the caller may not publish, or the topic's key refuses.
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors
 */
const NOT_RETRYABLE = new Set([
  'NotFound',
  'NotFoundException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'InvalidParameter',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'KMSAccessDenied',
  'KMSAccessDeniedException',
  'KMSDisabled',
  'KMSDisabledException',
  'KMSInvalidState',
  'KMSInvalidStateException',
  'KMSNotFound',
  'KMSNotFoundException',
  'InvalidSecurity',
  'InvalidSecurityException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
]);

function describeError(error: unknown): { code: string; message: string; status: number | undefined } {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  return { code: e.Code ?? e.name ?? e.code ?? 'Error', message: e.message ?? String(error), status: e.$metadata?.httpStatusCode };
}

export async function sendTestPage(options: SendTestPageOptions): Promise<TestPageOutcome[]> {
  const { PublishCommand } = await import('@aws-sdk/client-sns');
  const now = (options.now ?? (() => new Date()))();
  const id = options.id ?? `test-${randomUUID()}`;
  const outcomes: TestPageOutcome[] = [];
  for (const target of options.targets) {
    const input: TestNotificationInput = { fleet: options.fleet, route: target.route, region: options.region, id, now, resolve: options.resolve };
    try {
      const answer = await options.client.send(
        new PublishCommand({ TopicArn: target.topicArn, Subject: testSubject(input), Message: testPublishBody(input), MessageStructure: 'json' }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      if (!answer.MessageId) throw Object.assign(new Error('SNS answered without a MessageId'), { name: 'NoMessageId' });
      outcomes.push({ route: target.route, topicArn: target.topicArn, ok: true, messageId: answer.MessageId });
    } catch (error) {
      const { code, message, status } = describeError(error);
      const retryable = !NOT_RETRYABLE.has(code) && (status === undefined || status >= 500 || status === 429 || code.startsWith('Throttl'));
      const advice = retryable
        ? 'a retry is safe, but if SNS accepted this attempt before the error on-call may get a second test page'
        : code.startsWith('NotFound')
          ? 'not retryable: check the account, the home region and the stack prefix, and that the fleet is deployed'
          : code.startsWith('KMS')
            ? "not retryable: the topic's KMS key refused; check the key policy"
            : 'not retryable until the request or the caller\'s permissions (sns:Publish on the topic, kms:GenerateDataKey* and kms:Decrypt on its key) are fixed';
      outcomes.push({
        route: target.route,
        topicArn: target.topicArn,
        ok: false,
        code,
        retryable,
        error: `publish to ${target.topicArn}: expected SNS to accept the test notification, received ${code}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}; ${advice}`,
      });
    }
  }
  return outcomes;
}
