// When is a check in alarm: one description, read by the CDK alarm factories and by the
// local monitor's evaluator, so that AWS and a laptop page on the same sequence of results.
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import type { Check, Fleet } from '../model/fleet.js';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface AvailabilityPolicy {
  /** One datapoint per period: did at least `quorum` regions fail in it? */
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  quorum: number;
  regions: string[];
  /** A region that published nothing in a period counts as failing there. */
  missingRegionCountsAsFailing: true;
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

function seesCertificates(fleet: Fleet, check: Check): boolean {
  if (check.kind === 'tls') return true;
  if (check.kind === 'dns' || check.kind === 'tcp') return false;
  const urls = check.kind === 'http' ? [check.url] : check.steps.map((s) => s.url);
  const bases = Object.values(fleet.environments).map((e) => e.baseUrl);
  return urls.some((u) => u.startsWith('https:') || (!/^[a-z]+:/i.test(u) && bases.some((b) => b.startsWith('https:'))));
}

export function alarmPolicyFor(fleet: Fleet, check: Check): CheckAlarmPolicy {
  const settings = resolveSettings(fleet, check);
  const config = { ...fleet.alerting?.policy, ...check.alarm };
  // CloudWatch alarms evaluate periods of at least a minute; a period is one schedule interval.
  const periodSeconds = Math.max(60, periodSecondsOf(settings.schedule));
  const evaluationPeriods = config.evaluationPeriods ?? DEFAULT_EVALUATION_PERIODS;
  const datapointsToAlarm = Math.min(config.datapointsToAlarm ?? DEFAULT_DATAPOINTS_TO_ALARM, evaluationPeriods);
  const regions = settings.regions;
  const quorum = Math.min(config.quorum ?? (regions.length >= 2 ? 2 : 1), regions.length);
  const latencyPeriod = Math.max(periodSeconds, (config.latencyPeriodMinutes ?? DEFAULT_LATENCY_PERIOD_MINUTES) * 60);
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
      treatMissingData: 'breaching',
    },
    latency:
      settings.maxMs === null
        ? null
        : {
            statistic: config.latencyStatistic ?? 'p95',
            thresholdMs: settings.maxMs,
            periodSeconds: latencyPeriod,
            evaluationPeriods: 2,
            datapointsToAlarm: 2,
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
