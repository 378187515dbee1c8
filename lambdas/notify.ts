// The notify function: CloudWatch alarm messages from the pager and chat SNS topics →
// Slack / Teams / Google Chat / PagerDuty. Formatting and delivery live in lib/notify.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { DeliveredLedger } from '../lib/notify/deliveredLedger.js';
import { handleSnsEvent } from '../lib/notify/handleSnsEvent.js';
import type { RecordOutcome } from '../lib/notify/handleSnsEvent.js';
import { loadNotifyConfig } from '../lib/notify/loadNotifyConfig.js';
import type { NotifyConfig } from '../lib/notify/notifyConfig.js';
import { Redactor } from '../lib/secrets/secrets.js';
import { SecretsManagerProvider } from '../lib/secrets/secretsManager.js';

/** Time kept back from the function timeout to log and throw before Lambda kills the invocation. */
const MARGIN_MS = 2000;
/**
 * Delivery keys (routing keys, webhook and integration URLs) are read from Secrets Manager at
 * delivery and kept one minute per container: a rotated key is in use within a minute, and a
 * burst of alarms costs one GetSecretValue per key.
 */
export const DELIVERY_SECRET_TTL_MS = 60_000;

let config: NotifyConfig | undefined;
const redactor = new Redactor();
let secrets: SecretsManagerProvider | undefined;
// Per container: a retried message goes only to the destinations that did not get it.
const ledger = new DeliveredLedger();

export async function handler(event: SNSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<RecordOutcome[]> {
  config ??= loadNotifyConfig(import.meta.url);
  secrets ??= new SecretsManagerProvider({ client: () => new SecretsManagerClient({}), redactor, ttlMs: DELIVERY_SECRET_TTL_MS });
  const remaining = context?.getRemainingTimeInMillis();
  return handleSnsEvent(event, {
    config,
    secrets,
    redactor,
    env: process.env,
    ledger,
    ...(remaining !== undefined ? { deliver: { deadline: Date.now() + remaining - MARGIN_MS } } : {}),
    ...(process.env.PAGERDUTY_EVENTS_URL ? { pagerDutyUrl: process.env.PAGERDUTY_EVENTS_URL } : {}),
  });
}
