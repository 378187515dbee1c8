// The notify function: CloudWatch alarm messages from the pager and chat SNS topics →
// Slack / Teams / Google Chat / PagerDuty. Formatting and delivery live in lib/notify.
import type { SNSEvent } from 'aws-lambda';
import { handleSnsEvent } from '../lib/notify/handleSnsEvent.js';
import type { RecordOutcome } from '../lib/notify/handleSnsEvent.js';
import { loadNotifyConfig } from '../lib/notify/loadNotifyConfig.js';
import type { NotifyConfig } from '../lib/notify/notifyConfig.js';
import { Redactor } from '../lib/secrets/secrets.js';
import { SecretsManagerProvider } from '../lib/secrets/secretsManager.js';

let config: NotifyConfig | undefined;
const redactor = new Redactor();
let secrets: SecretsManagerProvider | undefined;

export async function handler(event: SNSEvent): Promise<RecordOutcome[]> {
  config ??= loadNotifyConfig(import.meta.url);
  secrets ??= new SecretsManagerProvider({ redactor });
  return handleSnsEvent(event, {
    config,
    secrets,
    redactor,
    env: process.env,
    ...(process.env.PAGERDUTY_EVENTS_URL ? { pagerDutyUrl: process.env.PAGERDUTY_EVENTS_URL } : {}),
  });
}
