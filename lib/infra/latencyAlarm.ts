// Latency: the slowest region's `Duration` statistic over the policy window above the
// check's maxMs. Percentiles cannot be combined across series, so the math takes the MAX
// of per-region percentiles: "some region's p95 is too slow".
//
// Low sample counts, on purpose: a p95 needs about 20 samples to mean what it says. With a
// 5-minute schedule a 15-minute window holds 3 per region, and CloudWatch then computes
// the percentile from what is there, which leans toward the maximum. We accept that
// rather than `EvaluateLowSampleCountPercentile: ignore` (which would keep a slow check
// silent) and state the expected sample count in the description; a team wanting a
// smoother signal raises `latencyPeriodMinutes` or picks `Average`.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import type { LatencyPolicy } from '../alerting/policy.js';
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import type { Fleet } from '../model/fleet.js';
import { idOf, treatMissing, wireActions, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { targetMetric } from './metrics.js';
import { regionGroups, type TargetPlan } from './plan.js';

/** Samples a percentile needs before its tail is more than the largest value. */
export function samplesNeeded(statistic: LatencyPolicy['statistic']): number {
  const match = /^p(\d+)$/.exec(statistic);
  if (!match) return 1;
  return Math.ceil(1 / (1 - Number(match[1]) / 100));
}

export function latencyAlarms(ctx: AlarmContext, fleet: Fleet, t: TargetPlan, dashboardUrl: string): Alarm[] {
  const policy = t.policy.latency;
  if (!policy) return [];
  const schedulePeriod = periodSecondsOf(resolveSettings(fleet, t.check).schedule);
  const samplesPerRegion = Math.max(1, Math.floor(policy.periodSeconds / schedulePeriod));
  const needed = samplesNeeded(policy.statistic);
  const groups = regionGroups(t.regions);
  return groups.map((regions, g) => {
    const subject = groups.length === 1 ? t.target : `${t.target}~g${g + 1}`;
    const usingMetrics: Record<string, IMetric> = {};
    regions.forEach((region, i) => {
      usingMetrics[`d${i}`] = targetMetric(ctx.metrics, 'Duration', t.target, region, {
        statistic: policy.statistic,
        periodSeconds: policy.periodSeconds,
        label: region,
      });
    });
    const sampleNote =
      samplesPerRegion < needed
        ? `about ${samplesPerRegion} sample(s) per region per window, fewer than the ${needed} a ${policy.statistic} needs: it leans toward the maximum`
        : `about ${samplesPerRegion} samples per region per window`;
    const alarm = new Alarm(ctx.scope, idOf('Latency', subject), {
      alarmName: alarmName({ fleet: ctx.fleet, kind: 'latency', subject }),
      alarmDescription: alarmDescription({
        summary: `${t.check.name}: ${policy.statistic} duration above ${policy.thresholdMs} ms in the slowest of ${regions.join(', ')} over ${policy.periodSeconds / 60} min (${sampleNote}), ${policy.datapointsToAlarm} of ${policy.evaluationPeriods} windows.`,
        check: t.check,
        environment: t.environment,
        dashboardUrl,
      }),
      metric: new MathExpression({
        expression: `MAX([${Object.keys(usingMetrics).join(', ')}])`,
        usingMetrics,
        period: Duration.seconds(policy.periodSeconds),
        label: `slowest region ${policy.statistic} (ms)`,
      }),
      threshold: policy.thresholdMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: policy.evaluationPeriods,
      datapointsToAlarm: policy.datapointsToAlarm,
      treatMissingData: treatMissing(policy.treatMissingData),
    });
    // Slowness warns; availability is what pages.
    wireActions(alarm, ctx.routes, 'chat');
    return alarm;
  });
}
