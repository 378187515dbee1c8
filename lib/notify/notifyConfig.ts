// What the notify function knows about the fleet: frozen into its bundle at synth time as
// `notify.json`, so an alarm message (which carries only an alarm name) can be turned into a
// message that names the check, its owner, runbook and rollback note. Plain JSON, no secrets:
// webhooks and routing keys are secret *names*, resolved from Secrets Manager at delivery.
import { resolveSettings } from '../config/resolve.js';
import { checkTarget, composeAlarmName, parseAlarmName } from '../alerting/naming.js';
import { planCertificateEndpoints, type CertificateDependent } from '../alerting/certificateEndpoints.js';
import { environmentPages } from '../alerting/policy.js';
import type { AlertRoute, Fleet, Severity, Webhook } from '../model/fleet.js';

export const NOTIFY_CONFIG_FILE = 'notify.json';
export const NOTIFY_CONFIG_VERSION = 1;

/** Environment variables that override the topic ARNs written in `notify.json` (CDK tokens resolve only at deploy time). */
export const PAGER_TOPIC_ARN_ENV = 'PROBE_FLEET_PAGER_TOPIC_ARN';
export const CHAT_TOPIC_ARN_ENV = 'PROBE_FLEET_CHAT_TOPIC_ARN';

export type RouteName = 'pager' | 'chat';

export interface NotifyWebhook {
  kind: Webhook['kind'];
  secretName: string;
}

export interface NotifyRoute {
  /** The SNS topic whose messages take this route; empty when only known from the environment. */
  topicArn: string;
  webhooks: NotifyWebhook[];
  /** Secrets Manager name of the PagerDuty Events API v2 routing key. */
  pagerDutyRoutingKeySecret: string | null;
  /**
   * Secrets Manager name of a PagerDuty/Opsgenie "Amazon CloudWatch" integration URL: each
   * notification of the route is posted there as SNS would post it. Absent in older bundles.
   */
  integrationUrlSecret?: string | null;
}

/** The facts on-call needs about one check against one environment. */
export interface NotifyTarget {
  /** The alarm subject: `<checkId>` or `<checkId>.<environment>`. */
  target: string;
  checkId: string;
  environment: string;
  checkName: string;
  service: string;
  owner: string;
  expect: string;
  runbook: string;
  rollbackNote: string;
  severity: Severity;
  regions: string[];
  /** Whether this environment pages (policy environmentPages); absent in older bundles. */
  pages?: boolean;
}

/**
 * One TLS endpoint's certificate alarm pair (`cert-chat`, `cert-pager`): the alarm's subject is
 * the endpoint, not a check, so the message names the endpoint and every check that depends on
 * the certificate (lib/alerting/certificateEndpoints.ts derives both, for the alarms too).
 */
export interface NotifyCertificate {
  /** `host:port` as the probe's `Endpoint` dimension writes it. */
  endpoint: string;
  /** Alarm subjects (check targets) of every check that sees this certificate, in fleet order. */
  targets: string[];
  /** Warning (chat) and critical (pager) thresholds in days, the most cautious of the dependents'. */
  chatDays: number;
  pagerDays: number;
  /** Whether the critical alarm pages (any dependent environment pages). */
  pages: boolean;
}

export interface NotifyConfig {
  version: typeof NOTIFY_CONFIG_VERSION;
  fleet: string;
  homeRegion: string;
  dashboardUrl: string;
  routes: Record<RouteName, NotifyRoute>;
  /** Keyed by alarm subject (check target). */
  targets: Record<string, NotifyTarget>;
  /** Keyed by the certificate alarms' subject (the endpoint as the alarm name spells it). Absent in older bundles. */
  certificates?: Record<string, NotifyCertificate>;
}

/** The subject a certificate alarm's name carries for an endpoint (the name's safe spelling of `host:port`). */
export function certificateAlarmSubject(fleet: string, endpoint: string): string {
  return parseAlarmName(composeAlarmName({ fleet, kind: 'cert-chat', subject: endpoint }))?.subject ?? endpoint;
}

function routeOf(route: AlertRoute | undefined, topicArn: string | undefined): NotifyRoute {
  return {
    topicArn: topicArn ?? '',
    webhooks: (route?.webhooks ?? []).map((w) => ({ kind: w.kind, secretName: w.url.$secret })),
    pagerDutyRoutingKeySecret: route?.pagerDutyRoutingKey?.$secret ?? null,
    integrationUrlSecret: route?.integrationUrl?.$secret ?? null,
  };
}

export function buildNotifyConfig(
  fleet: Fleet,
  opts: { dashboardUrl: string; pagerTopicArn?: string; chatTopicArn?: string },
): NotifyConfig {
  const targets: Record<string, NotifyTarget> = {};
  const dependents: CertificateDependent[] = [];
  for (const check of fleet.checks) {
    const settings = resolveSettings(fleet, check);
    for (const environment of settings.environments) {
      const target = checkTarget(check.id, environment, settings.environments.length);
      dependents.push({ target, check, environment });
      targets[target] = {
        target,
        checkId: check.id,
        environment,
        checkName: check.name,
        service: check.service,
        owner: check.owner,
        expect: check.expect,
        runbook: check.runbook,
        rollbackNote: check.rollbackNote,
        severity: check.severity,
        regions: settings.regions,
        pages: environmentPages(fleet, environment),
      };
    }
  }
  const certificates: Record<string, NotifyCertificate> = {};
  for (const plan of planCertificateEndpoints(fleet, dependents)) {
    certificates[certificateAlarmSubject(fleet.name, plan.endpoint)] = {
      endpoint: plan.endpoint,
      targets: plan.dependents.map((d) => d.target),
      chatDays: plan.chatDays,
      pagerDays: plan.pagerDays,
      pages: plan.pages,
    };
  }
  return {
    version: NOTIFY_CONFIG_VERSION,
    fleet: fleet.name,
    homeRegion: fleet.homeRegion,
    dashboardUrl: opts.dashboardUrl,
    routes: {
      pager: routeOf(fleet.alerting?.pager, opts.pagerTopicArn),
      chat: routeOf(fleet.alerting?.chat, opts.chatTopicArn),
    },
    targets,
    certificates,
  };
}

/** Whether a route needs the notify function: a chat webhook, a PagerDuty routing key or an integration URL. */
export function routeNeedsNotifyFunction(route: AlertRoute | undefined): boolean {
  return (route?.webhooks?.length ?? 0) > 0 || route?.pagerDutyRoutingKey !== undefined || route?.integrationUrl !== undefined;
}

/** Whether a fleet asks for the notify function at all. */
export function needsNotifyFunction(fleet: Fleet): boolean {
  return [fleet.alerting?.pager, fleet.alerting?.chat].some(routeNeedsNotifyFunction);
}

/** Reads a parsed `notify.json` defensively: a broken bundle must fail loudly at the first message, not format garbage. */
export function parseNotifyConfig(value: unknown): NotifyConfig {
  const fail = (what: string): never => {
    throw new NotifyConfigError(`notify config: expected ${what}; the bundle's ${NOTIFY_CONFIG_FILE} is damaged or from another version`);
  };
  if (typeof value !== 'object' || value === null) return fail('a JSON object');
  const config = value as Partial<NotifyConfig>;
  if (config.version !== NOTIFY_CONFIG_VERSION) fail(`version ${NOTIFY_CONFIG_VERSION}, received ${JSON.stringify(config.version)}`);
  if (typeof config.fleet !== 'string') fail('a string "fleet"');
  if (typeof config.routes !== 'object' || config.routes === null || !config.routes.pager || !config.routes.chat) fail('"routes.pager" and "routes.chat"');
  if (typeof config.targets !== 'object' || config.targets === null) fail('an object "targets"');
  return config as NotifyConfig;
}

export class NotifyConfigError extends Error {
  readonly kind = 'notify_config';
  readonly retryable = false;
}
