// When is a check in alarm: one description, read by the CDK alarm factories and by the
// local monitor's evaluator, so that AWS and a laptop page on the same sequence of results.
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import type { Check, Fleet } from '../model/fleet.js';
import { scheduleShape } from './scheduleShape.js';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface AvailabilityPolicy {
  /**
   * One datapoint per period in which at least one region reported: breaching when the failing
   * regions reach `min(quorum, regions that reported)` and number at least `minFailingRegions`.
   */
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  quorum: number;
  /** 2 when the target runs in 2+ regions (one region failing never pages), else 1. */
  minFailingRegions: number;
  regions: string[];
  /**
   * A region that published nothing in a period is neither failing nor healthy: service alarms
   * judge the regions that reported, and probe silence is the fleet-health alarms' business.
   */
  silentRegions: 'notCounted';
  /** The schedule leaves whole periods without a run (an uneven cron such as business hours). */
  quietPeriods: boolean;
  /**
   * A period in which no region reported gives no datapoint; `ignore` keeps the alarm's state
   * then: a new alarm stays INSUFFICIENT_DATA until its first datum (never pages), an alarm in
   * ALARM does not claim a recovery nobody measured, quiet hours change nothing.
   */
  treatMissingData: TreatMissingData;
}

export interface LatencyPolicy {
  statistic: 'p50' | 'p90' | 'p95' | 'p99' | 'Maximum' | 'Average';
  thresholdMs: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** A window without samples says nothing about latency: `ignore` keeps the state. */
  treatMissingData: TreatMissingData;
}

export interface CertificatePolicy {
  /** Warning: fewer than this many days left posts to chat. */
  chatDays: number;
  /** Critical: fewer than this many days left pages (when an environment that depends on the certificate pages). */
  pagerDays: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

export interface CheckAlarmPolicy {
  checkId: string;
  /** Critical checks may page (where their environment pages, see routeFor); the others go to chat. */
  route: 'pager' | 'chat';
  availability: AvailabilityPolicy;
  /** Null when the check has no `maxMs`. */
  latency: LatencyPolicy | null;
  /** Null for kinds that never see a certificate (dns, tcp, plain http). */
  certificate: CertificatePolicy | null;
}

export const DEFAULT_EVALUATION_PERIODS = 3;
export const DEFAULT_DATAPOINTS_TO_ALARM = 2;
export const DEFAULT_LATENCY_PERIOD_MINUTES = 15;
export const DEFAULT_CERT_DAYS = { chat: 21, pager: 7 } as const;
/** A target in 2+ regions pages only when at least this many of its reporting regions fail. */
export const MIN_FAILING_REGIONS = 2;
/** One certificate datum a day per endpoint (the probe's first run of each UTC day): the alarm's period. */
export const CERTIFICATE_PERIOD_SECONDS = 86_400;

/**
 * Environments that page unless they say `pages: false`. Recognised by exact name, nothing
 * cleverer: a fleet whose production is called `live` says `pages: true` on it.
 */
export const PAGING_ENVIRONMENT_NAMES: readonly string[] = ['production', 'prod'];

/** Whether critical alarms of this environment page (`pages`, default: named production/prod). */
export function environmentPages(fleet: Pick<Fleet, 'environments'>, environment: string): boolean {
  return fleet.environments[environment]?.pages ?? PAGING_ENVIRONMENT_NAMES.includes(environment);
}

/** Critical and in an environment that pages: the pager topic. Everything else: chat. */
export function routeFor(critical: boolean, pages: boolean): 'pager' | 'chat' {
  return critical && pages ? 'pager' : 'chat';
}

/**
 * CloudWatch rejects an alarm whose period × evaluationPeriods exceeds one day when the
 * period is shorter than an hour, or seven days otherwise (PutMetricAlarm); validation
 * (lib/config/validateAlerting.ts) reports the fleets that would, before anything deploys.
 */
export function maxAlarmWindowSeconds(periodSeconds: number): number {
  return periodSeconds < 3600 ? 86_400 : 604_800;
}

function seesCertificates(fleet: Fleet, check: Check): boolean {
  if (check.kind === 'tls') return true;
  if (check.kind === 'dns' || check.kind === 'tcp') return false;
  // A browser journey starts at its url (default `/`); what else the page loads is not known here.
  const urls = check.kind === 'flow' ? check.steps.map((s) => s.url) : [check.url ?? '/'];
  const bases = Object.values(fleet.environments).map((e) => e.baseUrl);
  return urls.some((u) => u.startsWith('https:') || (!/^[a-z]+:/i.test(u) && bases.some((b) => b.startsWith('https:'))));
}

/** Runs a default latency window holds, so that a slow schedule's window is not one sample. */
export const LATENCY_SAMPLES_PER_WINDOW = 3;
const LATENCY_EVALUATION_PERIODS = 2;

/**
 * The latency window: `latencyPeriodMinutes` when set, else 15 minutes or
 * LATENCY_SAMPLES_PER_WINDOW schedule periods, whichever is longer; never shorter than one
 * schedule period. Two windows must fit CloudWatch's evaluation limit: a longer window is
 * shortened (keeping at least one run), and when even that does not fit, one window decides.
 */
export function latencyWindow(schedulePeriodSeconds: number, latencyPeriodMinutes: number | undefined): { periodSeconds: number; evaluationPeriods: number } {
  const wanted = latencyPeriodMinutes !== undefined ? latencyPeriodMinutes * 60 : Math.max(DEFAULT_LATENCY_PERIOD_MINUTES * 60, LATENCY_SAMPLES_PER_WINDOW * schedulePeriodSeconds);
  let periodSeconds = Math.max(schedulePeriodSeconds, wanted);
  if (periodSeconds * LATENCY_EVALUATION_PERIODS <= maxAlarmWindowSeconds(periodSeconds)) return { periodSeconds, evaluationPeriods: LATENCY_EVALUATION_PERIODS };
  // Only windows of an hour or more get here (7-day limit); periods are whole minutes.
  periodSeconds = Math.max(schedulePeriodSeconds, Math.floor(maxAlarmWindowSeconds(periodSeconds) / LATENCY_EVALUATION_PERIODS / 60) * 60);
  if (periodSeconds * LATENCY_EVALUATION_PERIODS <= maxAlarmWindowSeconds(periodSeconds)) return { periodSeconds, evaluationPeriods: LATENCY_EVALUATION_PERIODS };
  return { periodSeconds, evaluationPeriods: 1 };
}

export function alarmPolicyFor(fleet: Fleet, check: Check): CheckAlarmPolicy {
  const settings = resolveSettings(fleet, check);
  const config = { ...fleet.alerting?.policy, ...check.alarm };
  // CloudWatch alarms evaluate periods of at least a minute; a period is one schedule interval.
  const periodSeconds = Math.max(60, periodSecondsOf(settings.schedule));
  const quietPeriods = scheduleShape(settings.schedule).uneven;
  const evaluationPeriods = config.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS;
  const datapointsToAlarm = Math.min(config.datapointsToAlarm ?? DEFAULT_DATAPOINTS_TO_ALARM, evaluationPeriods);
  const regions = settings.regions;
  const minFailingRegions = Math.min(MIN_FAILING_REGIONS, regions.length);
  // Validation refuses quorum 1 for 2+ regions; the floor keeps a fleet that skipped it safe.
  const quorum = Math.max(minFailingRegions, Math.min(config.quorum ?? MIN_FAILING_REGIONS, regions.length));
  const latency = latencyWindow(periodSeconds, config.latencyPeriodMinutes);
  const certDays = config.certificateDays ?? DEFAULT_CERT_DAYS;
  return {
    checkId: check.id,
    route: check.severity === 'critical' ? 'pager' : 'chat',
    availability: {
      periodSeconds,
      evaluationPeriods,
      datapointsToAlarm,
      quorum,
      minFailingRegions,
      regions,
      silentRegions: 'notCounted',
      quietPeriods,
      treatMissingData: 'ignore',
    },
    latency:
      settings.maxMs === null
        ? null
        : {
            statistic: config.latencyStatistic ?? 'p95',
            thresholdMs: settings.maxMs,
            periodSeconds: latency.periodSeconds,
            evaluationPeriods: latency.evaluationPeriods,
            datapointsToAlarm: latency.evaluationPeriods,
            // A window without samples says nothing about speed: keep the state (no alarm
            // before the first datum, no "recovered" while nobody measures).
            treatMissingData: 'ignore',
          },
    certificate: seesCertificates(fleet, check)
      ? {
          chatDays: certDays.chat,
          pagerDays: certDays.pager,
          // One datum a day per endpoint (more once inside the warning threshold): the
          // day's minimum decides. A day without a datum (endpoint unreachable, the first day)
          // keeps the state: expiry is not unknown because one day's probe saw nothing.
          periodSeconds: CERTIFICATE_PERIOD_SECONDS,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: 'ignore',
        }
      : null,
  };
}
