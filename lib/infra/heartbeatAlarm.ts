// Heartbeat: per region, the `ChecksRun` the probes publish each invocation. When the
// probes are down, throttled or cannot publish, the count falls below what the schedules
// imply (or stops: missing data is breaching).
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import type { Shard } from '../lambda/shards.js';
import { idOf, wireActions, type AlarmContext } from './alarmContext.js';
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

/** The longest shard period of the region (capped at an hour), and the checks expected in it. */
export function heartbeatPlan(shards: readonly Shard[]): HeartbeatPlan {
  const periodSeconds = Math.min(3600, Math.max(60, ...shards.map((s) => s.periodSeconds)));
  const expectedChecks = shards.reduce((n, s) => n + s.targets.length * Math.max(1, Math.floor(periodSeconds / s.periodSeconds)), 0);
  return { periodSeconds, expectedChecks, threshold: Math.max(1, Math.floor(expectedChecks * HEARTBEAT_FRACTION)) };
}

export function heartbeatAlarm(ctx: AlarmContext, region: string, shards: readonly Shard[], dashboardUrl: string): Alarm {
  const plan = heartbeatPlan(shards);
  const alarm = new Alarm(ctx.scope, idOf('Heartbeat', region), {
    alarmName: alarmName({ fleet: ctx.fleet, kind: 'heartbeat', subject: region }),
    alarmDescription: alarmDescription({
      summary: `Probes in ${region} ran fewer than ${plan.threshold} checks per ${plan.periodSeconds / 60} min for ${HEARTBEAT_EVALUATION_PERIODS} periods (the schedules imply ${plan.expectedChecks}). The probe functions there are failing, throttled or cannot publish to the home region: look at their logs and the PublishFailures metric in ${region}.`,
      dashboardUrl,
      details: [`Shards: ${shards.map((s) => s.id).join(', ')}`],
    }),
    metric: fleetMetric(ctx.metrics, 'ChecksRun', region, { statistic: 'Sum', periodSeconds: plan.periodSeconds }),
    threshold: plan.threshold,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: HEARTBEAT_EVALUATION_PERIODS,
    datapointsToAlarm: HEARTBEAT_EVALUATION_PERIODS,
    treatMissingData: TreatMissingData.BREACHING,
  });
  // A blind fleet is a warning: critical checks already page through their own alarms,
  // because their missing Success data counts as failing.
  wireActions(alarm, ctx.routes, 'chat');
  return alarm;
}
