// Certificate expiry, one pair of alarms per TLS endpoint (`host:port`), however many checks
// and environments share the certificate: the day's smallest `CertificateDaysRemaining`
// {Fleet, Endpoint} any region saw. Below the warning threshold it posts to chat; below the
// critical threshold it pages when any environment that depends on the certificate pages
// (else it posts to chat too). The description names every check that depends on it.
//
// The probe publishes the metric once a day per endpoint (its first run of each UTC day) and
// on every run once the days remaining are at or below the warning threshold, so Minimum over
// one day always holds a datum while the endpoint answers. Statistics and periods:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Statistic
import { Alarm, ComparisonOperator } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import type { CertificateEndpointPlan } from '../alerting/certificateEndpoints.js';
import { idOf, treatMissing, wireActions, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { certificateMetric } from './metrics.js';

/** The alarm names of one endpoint's pair (warning → `cert-chat`, critical → `cert-pager`). */
export function certificateAlarmNames(fleet: string, endpoint: string): { warning: string; critical: string } {
  return { warning: alarmName({ fleet, kind: 'cert-chat', subject: endpoint }), critical: alarmName({ fleet, kind: 'cert-pager', subject: endpoint }) };
}

export function certificateAlarms(ctx: AlarmContext, plan: CertificateEndpointPlan, dashboardUrl: string): Alarm[] {
  const { policy } = plan;
  const names = certificateAlarmNames(ctx.fleet, plan.endpoint);
  const owners = [...new Set(plan.dependents.map((d) => d.check.owner))].join(', ');
  // Every dependent check by id first, compactly (a host shared by dozens of checks still fits
  // CloudWatch's 1024 characters), then one line per check with its owner and runbook, which
  // alarmDescription clips first when there is no room.
  const byEnvironment = new Map<string, string[]>();
  for (const d of plan.dependents) byEnvironment.set(d.environment, [...(byEnvironment.get(d.environment) ?? []), d.check.id]);
  const details = [
    `Checks: ${[...byEnvironment].map(([environment, ids]) => `${environment}: ${ids.join(', ')}`).join('; ')}`,
    ...plan.dependents.map((d) => `- ${d.check.name} (${d.environment}, ${d.check.service}, owner ${d.check.owner}): ${d.check.runbook}`),
  ];
  const pairs = [
    { level: 'warning', name: names.warning, days: plan.chatDays, route: 'chat' as const },
    { level: 'critical', name: names.critical, days: plan.pagerDays, route: plan.pages ? ('pager' as const) : ('chat' as const) },
  ];
  return pairs.map(({ level, name, days, route }) => {
    const where = route === 'pager' ? 'pages' : level === 'critical' ? 'posts to chat: no environment that depends on it pages' : 'posts to chat';
    const alarm = new Alarm(ctx.scope, idOf(level === 'warning' ? 'CertWarning' : 'CertCritical', plan.endpoint.replace(/:/g, '_')), {
      alarmName: name,
      alarmDescription: alarmDescription({
        summary: `TLS certificate of ${plan.endpoint} expires in fewer than ${days} days (${level}; ${where}). Smallest days remaining any region saw in a day. Renew or redeploy it. ${plan.dependents.length} check(s) depend on it. Owners: ${owners}.`,
        dashboardUrl,
        details,
      }),
      // No label: the alarm then reads the metric directly (MetricName, Dimensions), the plainest form.
      metric: certificateMetric(ctx.metrics, plan.endpoint, { periodSeconds: policy.periodSeconds }),
      threshold: days,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: policy.evaluationPeriods,
      datapointsToAlarm: policy.datapointsToAlarm,
      // A day without a datum (the endpoint unreachable all day, the alarm's first day) says
      // nothing about expiry: `ignore` keeps the state, so a new alarm never pages before its
      // first datum and an expiring certificate is not "resolved" by an outage.
      treatMissingData: treatMissing(policy.treatMissingData),
    });
    wireActions(alarm, ctx.routes, route);
    return alarm;
  });
}
