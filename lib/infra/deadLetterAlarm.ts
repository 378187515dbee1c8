// An alarm on a dead-letter queue's depth: whatever lands there is an alert that did not
// reach a person, so a single message is worth telling the fleet operator about.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { alarmName } from '../alerting/naming.js';
import { idOf, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';

/**
 * Named as a `heartbeat` of the alerting pipeline itself (subject e.g.
 * `notify-dead-letters`): the naming module has no kind for it, and a delivery failure is
 * exactly "the fleet cannot tell anyone".
 */
export function deadLetterAlarm(ctx: AlarmContext, queue: Queue, queueName: string, subject: string, what: string, dashboardUrl: string): Alarm {
  const alarm = new Alarm(ctx.scope, idOf('DeadLetterAlarm', subject), {
    alarmName: alarmName({ fleet: ctx.fleet, kind: 'heartbeat', subject }),
    alarmDescription: alarmDescription({
      summary: `${what} failed after retries and wait in the SQS queue ${queueName}: alerts did not reach their destination. Read them from the queue, fix the endpoint or its secret, then redrive.`,
      dashboardUrl,
    }),
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // SQS reports depth continuously; a gap means no queue activity, not a lost alert.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  // The fleet passes its operator topic as ctx.routes.pager here (probeFleet.ts): an alert that
  // did not reach a person is the alerting pipeline's health, the operator's concern. Only
  // ALARM is sent: an OK action would also fire when the new alarm first reads its empty queue.
  alarm.addAlarmAction(ctx.routes.pager);
  return alarm;
}
