// `alerting` (pager and chat routes, the fleet's alarm policy) and a check's `alarm` policy,
// and the limits CloudWatch puts on the alarms a valid fleet turns into.
import { composeAlarmName, MAX_ALARM_NAME_LENGTH, checkTarget } from '../alerting/naming.js';
import { alarmPolicyFor, DEFAULT_DATAPOINTS_TO_ALARM, DEFAULT_EVALUATION_PERIODS, maxAlarmWindowSeconds, MIN_FAILING_REGIONS } from '../alerting/policy.js';
import { certificateEndpointsOf } from '../alerting/certificateEndpoints.js';
import type { Fleet } from '../model/fleet.js';
import { defaultStackPrefix, groupAlarmCount, planTargets, serviceAlarmKey, serviceGroupsOf } from '../infra/plan.js';
import { at, Collector, describeReceived } from './collector.js';
import type { Diagnostic } from './errors.js';
import { resolveSettings } from './resolve.js';
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
  // One region failing is the region's or the probe's trouble, not the service's: a target in
  // 2+ regions pages only when at least 2 of its reporting regions fail (docs/deploy.md).
  if (quorum === 1 && regionCount !== undefined && regionCount >= 2) {
    c.report(at(path, 'quorum'), `at least ${MIN_FAILING_REGIONS} when the check runs in 2 or more regions (here ${regionCount}; quorum 1 needs a single region)`, '1', 'one failing region never pages');
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

function validateEmails(c: Collector, path: string, value: unknown): void {
  c.array(at(path, 'emails'), value, false, 'an array of email addresses')?.forEach((email, i) => {
    c.matching(at(at(path, 'emails'), i), email, true, EMAIL, 'an email address like oncall@example.com');
  });
}

function validateSlackChannels(c: Collector, path: string, value: unknown): void {
  c.array(at(path, 'slackChannels'), value, false, 'an array of { workspaceId, channelId, name? }')?.forEach((channel, i) => {
    const channelPath = at(at(path, 'slackChannels'), i);
    const slack = c.object(channelPath, channel, ['workspaceId', 'channelId', 'name'], '{ workspaceId, channelId, name? }');
    if (!slack) return;
    c.matching(at(channelPath, 'workspaceId'), slack.workspaceId, true, /^[A-Z0-9]+$/, 'a Slack workspace (team) id like T012AB3C4');
    c.matching(at(channelPath, 'channelId'), slack.channelId, true, /^[A-Z0-9]+$/, 'a Slack channel id like C012AB3CD');
    c.string(at(channelPath, 'name'), slack.name, false);
  });
}

/**
 * `alerting.operator`: who is told about the probes themselves. Only emails and Slack
 * channels: the operator topics live in every probe region (an alarm publishes only to a
 * topic of its own region), and the notify function that delivers webhooks and PagerDuty
 * events subscribes to the home region's topics only.
 */
function validateOperator(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  const operator = c.object(path, value, ['owner', 'emails', 'slackChannels'], '{ owner, emails?, slackChannels? }', (key) =>
    ['webhooks', 'pagerDutyRoutingKey', 'integrationUrl', 'httpsEndpoints'].includes(key)
      ? 'fleet-health notices reach the operator by email or Slack only (their topics live in every probe region); a webhook or PagerDuty key belongs on the pager or chat route'
      : undefined,
  );
  if (!operator) return;
  c.string(at(path, 'owner'), operator.owner, true, 'the team or person that owns the probes, e.g. "platform-sre"');
  validateEmails(c, path, operator.emails);
  validateSlackChannels(c, path, operator.slackChannels);
}

function validateRoute(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  const route = c.object(path, value, ['emails', 'httpsEndpoints', 'integrationUrl', 'slackChannels', 'webhooks', 'pagerDutyRoutingKey']);
  if (!route) return;
  validateEmails(c, path, route.emails);
  // Integration URLs embed keys. Resolved into an SNS subscription, the URL is readable through
  // the SNS API and never follows a rotation, so `httpsEndpoints` is refused; the notify
  // function reads `integrationUrl` from Secrets Manager when it delivers.
  const endpoints = c.array(at(path, 'httpsEndpoints'), route.httpsEndpoints, false, "an array of secret('name'), each holding an https:// URL");
  endpoints?.forEach((endpoint, i) => {
    validateSecretRef(c, at(at(path, 'httpsEndpoints'), i), endpoint, true);
  });
  if (endpoints !== undefined) {
    const first = endpoints[0] as { $secret?: unknown } | undefined;
    const name = typeof first?.$secret === 'string' ? first.$secret : 'name';
    c.report(
      at(path, 'httpsEndpoints'),
      `integrationUrl: secret('${name}') (one per route; the notify function reads it from Secrets Manager when it delivers)`,
      'httpsEndpoints',
      'httpsEndpoints is no longer supported: an integration URL in an SNS subscription is readable through the SNS API and is not refreshed when the secret rotates',
    );
  }
  validateSecretRef(c, at(path, 'integrationUrl'), route.integrationUrl, false);
  if (route.integrationUrl !== undefined && route.pagerDutyRoutingKey !== undefined) {
    c.report(
      at(path, 'pagerDutyRoutingKey'),
      'either integrationUrl or pagerDutyRoutingKey on one route, not both',
      'both',
      'each would open its own incident for every page',
    );
  }
  validateSlackChannels(c, path, route.slackChannels);
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
  const alerting = c.object(path, value, ['pager', 'chat', 'operator', 'policy']);
  if (!alerting) return {};
  validateRoute(c, at(path, 'pager'), alerting.pager);
  validateRoute(c, at(path, 'chat'), alerting.chat);
  validateOperator(c, at(path, 'operator'), alerting.operator);
  return validateAlarmPolicy(c, at(path, 'policy'), alerting.policy, regionCount);
}

/** `90 s`, `15 min`, `2 h`, `7 days`: periods read as people say them. */
function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} ${seconds === 86_400 ? 'day' : 'days'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A metric-math alarm references at most 10 metrics; more regions split into groups (lib/infra/plan.ts). */
const REGIONS_PER_MATH_ALARM = 10;
/** A composite rule names at most 100 alarms; bigger services get `~partN` children. */
const ALARMS_PER_COMPOSITE = 100;

/**
 * What CloudWatch would refuse at deploy time although every value is valid on its own:
 * an evaluation window longer than CloudWatch allows for the schedule's period, an alarm
 * name over 255 characters, two services whose alarm names collide. Run on a fleet that
 * passed validateFleet (it reads resolved settings); each diagnostic names the setting to
 * change: the check's own value when it has one, else the fleet-level value it inherits.
 */
export function deployLimitDiagnostics(fleet: Fleet): Diagnostic[] {
  const c = new Collector();
  const reported = new Set<string>();
  const reportOnce = (path: string, expected: string, received: string, problem: string): void => {
    if (reported.has(path)) return;
    reported.add(path);
    c.report(path, expected, received, problem);
  };

  fleet.checks.forEach((check, i) => {
    const path = at('checks', i);
    const settings = resolveSettings(fleet, check);
    const policy = alarmPolicyFor(fleet, check);
    const { periodSeconds, evaluationPeriods } = policy.availability;
    const limit = maxAlarmWindowSeconds(periodSeconds);
    if (periodSeconds * evaluationPeriods > limit) {
      const fits = Math.floor(limit / periodSeconds);
      const blame =
        check.alarm?.evaluationPeriods !== undefined
          ? at(at(path, 'alarm'), 'evaluationPeriods')
          : check.schedule !== undefined
            ? at(path, 'schedule')
            : fleet.alerting?.policy?.evaluationPeriods !== undefined
              ? 'alerting.policy.evaluationPeriods'
              : fleet.defaults?.schedule !== undefined
                ? 'defaults.schedule'
                : path;
      const expected =
        fits >= 1
          ? `evaluationPeriods × schedule period at most ${duration(limit)} (evaluationPeriods at most ${fits} for a ${duration(periodSeconds)} period, or a shorter schedule)`
          : `a schedule that runs at least once every ${duration(limit)}`;
      reportOnce(
        blame,
        expected,
        `${evaluationPeriods} × ${duration(periodSeconds)} = ${duration(periodSeconds * evaluationPeriods)} (schedule ${describeReceived(settings.schedule)})`,
        `CloudWatch rejects the availability alarm of check ${check.id}: an alarm with a period ${periodSeconds < 3600 ? 'under an hour evaluates at most one day' : 'of an hour or more evaluates at most 7 days'}`,
      );
    }
  });

  // Alarm names. The fleet name is in every one of them.
  const shortest = composeAlarmName({ fleet: fleet.name, kind: 'availability', subject: 'x' });
  if (shortest.length > MAX_ALARM_NAME_LENGTH) {
    c.report('name', `a fleet name that leaves room in CloudWatch alarm names (at most ${MAX_ALARM_NAME_LENGTH - shortest.length + fleet.name.length - 1} characters here)`, `${fleet.name.length} characters`, 'alarm names would be too long');
    return c.diagnostics;
  }
  const tooLong = (subject: string): string | null => {
    const name = composeAlarmName({ fleet: fleet.name, kind: 'availability', subject });
    return name.length > MAX_ALARM_NAME_LENGTH ? `${name.length} characters: ${name.slice(0, 80)}…` : null;
  };
  fleet.checks.forEach((check, i) => {
    const settings = resolveSettings(fleet, check);
    const regions = settings.regions.length;
    const quorum = alarmPolicyFor(fleet, check).availability.quorum;
    // The longest subject of the check's alarms: a per-group child of a split availability alarm
    // ("at least k failing", and "no region passed" when the quorum is above the minimum).
    const groups = Math.ceil(regions / REGIONS_PER_MATH_ALARM);
    const children = [`~g${groups}k${quorum}`, ...(quorum > alarmPolicyFor(fleet, check).availability.minFailingRegions ? [`~g${groups}none`] : [])];
    const suffix = regions > REGIONS_PER_MATH_ALARM ? children.reduce((a, b) => (b.length > a.length ? b : a)) : '';
    for (const environment of settings.environments) {
      const problem = tooLong(`${checkTarget(check.id, environment, settings.environments.length)}${suffix}`);
      if (problem) {
        reportOnce(at(at('checks', i), 'id'), `an id short enough for CloudWatch alarm names of at most ${MAX_ALARM_NAME_LENGTH} characters (with the fleet name and environment)`, problem, 'alarm name too long');
        break;
      }
    }
  });

  // Certificates: one alarm pair per TLS endpoint, named by `host:port`.
  fleet.checks.forEach((check, i) => {
    for (const environment of resolveSettings(fleet, check).environments) {
      for (const endpoint of certificateEndpointsOf(fleet, check, environment)) {
        const name = composeAlarmName({ fleet: fleet.name, kind: 'cert-pager', subject: endpoint });
        if (name.length > MAX_ALARM_NAME_LENGTH) {
          reportOnce(at('checks', i), `TLS endpoints whose certificate alarm names fit CloudWatch's ${MAX_ALARM_NAME_LENGTH} characters (with the fleet name)`, `${name.length} characters: ${name.slice(0, 80)}…`, 'alarm name too long');
        }
      }
    }
  });

  // Services: one composite per service (or per service and environment), named by the service.
  const services = new Map<string, { index: number; environments: Set<string>; targets: number }>();
  fleet.checks.forEach((check, i) => {
    const settings = resolveSettings(fleet, check);
    const entry = services.get(check.service) ?? { index: i, environments: new Set<string>(), targets: 0 };
    for (const environment of settings.environments) entry.environments.add(environment);
    entry.targets += settings.environments.length;
    services.set(check.service, entry);
  });
  const byName = new Map<string, string>();
  for (const [service, entry] of services) {
    const servicePath = at(at('checks', entry.index), 'service');
    const longestEnvironment = [...entry.environments].reduce((a, b) => (b.length > a.length ? b : a), '');
    const key = entry.environments.size > 1 ? `${service}.${longestEnvironment}` : service;
    const parts = entry.targets > ALARMS_PER_COMPOSITE ? `~part${Math.ceil(entry.targets / ALARMS_PER_COMPOSITE)}` : '';
    const problem = tooLong(`${key}${parts}`);
    if (problem) {
      reportOnce(servicePath, `a service name short enough for CloudWatch alarm names of at most ${MAX_ALARM_NAME_LENGTH} characters (with the fleet name)`, problem, 'alarm name too long');
      continue;
    }
    // Alarm names keep letters, digits, '_', '.' and '-': "a b" and "a_b" would share one.
    const name = composeAlarmName({ fleet: fleet.name, kind: 'service', subject: service });
    const clash = byName.get(name);
    if (clash !== undefined) {
      reportOnce(servicePath, `a service name whose alarm name differs from service ${describeReceived(clash)}'s (alarm names keep only letters, digits, '_', '.' and '-')`, `${describeReceived(service)} → ${name}`, 'two services would share one alarm');
    } else {
      byName.set(name, service);
    }
  }
  // A service group's composite lives in one stack with every alarm it names (lib/infra/plan.ts,
  // placeServiceGroups); CloudFormation takes 500 resources and a 1 MB template per stack
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html),
  // about 300 alarms at ~3 KB each.
  for (const group of serviceGroupsOf(planTargets(fleet))) {
    const alarms = groupAlarmCount(group);
    if (alarms <= MAX_ALARMS_PER_SERVICE_GROUP) continue;
    const index = fleet.checks.findIndex((check) => check.service === group.service);
    reportOnce(
      at(at('checks', index), 'service'),
      `a service (per environment) with at most ${MAX_ALARMS_PER_SERVICE_GROUP} alarms, which share one stack with its composite; split it into several services`,
      `service ${describeReceived(serviceAlarmKey(group.service, group.environment))} with ${group.own.length} check targets and ${alarms} alarms`,
      'service too large for one stack',
    );
  }
  // SNS topic display names ("<fleet> fleet health", "<fleet> alerts", "<fleet> pages") take at most
  // 100 characters (https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html); the CDK
  // stops synthesis with a stack trace otherwise.
  const longestDisplayName = `${fleet.name} fleet health`;
  if (longestDisplayName.length > MAX_TOPIC_DISPLAY_NAME) {
    reportOnce('name', `a fleet name of at most ${MAX_TOPIC_DISPLAY_NAME - ' fleet health'.length} characters (the SNS topics' display names carry it, at most ${MAX_TOPIC_DISPLAY_NAME})`, `${fleet.name.length} characters`, 'fleet name too long for the topic display names');
  }
  // Stack names under the default prefix (a given stackPrefix is checked by ProbeFleet).
  for (const d of stackNameDiagnostics(fleet, defaultStackPrefix(fleet), 'name')) c.diagnostics.push(d);
  return c.diagnostics;
}

/** SNS topic display names. */
const MAX_TOPIC_DISPLAY_NAME = 100;

/** Alarms one service group may have: they share one stack with its composite (placeServiceGroups). */
export const MAX_ALARMS_PER_SERVICE_GROUP = 300;

/** The problem a too-long stack name is reported with. */
export const STACK_NAME_TOO_LONG = 'stack name too long';
/** CloudFormation stack names: at most 128 characters (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
export const MAX_STACK_NAME_LENGTH = 128;
/** The highest bucket number a stack name can carry (plan.ts places into at most 2^16 buckets). */
const LONGEST_BUCKET_SUFFIX = '-65536';

/**
 * The stack names a fleet would get under `prefix` (lib/infra/probeFleet.ts), each checked
 * against CloudFormation's 128 characters before any stack is made: the CDK would otherwise
 * stop synthesis with a StackNameTooLong stack trace. Reported at `prefixPath` (`name` for the
 * default prefix, else `stackPrefix`), with the longest name as received.
 */
export function stackNameDiagnostics(fleet: Fleet, prefix: string, prefixPath: string): Diagnostic[] {
  const c = new Collector();
  const regions = [...new Set([...fleet.regions, fleet.homeRegion])];
  const names = [
    `${prefix}-home`,
    `${prefix}-alarms${LONGEST_BUCKET_SUFFIX}`,
    `${prefix}-services${LONGEST_BUCKET_SUFFIX}`,
    `${prefix}-certificates${LONGEST_BUCKET_SUFFIX}`,
    ...regions.flatMap((region) => [`${prefix}-health-${region}`, `${prefix}-probes-${region}${LONGEST_BUCKET_SUFFIX}`]),
  ];
  const longest = names.reduce((a, b) => (b.length > a.length ? b : a), '');
  if (longest.length > MAX_STACK_NAME_LENGTH) {
    const room = MAX_STACK_NAME_LENGTH - (longest.length - prefix.length);
    c.report(
      prefixPath,
      `a ${prefixPath === 'name' ? 'fleet name' : 'stack prefix'} that keeps every stack name within CloudFormation's ${MAX_STACK_NAME_LENGTH} characters (a prefix of at most ${room} characters here${prefixPath === 'name' ? '; or a shorter stackPrefix' : ''})`,
      `prefix '${prefix}' (${prefix.length} characters) gives ${longest} (${longest.length} characters)`,
      STACK_NAME_TOO_LONG,
    );
  }
  return c.diagnostics;
}
