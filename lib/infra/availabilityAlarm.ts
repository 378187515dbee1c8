// Availability with a multi-region quorum. Per region the Minimum of `Success` over one
// schedule period is 1 (every run passed) or 0 (a run failed); FILL(m, 0) turns a region
// that published nothing into a failing region, so silence can never look healthy.
// The alarm counts failing regions and fires when at least `quorum` fail together.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  MathExpression,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import { idOf, treatMissing, wireActions, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { targetMetric } from './metrics.js';
import { quorumCompositions, regionGroups, type TargetPlan } from './plan.js';

export interface AvailabilityAlarm {
  /** The alarm that represents the target's availability (a composite beyond 10 regions). */
  alarm: Alarm | CompositeAlarm;
  name: string;
}

/**
 * `n - (FILL(m0,0) + FILL(m1,0) + …)`: the number of regions failing in the period.
 * With `quietPeriods` (a schedule with hours that have no run) a period in which no region
 * reported is dropped rather than counted as n failures: `IF(reporting > 0, failing)` gives
 * no datapoint there, the alarm treats that as notBreaching, and a region that stays silent
 * while another reports still counts as failing.
 */
export function failingRegionsExpression(count: number, quietPeriods = false): string {
  const terms = Array.from({ length: count }, (_, i) => `FILL(m${i}, 0)`);
  const failing = `${count} - (${terms.join(' + ')})`;
  if (!quietPeriods) return failing;
  const reporting = Array.from({ length: count }, (_, i) => `FILL(m${i} * 0 + 1, 0)`);
  return `IF((${reporting.join(' + ')}) > 0, ${failing})`;
}

function failingRegions(ctx: AlarmContext, t: TargetPlan, regions: string[]): MathExpression {
  const period = t.policy.availability.periodSeconds;
  const usingMetrics: Record<string, IMetric> = {};
  regions.forEach((region, i) => {
    usingMetrics[`m${i}`] = targetMetric(ctx.metrics, 'Success', t.target, region, { statistic: 'Minimum', periodSeconds: period, label: region });
  });
  return new MathExpression({
    expression: failingRegionsExpression(regions.length, t.policy.availability.quietPeriods),
    usingMetrics,
    period: Duration.seconds(period),
    label: 'regions failing',
  });
}

export function availabilityAlarm(ctx: AlarmContext, t: TargetPlan, dashboardUrl: string): AvailabilityAlarm {
  const policy = t.policy.availability;
  const name = alarmName({ fleet: ctx.fleet, kind: 'availability', subject: t.target });
  const silence = policy.quietPeriods
    ? 'a region that reports nothing while another reports counts as failing; a period with no report at all is a quiet hour of the schedule and does not alarm'
    : 'a region that reports nothing counts as failing';
  const summary = `${t.check.name}: failing in at least ${policy.quorum} of ${t.regions.length} region(s) (${t.regions.join(', ')}) for ${policy.datapointsToAlarm} of ${policy.evaluationPeriods} periods of ${policy.periodSeconds / 60} min; ${silence}.`;
  const description = alarmDescription({ summary, check: t.check, environment: t.environment, dashboardUrl });
  const groups = regionGroups(t.regions);

  const common = {
    evaluationPeriods: policy.evaluationPeriods,
    datapointsToAlarm: policy.datapointsToAlarm,
    // When no region published at all the math has no datapoint: the policy says whether
    // that is an outage ('breaching') or a quiet hour of an uneven schedule ('notBreaching').
    treatMissingData: treatMissing(policy.treatMissingData),
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  };

  if (groups.length === 1) {
    const alarm = new Alarm(ctx.scope, idOf('Availability', t.target), {
      ...common,
      alarmName: name,
      alarmDescription: description,
      metric: failingRegions(ctx, t, t.regions),
      threshold: policy.quorum,
    });
    wireActions(alarm, ctx.routes, 'chat');
    return { alarm, name };
  }

  // More regions than one math alarm may reference: per group, one alarm per "at least k
  // of this group fail"; the composite ORs every way the groups can add up to the quorum.
  const children = groups.map((regions, g) => {
    const byK = new Map<number, Alarm>();
    for (let k = 1; k <= Math.min(regions.length, policy.quorum); k++) {
      const childName = alarmName({ fleet: ctx.fleet, kind: 'availability', subject: `${t.target}~g${g + 1}k${k}` });
      byK.set(
        k,
        new Alarm(ctx.scope, idOf('Availability', t.target, `g${g + 1}`, `k${k}`), {
          ...common,
          alarmName: childName,
          alarmDescription: alarmDescription({
            summary: `Part of ${name}: at least ${k} of ${regions.length} regions (${regions.join(', ')}) failing. No actions: the composite ${name} notifies.`,
            check: t.check,
            environment: t.environment,
            dashboardUrl,
          }),
          metric: failingRegions(ctx, t, regions),
          threshold: k,
        }),
      );
    }
    return byK;
  });
  const rule = AlarmRule.anyOf(
    ...quorumCompositions(
      groups.map((g) => g.length),
      policy.quorum,
    ).map((ks) =>
      AlarmRule.allOf(
        ...ks.flatMap((k, g) => {
          const child = k > 0 ? children[g]?.get(k) : undefined;
          return child ? [AlarmRule.fromAlarm(child, AlarmState.ALARM)] : [];
        }),
      ),
    ),
  );
  const alarm = new CompositeAlarm(ctx.scope, idOf('Availability', t.target), {
    compositeAlarmName: name,
    alarmDescription: description,
    alarmRule: rule,
  });
  wireActions(alarm, ctx.routes, 'chat');
  return { alarm, name };
}
