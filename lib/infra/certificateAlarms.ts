// Certificate expiry: the smallest `CertDaysRemaining` any region saw in the hour, below
// the chat threshold (a ticket) and below the pager threshold (someone must act now).
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import { idOf, treatMissing, wireActions, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { targetMetric } from './metrics.js';
import { regionGroups, type TargetPlan } from './plan.js';

export function certificateAlarms(ctx: AlarmContext, t: TargetPlan, dashboardUrl: string): Alarm[] {
  const policy = t.policy.certificate;
  if (!policy) return [];
  const groups = regionGroups(t.regions);
  const alarms: Alarm[] = [];
  for (const [route, days] of [
    ['chat', policy.chatDays],
    ['pager', policy.pagerDays],
  ] as const) {
    groups.forEach((regions, g) => {
      const subject = groups.length === 1 ? t.target : `${t.target}~g${g + 1}`;
      const usingMetrics: Record<string, IMetric> = {};
      regions.forEach((region, i) => {
        usingMetrics[`c${i}`] = targetMetric(ctx.metrics, 'CertDaysRemaining', t.target, region, {
          statistic: 'Minimum',
          periodSeconds: policy.periodSeconds,
          label: region,
        });
      });
      const alarm = new Alarm(ctx.scope, idOf(route === 'chat' ? 'CertChat' : 'CertPager', subject), {
        alarmName: alarmName({ fleet: ctx.fleet, kind: route === 'chat' ? 'cert-chat' : 'cert-pager', subject }),
        alarmDescription: alarmDescription({
          summary: `${t.check.name}: TLS certificate expires in fewer than ${days} days (smallest days remaining seen from ${regions.join(', ')}). Renew or redeploy the certificate.`,
          check: t.check,
          environment: t.environment,
          dashboardUrl,
        }),
        metric: new MathExpression({
          expression: `MIN([${Object.keys(usingMetrics).join(', ')}])`,
          usingMetrics,
          period: Duration.seconds(policy.periodSeconds),
          label: 'certificate days remaining',
        }),
        threshold: days,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: policy.evaluationPeriods,
        datapointsToAlarm: policy.datapointsToAlarm,
        // No certificate datapoint (e.g. the check failed before TLS) says nothing about expiry.
        treatMissingData: treatMissing(policy.treatMissingData),
      });
      wireActions(alarm, ctx.routes, route);
      alarms.push(alarm);
    });
  }
  return alarms;
}
