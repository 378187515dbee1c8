// One composite alarm per service — per service and environment when the service's checks
// run against more than one environment: ALARM when any of its critical targets'
// availability alarms is in ALARM. It is what pages (where the environment pages), and what a deployment uses to roll
// back (LambdaDeploymentGroup, ECS deploymentAlarms and CodeDeploy accept at most 10 alarms,
// so one per service is the shape they need). Split by environment so that a failing
// staging check neither pages as the service nor rolls back a production deployment.
import { AlarmRule, AlarmState, CompositeAlarm, type IAlarmRule } from 'aws-cdk-lib/aws-cloudwatch';
import { alarmName } from '../alerting/naming.js';
import { routeFor } from '../alerting/policy.js';
import { idOf, wireActions, type AlarmContext } from './alarmContext.js';
import { alarmDescription } from './descriptions.js';
import { chunk, MAX_ALARMS_PER_COMPOSITE, serviceAlarmKey, type TargetPlan } from './plan.js';

export { serviceAlarmKey, serviceGroups, type ServiceGroup } from './plan.js';

export interface ServiceAlarmInput {
  service: string;
  /** Set when the service has one composite per environment; these are that environment's targets. */
  environment?: string | undefined;
  /** Every target of the service with the name of its availability alarm. */
  targets: { plan: TargetPlan; availabilityAlarmName: string }[];
}

/** Referring by name, not ARN, keeps rules short and avoids cross-stack exports; stack order guarantees the children exist. */
function anyInAlarm(names: readonly string[]): IAlarmRule {
  return AlarmRule.fromString(names.map((n) => `ALARM(${JSON.stringify(n)})`).join(' OR '));
}

export function serviceAlarm(ctx: AlarmContext, input: ServiceAlarmInput, dashboardUrl: string): CompositeAlarm {
  const critical = input.targets.filter((t) => t.plan.check.severity === 'critical');
  // A service without critical checks still gets a composite (so rollback wiring works for
  // every service), but it warns in chat instead of paging. Paging also follows the
  // environment (routeFor): a composite is per environment, so staging posts to chat unless
  // it opts in with `pages: true`, while it still serves staging's rollback wiring.
  const members = critical.length > 0 ? critical : input.targets;
  const pages = members.some((t) => t.plan.pages);
  const route = routeFor(critical.length > 0, pages);
  const key = serviceAlarmKey(input.service, input.environment);
  const name = alarmName({ fleet: ctx.fleet, kind: 'service', subject: key });
  // `ServiceEnv-<service>.<environment>` can never equal `Service-<service>`, and keys are unique per (service, environment).
  const ids = input.environment === undefined ? ['Service', input.service] : ['ServiceEnv', key];
  const owners = [...new Set(members.map((t) => t.plan.check.owner))].join(', ');
  const where = input.environment === undefined ? '' : ` in ${input.environment}`;
  const description = alarmDescription({
    summary: `Service ${input.service}${where}: ${critical.length > 0 ? 'a critical' : 'a'} check's availability alarm is in ALARM. Owners: ${owners}. ${route === 'pager' ? 'Pages' : pages ? 'Posts to chat (no critical check)' : 'Posts to chat (the environment does not page)'}.`,
    dashboardUrl,
    details: members.map((t) => `- ${t.plan.check.name} (${t.plan.environment}): ${t.plan.check.runbook} · rollback: ${t.plan.check.rollbackNote}`),
  });

  const names = members.map((t) => t.availabilityAlarmName);
  let rule: IAlarmRule;
  if (names.length <= MAX_ALARMS_PER_COMPOSITE) {
    rule = anyInAlarm(names);
  } else {
    // A composite rule may name at most 100 alarms: nest parts under the service alarm.
    const parts = chunk(names, MAX_ALARMS_PER_COMPOSITE).map(
      (part, i) =>
        new CompositeAlarm(ctx.scope, idOf(...ids, `part${i + 1}`), {
          compositeAlarmName: alarmName({ fleet: ctx.fleet, kind: 'service', subject: `${key}~part${i + 1}` }),
          alarmDescription: `Part ${i + 1} of ${name}; no actions, the service alarm notifies.`,
          alarmRule: anyInAlarm(part),
        }),
    );
    rule = AlarmRule.anyOf(...parts.map((p) => AlarmRule.fromAlarm(p, AlarmState.ALARM)));
  }
  const alarm = new CompositeAlarm(ctx.scope, idOf(...ids), {
    compositeAlarmName: name,
    alarmDescription: description,
    alarmRule: rule,
  });
  wireActions(alarm, ctx.routes, route);
  return alarm;
}
