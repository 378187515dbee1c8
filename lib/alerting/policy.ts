// When is a check in alarm: one description, read by the CDK alarm factories and by the
// local monitor's evaluator, so that AWS and a laptop page on the same sequence of results.
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import type { Check, Fleet } from '../model/fleet.js';
import { scheduleShape } from './scheduleShape.js';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface AvailabilityPolicy {
  /** One datapoint per period: did at least `quorum` regions fail in it? */
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  quorum: number;
  regions: string[];
  /** A region that published nothing in a period where another region did counts as failing there. */
  missingRegionCountsAsFailing: true;
  /**
   * The schedule leaves whole periods without a run (an uneven cron such as business hours):
   * a period in which no region reported is a quiet hour, not an outage, so missing data is
   * notBreaching. Otherwise silence everywhere is breaching.
   */
  quietPeriods: boolean;
  treatMissingData: TreatMissingData;
}

export interface LatencyPolicy {
  statistic: 'p50' | 'p90' | 'p95' | 'p99' | 'Maximum' | 'Average';
  thresholdMs: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** A period without samples says nothing about latency; availability covers silence. */
  treatMissingData: TreatMissingData;
}

export interface CertificatePolicy {
  chatDays: number;
  pagerDays: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
}

export interface CheckAlarmPolicy {
  checkId: string;
  /** Critical checks page; the others go to chat. */
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
  const urls = check.kind === 'http' ? [check.url] : check.steps.map((s) => s.url);
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
  const quorum = Math.min(config.quorum ?? (regions.length >= 2 ? 2 : 1), regions.length);
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
      regions,
      missingRegionCountsAsFailing: true,
      quietPeriods,
      treatMissingData: quietPeriods ? 'notBreaching' : 'breaching',
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
            treatMissingData: 'notBreaching',
          },
    certificate: seesCertificates(fleet, check)
      ? {
          chatDays: certDays.chat,
          pagerDays: certDays.pager,
          // Certificates change slowly; one hourly minimum is enough and costs little.
          periodSeconds: 3600,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: 'ignore',
        }
      : null,
  };
}
