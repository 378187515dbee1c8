// Heartbeat: per probe region, the `ChecksRun` that reaches the home region, where the
// service alarms read their data. The per-shard silence and failure alarms
// (fleetHealthAlarms.ts) watch the probes where they run; this one watches the arrival: when
// fewer checks arrive than the schedules imply, the operator is told. A region that sends
// nothing at all leaves the alarm without data: with treatMissingData `missing` it goes to
// INSUFFICIENT_DATA, whose action tells the operator too, and a new alarm stays there,
// silent, until the first datum (no notice on a first deploy).
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import { scheduleShape } from '../alerting/scheduleShape.js';
import type { Shard } from '../lambda/shards.js';
import { idOf, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { fleetMetric } from './metrics.js';

export const HEARTBEAT_EVALUATION_PERIODS = 2;
/**
 * A run that lands just after a period boundary moves its count to the next period, so
 * the alarm asks for half of the expected count, not all of it; a dead region reports
 * nothing at all and trips it either way.
 */
export const HEARTBEAT_FRACTION = 0.5;

export interface HeartbeatPlan {
  periodSeconds: number;
  expectedChecks: number;
  threshold: number;
}

/** The heartbeat period is at most an hour, so a dead region is noticed within two. */
const MAX_HEARTBEAT_PERIOD_SECONDS = 3600;

/**
 * Shards the hourly heartbeat can count on: evenly scheduled, at least once per heartbeat
 * period. A business-hours cron is silent every night and weekend, and a daily one in most
 * hours; counting them would page on every quiet hour, so they are left out (the
 * per-function error alarm and their own availability alarms cover them).
 */
export function heartbeatShards(shards: readonly Shard[]): Shard[] {
  return shards.filter((s) => s.periodSeconds <= MAX_HEARTBEAT_PERIOD_SECONDS && !scheduleShape(s.schedule).uneven);
}

/**
 * The longest period among the counted shards, and the checks expected in it; null when no
 * shard of the region runs steadily enough to expect anything in every hour.
 */
export function heartbeatPlan(shards: readonly Shard[]): HeartbeatPlan | null {
  const counted = heartbeatShards(shards);
  if (counted.length === 0) return null;
  const periodSeconds = Math.max(60, ...counted.map((s) => s.periodSeconds));
  const expectedChecks = counted.reduce((n, s) => n + s.targets.length * Math.max(1, Math.floor(periodSeconds / s.periodSeconds)), 0);
  return { periodSeconds, expectedChecks, threshold: Math.max(1, Math.floor(expectedChecks * HEARTBEAT_FRACTION)) };
}

/** The region's heartbeat alarm, or null when none of its shards runs every hour (see heartbeatShards). */
export function heartbeatAlarm(ctx: AlarmContext, region: string, shards: readonly Shard[], dashboardUrl: string, operator: IAlarmAction): Alarm | null {
  const plan = heartbeatPlan(shards);
  if (!plan) return null;
  const counted = heartbeatShards(shards);
  const left = shards.filter((s) => !counted.includes(s));
  const alarm = new Alarm(ctx.scope, idOf('Heartbeat', region), {
    alarmName: alarmName({ fleet: ctx.fleet, kind: 'heartbeat', subject: region }),
    alarmDescription: alarmDescription({
      summary: `Fewer than ${plan.threshold} check results per ${plan.periodSeconds / 60} min arrived from ${region} for ${HEARTBEAT_EVALUATION_PERIODS} periods (the schedules imply ${plan.expectedChecks}); INSUFFICIENT_DATA means none arrived at all. The probe functions there are failing, throttled or cannot publish to the home region: look at the fleet-health alarms and the PublishFailures metric in ${region}.`,
      dashboardUrl,
      details: [
        `Shards: ${counted.map((s) => s.id).join(', ')}`,
        ...(left.length > 0 ? [`Not counted (quiet hours in their schedules): ${left.map((s) => s.id).join(', ')}`] : []),
      ],
    }),
    metric: fleetMetric(ctx.metrics, 'ChecksRun', region, { statistic: 'Sum', periodSeconds: plan.periodSeconds }),
    threshold: plan.threshold,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: HEARTBEAT_EVALUATION_PERIODS,
    datapointsToAlarm: HEARTBEAT_EVALUATION_PERIODS,
    treatMissingData: TreatMissingData.MISSING,
  });
  // The fleet operator's concern, never a service's pager: a blind region says nothing about the services.
  alarm.addAlarmAction(operator);
  alarm.addInsufficientDataAction(operator);
  return alarm;
}
