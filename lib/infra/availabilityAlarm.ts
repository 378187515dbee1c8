// Availability with a multi-region quorum among the regions that reported. Per region the
// Minimum of `Success` over one schedule period is 1 (every run passed), 0 (a run failed) or
// missing (the region published nothing). A silent region is neither failing nor healthy: it
// is the probe's trouble, which the fleet-health alarms report to the fleet's operator, never
// to a service's pager. A period fires when the failing regions reach the quorum among the
// regions that reported, and number at least 2 whenever the target runs in 2+ regions.
//
// The math uses only FILL, IF, AND/OR, comparisons and arithmetic, as documented in
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html, in
// one plain expression string per alarm, so that a reader (or a test) can evaluate it as is.
// How the alarm treats the periods for which the math returns nothing is CloudWatch's
// missing-data rule, set on purpose below:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  MathExpression,
  TreatMissingData,
  type IAlarmRule,
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

const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `m${i}`);
const sum = (terms: string[]): string => `(${terms.join(' + ')})`;

/** Regions that reported and failed: `1 - m` is 1 for a failed period, FILL turns silence into 0. */
export function failingTerm(count: number): string {
  return sum(ids(count).map((m) => `FILL(1 - ${m}, 0)`));
}

/** Regions that reported at all: `m * 0 + 1` is 1 wherever m has a value. */
export function reportingTerm(count: number): string {
  return sum(ids(count).map((m) => `FILL(${m} * 0 + 1, 0)`));
}

/** Regions that reported and passed. */
export function passingTerm(count: number): string {
  return sum(ids(count).map((m) => `FILL(${m}, 0)`));
}

/**
 * 1 when the period breaches, 0 when it does not, and no value when no region reported (IF
 * without a false branch returns nothing there), so `treatMissingData` decides that case.
 *
 * Breaching: failing ≥ minFailing AND (failing ≥ quorum OR failing ≥ reporting), i.e. the
 * failing regions reach min(quorum, reporting) and are at least minFailing (2 for 2+ regions).
 * Since failing ≤ reporting, "failing ≥ reporting" means every region that reported failed.
 */
export function availabilityExpression(count: number, quorum: number, minFailing: number): string {
  const f = failingTerm(count);
  const r = reportingTerm(count);
  const condition = quorum <= minFailing ? `${f} >= ${minFailing}` : `${f} >= ${minFailing} AND (${f} >= ${quorum} OR ${f} >= ${r})`;
  return `IF(${r} > 0, IF(${condition}, 1, 0))`;
}

function regionMath(ctx: AlarmContext, t: TargetPlan, regions: string[], expression: string, label: string): MathExpression {
  const period = t.policy.availability.periodSeconds;
  const usingMetrics: Record<string, IMetric> = {};
  regions.forEach((region, i) => {
    usingMetrics[`m${i}`] = targetMetric(ctx.metrics, 'Success', t.target, region, { statistic: 'Minimum', periodSeconds: period, label: region });
  });
  return new MathExpression({ expression, usingMetrics, period: Duration.seconds(period), label });
}

/** What an availability alarm says about silence, in its description. */
const SILENCE = 'a region that reports nothing is neither failing nor healthy (probe silence goes to the fleet-health alarms); no report at all keeps the state';

export function availabilityAlarm(ctx: AlarmContext, t: TargetPlan, dashboardUrl: string): AvailabilityAlarm {
  const policy = t.policy.availability;
  const name = alarmName({ fleet: ctx.fleet, kind: 'availability', subject: t.target });
  const quorumText =
    policy.quorum > policy.minFailingRegions
      ? `at least ${policy.quorum} of ${t.regions.length} region(s), or every reporting region when fewer report (at least ${policy.minFailingRegions})`
      : `at least ${policy.quorum} of ${t.regions.length} region(s)`;
  const summary = `${t.check.name}: failing in ${quorumText} (${t.regions.join(', ')}) for ${policy.datapointsToAlarm} of ${policy.evaluationPeriods} periods of ${policy.periodSeconds / 60} min; ${SILENCE}.`;
  const description = alarmDescription({ summary, check: t.check, environment: t.environment, dashboardUrl });
  const groups = regionGroups(t.regions);

  const common = {
    evaluationPeriods: policy.evaluationPeriods,
    datapointsToAlarm: policy.datapointsToAlarm,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  };

  if (groups.length === 1) {
    const alarm = new Alarm(ctx.scope, idOf('Availability', t.target), {
      ...common,
      // No region reported: the math returns nothing and the policy's `ignore` keeps the state,
      // so a new alarm never pages before its first datum and silence never "recovers".
      treatMissingData: treatMissing(policy.treatMissingData),
      alarmName: name,
      alarmDescription: description,
      metric: regionMath(ctx, t, t.regions, availabilityExpression(t.regions.length, policy.quorum, policy.minFailingRegions), 'quorum of reporting regions failing (1 = yes)'),
      threshold: 1,
    });
    wireActions(alarm, ctx.routes, 'chat');
    return { alarm, name };
  }

  // More regions than one math alarm may reference (10). Per group g, children "at least k of
  // the group's reporting regions fail"; the composite ORs every way the groups add up to the
  // quorum. When the quorum is above 2, fewer regions may report than the quorum: then every
  // reporting region must fail (no group has a passing region) and at least 2 must fail.
  // Children have no actions; a group that reports nothing has no failing region
  // (notBreaching) and no passing region (breaching).
  const child = (subject: string, id: string[], summary: string, metric: MathExpression, threshold: number, comparison: ComparisonOperator, missing: TreatMissingData): Alarm =>
    new Alarm(ctx.scope, idOf('Availability', t.target, ...id), {
      ...common,
      comparisonOperator: comparison,
      treatMissingData: missing,
      alarmName: alarmName({ fleet: ctx.fleet, kind: 'availability', subject: `${t.target}~${subject}` }),
      alarmDescription: alarmDescription({ summary: `Part of ${name}: ${summary}. No actions: the composite ${name} notifies.`, check: t.check, environment: t.environment, dashboardUrl }),
      metric,
      threshold,
    });
  const atLeast = groups.map((regions, g) => {
    const byK = new Map<number, Alarm>();
    for (let k = 1; k <= Math.min(regions.length, policy.quorum); k++) {
      byK.set(
        k,
        child(
          `g${g + 1}k${k}`,
          [`g${g + 1}`, `k${k}`],
          `at least ${k} of ${regions.length} regions (${regions.join(', ')}) failing among those that reported`,
          regionMath(ctx, t, regions, failingTerm(regions.length), 'regions failing'),
          k,
          ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          TreatMissingData.NOT_BREACHING,
        ),
      );
    }
    return byK;
  });
  const reach = (quorum: number): IAlarmRule =>
    AlarmRule.anyOf(
      ...quorumCompositions(
        groups.map((g) => g.length),
        quorum,
      ).map((ks) =>
        AlarmRule.allOf(
          ...ks.flatMap((k, g) => {
            if (k === 0) return [];
            const member = atLeast[g]?.get(k);
            // Every k of a composition is at most the group's size and the quorum, so it exists.
            if (!member) throw new Error(`availabilityAlarm: expected a child alarm for ${k} failing in group ${g + 1} of ${t.target}, received none; not retryable`);
            return [AlarmRule.fromAlarm(member, AlarmState.ALARM)];
          }),
        ),
      ),
    );
  let rule = reach(policy.quorum);
  if (policy.quorum > policy.minFailingRegions) {
    const nonePassing = groups.map((regions, g) =>
      child(
        `g${g + 1}none`,
        [`g${g + 1}`, 'none'],
        `no region of ${regions.join(', ')} passed (silent regions included)`,
        regionMath(ctx, t, regions, passingTerm(regions.length), 'regions passing'),
        1,
        ComparisonOperator.LESS_THAN_THRESHOLD,
        TreatMissingData.BREACHING,
      ),
    );
    rule = AlarmRule.anyOf(rule, AlarmRule.allOf(...nonePassing.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM)), reach(policy.minFailingRegions)));
  }
  const alarm = new CompositeAlarm(ctx.scope, idOf('Availability', t.target), {
    compositeAlarmName: name,
    alarmDescription: description,
    alarmRule: rule,
  });
  wireActions(alarm, ctx.routes, 'chat');
  return { alarm, name };
}
