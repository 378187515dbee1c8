// What every alarm factory needs: where to put resources, how to name metrics, which
// topics receive the alarm and OK actions, and where the dashboard for a target lives.
import { TreatMissingData, type IAlarmAction, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { TreatMissingData as TreatMissingDataPolicy } from '../alerting/policy.js';
import type { Construct } from 'constructs';
import type { MetricScope } from './metrics.js';

export interface AlarmRoutes {
  pager: IAlarmAction;
  chat: IAlarmAction;
}

export interface AlarmContext {
  scope: Construct;
  metrics: MetricScope;
  fleet: string;
  routes: AlarmRoutes;
}

/**
 * Alarms go to their route; every recovery goes to chat, where people look for "it is
 * fixed", and a paging alarm's recovery also to the pager topic, so that the PagerDuty or
 * Opsgenie integration subscribed there resolves the incident it opened. The notify
 * function skips OK messages on the pager topic (notifySubscriptionFilter) and handles the
 * chat copy, so nothing is delivered twice.
 */
export function wireActions(alarm: IAlarm & { addAlarmAction(...a: IAlarmAction[]): void; addOkAction(...a: IAlarmAction[]): void }, routes: AlarmRoutes, route: 'pager' | 'chat'): void {
  alarm.addAlarmAction(routes[route]);
  alarm.addOkAction(routes.chat);
  if (route === 'pager') alarm.addOkAction(routes.pager);
}

/** Construct ids must be unique and may not contain `/`. */
export function idOf(...parts: string[]): string {
  return parts.join('-').replace(/\//g, '_');
}

const TREAT_MISSING: Record<TreatMissingDataPolicy, TreatMissingData> = {
  breaching: TreatMissingData.BREACHING,
  notBreaching: TreatMissingData.NOT_BREACHING,
  ignore: TreatMissingData.IGNORE,
  missing: TreatMissingData.MISSING,
};

/** The shared policy (lib/alerting/policy.ts) decides; this only translates the word. */
export function treatMissing(policy: TreatMissingDataPolicy): TreatMissingData {
  return TREAT_MISSING[policy];
}
