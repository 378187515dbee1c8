// Fleet-health alarms: is the fleet of probes itself working? They notify the operator
// (alerting.operator, see fleetHealthTopic.ts) and never a service's pager: a dead probe says
// nothing about the service it probes.
//
// Where each alarm lives follows where its metric lives, because an alarm reads metrics of
// its own Region only (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):
// - AWS/Lambda (Invocations, Errors, Throttles per FunctionName) and AWS/Events
//   (FailedInvocations per RuleName) are published in the probe's region
//   (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
//   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html);
// - InvocationErrors and PublishFailures are written as EMF to the probe's log, so they too
//   land in the probe's region; SecretLookupFailures travels with the check results to the
//   home region.
// Every alarm is a plain metric or a metric-math string over plain metrics, and every one
// states treatMissingData on purpose.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { alarmName } from '../alerting/naming.js';
import { DEFAULT_NAMESPACE } from '../config/resolve.js';
import type { Shard } from '../lambda/shards.js';
import { idOf } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { FAILURE_PERIOD_SECONDS, silencePlan, SILENCE_RANGE_PERIODS } from './fleetHealthPlan.js';

/** Failures are counted over 5 minutes: one failed run or throttled attempt is worth a look. */
const REGION_PERIOD_SECONDS = 300;

export interface HealthContext {
  scope: Construct;
  fleet: string;
  namespace: string;
  /** The operator topic of the scope's region. */
  operator: IAlarmAction;
  owner: string;
  dashboardUrl: string;
}

/** `probe-fleet/<fleet>/heartbeat/<subject>`: the naming module's kind for the fleet's own health. */
export function healthAlarmName(fleet: string, subject: string): string {
  return alarmName({ fleet, kind: 'heartbeat', subject });
}

function describe(ctx: HealthContext, summary: string, details: string[] = []): string {
  return alarmDescription({ summary, dashboardUrl: ctx.dashboardUrl, details: [`Fleet operator: ${ctx.owner} (not a service's on-call: the probes, not the service, are in trouble)`, ...details] });
}

/** Notifies the operator on ALARM; OK is left to the console (a recovery is not worth a second message). */
function notify(alarm: Alarm, ctx: HealthContext): Alarm {
  alarm.addAlarmAction(ctx.operator);
  return alarm;
}

function lambdaMetric(name: 'Invocations' | 'Errors' | 'Throttles', functionName: string, periodSeconds: number): Metric {
  return new Metric({ namespace: 'AWS/Lambda', metricName: name, dimensionsMap: { FunctionName: functionName }, statistic: 'Sum', period: Duration.seconds(periodSeconds) });
}

/**
 * A shard that stopped running: its function's Invocations leave whole evaluation ranges
 * empty (see fleetHealthPlan.ts). The alarm's condition (fewer than 1 invocation) never
 * holds for a datapoint Lambda publishes; the alarm speaks through INSUFFICIENT_DATA, whose
 * action notifies the operator when a shard that ran falls silent, and which a new alarm
 * leaves only at its first datum. Null when the schedule is too quiet to watch this way.
 */
export function shardSilenceAlarm(ctx: HealthContext, shard: Shard, functionName: string): Alarm | null {
  const plan = silencePlan(shard);
  if (plan.kind === 'none') return null;
  const invocations = lambdaMetric('Invocations', functionName, plan.periodSeconds);
  const window = `${(plan.periodSeconds * SILENCE_RANGE_PERIODS) / 60} min`;
  // Outside the hours in which the shard runs, a period counts as 1 (as if it had run); inside
  // them the real count, or nothing when it did not run (IF drops a datapoint whose chosen
  // value is missing). The FILL series gives every period of the range a timestamp to test.
  const metric =
    plan.kind === 'steady'
      ? invocations
      : new MathExpression({
          expression: `IF((${plan.predicate('base')}) == 0, 1, invocations)`,
          usingMetrics: { invocations, base: new MathExpression({ expression: 'FILL(invocations, 0)', usingMetrics: { invocations }, period: Duration.seconds(plan.periodSeconds) }) },
          period: Duration.seconds(plan.periodSeconds),
          label: `Invocations of ${functionName} (1 outside its hours)`,
        });
  const alarm = new Alarm(ctx.scope, idOf('Silence', shard.id), {
    alarmName: healthAlarmName(ctx.fleet, `${shard.id}.silent`),
    alarmDescription: describe(
      ctx,
      `INSUFFICIENT_DATA here means probe shard ${shard.id} (${shard.schedule}) has not run for ${window}${plan.kind === 'hours' ? ' within the hours it is scheduled' : ''}: its schedule is disabled or deleted, EventBridge does not deliver, or Lambda throttles it. Check the rule and function ${functionName} in ${shard.region}.`,
      [`Checks: ${shard.targets.length} target(s) of this shard go unwatched while it is silent.`],
    ),
    metric,
    threshold: 1,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: TreatMissingData.MISSING,
  });
  alarm.addInsufficientDataAction(ctx.operator);
  return notify(alarm, ctx);
}

/** Lambda errors (a crash or timeout) and throttles of the shard's function, and EventBridge deliveries to it that failed. */
export function shardFailureAlarm(ctx: HealthContext, shard: Shard, functionName: string, ruleName: string): Alarm {
  const period = Duration.seconds(FAILURE_PERIOD_SECONDS);
  const failed = new Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: ruleName }, statistic: 'Sum', period });
  const alarm = new Alarm(ctx.scope, idOf('Failures', shard.id), {
    alarmName: healthAlarmName(ctx.fleet, `${shard.id}.failures`),
    alarmDescription: describe(
      ctx,
      `Probe shard ${shard.id} failed to run in the last 5 min: Lambda errors (crash or timeout), throttles, or EventBridge could not invoke ${functionName} (rule ${ruleName}). Its checks report nothing while this lasts. Look at the function's log and the account's concurrency in ${shard.region}.`,
    ),
    metric: new MathExpression({
      expression: 'errors + throttles + failed',
      usingMetrics: { errors: lambdaMetric('Errors', functionName, FAILURE_PERIOD_SECONDS), throttles: lambdaMetric('Throttles', functionName, FAILURE_PERIOD_SECONDS), failed },
      period,
      label: `Errors + throttles + failed deliveries of ${shard.id}`,
    }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // These metrics exist only when something failed: no datum is no failure.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  return notify(alarm, ctx);
}

function countAlarm(ctx: HealthContext, id: string, subject: string, summary: string, metric: Metric | MathExpression): Alarm {
  return notify(
    new Alarm(ctx.scope, id, {
      alarmName: healthAlarmName(ctx.fleet, subject),
      alarmDescription: describe(ctx, summary),
      metric,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Published only when something went wrong: no datum is nothing wrong.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    ctx,
  );
}

function fleetRegionMetric(namespace: string, name: string, dimensions: Record<string, string>): Metric {
  return new Metric({ namespace, metricName: name, dimensionsMap: dimensions, statistic: 'Sum', period: Duration.seconds(REGION_PERIOD_SECONDS) });
}

/**
 * In each probe region: the handler's InvocationErrors (an invocation that could not run its
 * shard: bad event, unknown shard, broken bundle; published without the Fleet dimension when
 * the fleet itself failed to load), PublishFailures (results that reached only the probe's
 * log, so the home region's alarms never saw them), and the region's dead-letter queue.
 */
export function regionHealthAlarms(ctx: HealthContext, region: string, deadLetters: { queueName: string; metric: Metric }): Alarm[] {
  const withFleet = fleetRegionMetric(ctx.namespace, 'InvocationErrors', { Fleet: ctx.fleet, Region: region });
  const withoutFleet = fleetRegionMetric(DEFAULT_NAMESPACE, 'InvocationErrors', { Region: region });
  return [
    countAlarm(
      ctx,
      'InvocationErrors',
      `${region}.invocation-errors`,
      `Probe invocations in ${region} could not run their shard (bad event, unknown shard, or a bundle that fails to load). Their checks report nothing. The probe log's error line names the kind.`,
      new MathExpression({ expression: 'fleet + unnamed', usingMetrics: { fleet: withFleet, unnamed: withoutFleet }, period: Duration.seconds(REGION_PERIOD_SECONDS), label: 'InvocationErrors' }),
    ),
    countAlarm(
      ctx,
      'PublishFailures',
      `${region}.publish-failures`,
      `Probes in ${region} could not publish results to the home region: they went to the probe log as EMF in ${region}, where the service alarms do not see them. Service alarms may stay silent about real failures while this lasts.`,
      fleetRegionMetric(ctx.namespace, 'PublishFailures', { Fleet: ctx.fleet, Region: region }),
    ),
    notify(
      new Alarm(ctx.scope, 'DeadLettersAlarm', {
        alarmName: healthAlarmName(ctx.fleet, `${region}.dead-letters`),
        alarmDescription: describe(
          ctx,
          `Messages wait in the SQS queue ${deadLetters.queueName} in ${region}: probe invocations Lambda dropped (throttled past their maximum age, or failed) or operator notifications SNS could not deliver. Read them, fix the cause, then purge.`,
        ),
        metric: deadLetters.metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // SQS reports depth every period while the queue exists; a gap is no message.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      ctx,
    ),
  ];
}

/** In the home region, per probe region: checks that could not read their secrets (they publish no verdict about the service). */
export function secretLookupAlarm(ctx: HealthContext, region: string): Alarm {
  return countAlarm(
    ctx,
    idOf('SecretLookupFailures', region),
    `${region}.secret-lookups`,
    `Checks in ${region} could not read their secrets from Secrets Manager: they published no result (a secret outage says nothing about the services). Check the secrets, their resource policies and the probe roles.`,
    fleetRegionMetric(ctx.namespace, 'SecretLookupFailures', { Fleet: ctx.fleet, Region: region }),
  );
}
