// `alerting` (pager and chat routes, the fleet's alarm policy) and a check's `alarm` policy.
import { DEFAULT_DATAPOINTS_TO_ALARM, DEFAULT_EVALUATION_PERIODS } from '../alerting/policy.js';
import { at } from './collector.js';
import type { Collector } from './collector.js';
import { validateSecretRef } from './validateValues.js';

const POLICY_KEYS = ['quorum', 'evaluationPeriods', 'datapointsToAlarm', 'latencyStatistic', 'latencyPeriodMinutes', 'certificateDays'] as const;
const STATISTICS = ['p50', 'p90', 'p95', 'p99', 'Maximum', 'Average'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface PolicyValues {
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
}

/**
 * An alarm policy. `regionCount` bounds the quorum; `inherited` holds the fleet-level values a
 * check's policy is merged with, so `datapointsToAlarm ≤ evaluationPeriods` holds after merging.
 */
export function validateAlarmPolicy(c: Collector, path: string, value: unknown, regionCount: number | undefined, inherited: PolicyValues = {}): PolicyValues {
  if (value === undefined) return {};
  const policy = c.object(path, value, POLICY_KEYS);
  if (!policy) return {};
  const quorum = c.number(at(path, 'quorum'), policy.quorum, false, { integer: true, min: 1 });
  if (quorum !== undefined && regionCount !== undefined && quorum > regionCount) {
    c.report(at(path, 'quorum'), `at most the number of regions the check runs in (${regionCount})`, String(quorum), 'the quorum can never be reached');
  }
  const evaluationPeriods = c.number(at(path, 'evaluationPeriods'), policy.evaluationPeriods, false, { integer: true, min: 1, max: 100 });
  const datapointsToAlarm = c.number(at(path, 'datapointsToAlarm'), policy.datapointsToAlarm, false, { integer: true, min: 1, max: 100 });
  const effectivePeriods = evaluationPeriods ?? inherited.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS;
  const effectiveDatapoints = datapointsToAlarm ?? inherited.datapointsToAlarm ?? DEFAULT_DATAPOINTS_TO_ALARM;
  if ((evaluationPeriods !== undefined || datapointsToAlarm !== undefined) && effectiveDatapoints > effectivePeriods) {
    c.report(
      at(path, 'datapointsToAlarm'),
      `at most evaluationPeriods (${effectivePeriods})`,
      String(effectiveDatapoints),
      'more datapoints than evaluated periods can never alarm',
    );
  }
  c.oneOf(at(path, 'latencyStatistic'), policy.latencyStatistic, false, STATISTICS);
  c.number(at(path, 'latencyPeriodMinutes'), policy.latencyPeriodMinutes, false, { integer: true, min: 1, max: 1440 });
  if (policy.certificateDays !== undefined) {
    const daysPath = at(path, 'certificateDays');
    const days = c.object(daysPath, policy.certificateDays, ['chat', 'pager'], '{ chat, pager } (days)');
    if (days) {
      const chat = c.number(at(daysPath, 'chat'), days.chat, true, { integer: true, min: 1, max: 365 });
      const pager = c.number(at(daysPath, 'pager'), days.pager, true, { integer: true, min: 1, max: 365 });
      if (chat !== undefined && pager !== undefined && pager > chat) {
        c.report(at(daysPath, 'pager'), `at most chat (${chat}): paging is the later, more urgent warning`, String(pager));
      }
    }
  }
  return { evaluationPeriods: evaluationPeriods ?? inherited.evaluationPeriods, datapointsToAlarm: datapointsToAlarm ?? inherited.datapointsToAlarm };
}

function validateRoute(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  const route = c.object(path, value, ['emails', 'httpsEndpoints', 'slackChannels', 'webhooks', 'pagerDutyRoutingKey']);
  if (!route) return;
  c.array(at(path, 'emails'), route.emails, false, 'an array of email addresses')?.forEach((email, i) => {
    c.matching(at(at(path, 'emails'), i), email, true, EMAIL, 'an email address like oncall@example.com');
  });
  // Integration URLs embed keys: they live in Secrets Manager and reach CloudFormation as a
  // dynamic reference, never in the fleet file or the template.
  c.array(at(path, 'httpsEndpoints'), route.httpsEndpoints, false, "an array of secret('name'), each holding an https:// URL")?.forEach((endpoint, i) => {
    validateSecretRef(c, at(at(path, 'httpsEndpoints'), i), endpoint, true);
  });
  c.array(at(path, 'slackChannels'), route.slackChannels, false, 'an array of { workspaceId, channelId, name? }')?.forEach((channel, i) => {
    const channelPath = at(at(path, 'slackChannels'), i);
    const slack = c.object(channelPath, channel, ['workspaceId', 'channelId', 'name'], '{ workspaceId, channelId, name? }');
    if (!slack) return;
    c.matching(at(channelPath, 'workspaceId'), slack.workspaceId, true, /^[A-Z0-9]+$/, 'a Slack workspace (team) id like T012AB3C4');
    c.matching(at(channelPath, 'channelId'), slack.channelId, true, /^[A-Z0-9]+$/, 'a Slack channel id like C012AB3CD');
    c.string(at(channelPath, 'name'), slack.name, false);
  });
  c.array(at(path, 'webhooks'), route.webhooks, false, "an array of { kind, url: secret('name') }")?.forEach((webhook, i) => {
    const hookPath = at(at(path, 'webhooks'), i);
    const hook = c.object(hookPath, webhook, ['kind', 'url'], "{ kind, url: secret('name') }");
    if (!hook) return;
    c.oneOf(at(hookPath, 'kind'), hook.kind, true, ['slack', 'teams', 'googleChat'] as const);
    validateSecretRef(c, at(hookPath, 'url'), hook.url, true);
  });
  validateSecretRef(c, at(path, 'pagerDutyRoutingKey'), route.pagerDutyRoutingKey, false);
}

/** Validates `alerting`; returns the fleet-level policy values checks inherit. */
export function validateAlerting(c: Collector, path: string, value: unknown, regionCount: number | undefined): PolicyValues {
  if (value === undefined) return {};
  const alerting = c.object(path, value, ['pager', 'chat', 'policy']);
  if (!alerting) return {};
  validateRoute(c, at(path, 'pager'), alerting.pager);
  validateRoute(c, at(path, 'chat'), alerting.chat);
  return validateAlarmPolicy(c, at(path, 'policy'), alerting.policy, regionCount);
}
