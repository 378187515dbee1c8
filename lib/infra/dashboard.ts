// CloudWatch dashboards for the fleet. Page 0 is the overview: fleet health (heartbeats,
// skipped checks, publish failures), the alarm status of every service, and per service
// the state of its availability alarms. Pages 1…n hold per-target rows (availability per
// region, duration p50/p95 per region, certificate days remaining), a bounded number of
// targets per page so that a large fleet stays under CloudWatch's widget limits and loads.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  SingleValueWidget,
  TextWidget,
  type IAlarm,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { alarmName } from '../alerting/naming.js';
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import type { Fleet } from '../model/fleet.js';
import { idOf } from './alarmContext.js';
import { fleetMetric, targetMetric, type MetricScope } from './metrics.js';
import { chunk, dashboardName, dashboardUrl, MAX_ALARMS_PER_COMPOSITE, type TargetPlan } from './plan.js';

interface DashboardCommon {
  fleet: Fleet;
  prefix: string;
  metrics: MetricScope;
  /** Number of per-check pages (1…n; page 0 is the overview). */
  pageCount: number;
}

export interface OverviewInput extends DashboardCommon {
  /** By name: service composites may live in several stacks, and a name needs no export. */
  services: { service: string; alarmName: string; availabilityAlarmNames: string[] }[];
  /** Names, not alarm objects: the heartbeats live in the home stack and a name needs no export. */
  heartbeatAlarmNames: string[];
}

export interface ChecksPageInput extends DashboardCommon {
  page: number;
  targets: TargetPlan[];
}

/** An alarm status widget lists at most 100 alarms. */
const ALARMS_PER_STATUS_WIDGET = MAX_ALARMS_PER_COMPOSITE;

function alarmRefs(scope: Construct, names: readonly string[]): IAlarm[] {
  return names.map((name) => Alarm.fromAlarmName(scope, idOf('Ref', name), name));
}

export function overviewDashboard(scope: Construct, input: OverviewInput): Dashboard {
  const { fleet, metrics } = input;
  const regions = fleet.regions;
  const perRegion = (name: 'ChecksRun' | 'ChecksSkipped' | 'PublishFailures', statistic: string) =>
    regions.map((region) =>
      fleetMetric(metrics, name, region, {
        statistic,
        periodSeconds: 300,
        label: region,
        ...(name === 'PublishFailures' ? { metricRegion: region } : {}),
      }),
    );
  const pageLinks = Array.from({ length: input.pageCount }, (_, i) => `[checks ${i + 1}](${dashboardUrl(fleet.homeRegion, dashboardName(input.prefix, i + 1))})`).join(' · ');
  const rows: IWidget[][] = [
    [new TextWidget({ markdown: `# ${fleet.name}: probe fleet\nHome region ${fleet.homeRegion}; probes in ${regions.join(', ')}. Per-check pages: ${pageLinks || 'none'}`, width: 24, height: 2 })],
    [
      new GraphWidget({ title: 'Fleet health: checks run (heartbeat)', left: perRegion('ChecksRun', 'Sum'), width: 8 }),
      new GraphWidget({ title: 'Checks skipped (deadline)', left: perRegion('ChecksSkipped', 'Sum'), width: 8 }),
      new GraphWidget({ title: 'Publish failures (EMF, probe region)', left: perRegion('PublishFailures', 'Sum'), width: 8 }),
    ],
  ];
  const top = alarmRefs(scope, [...input.services.map((s) => s.alarmName), ...input.heartbeatAlarmNames]);
  chunk(top, ALARMS_PER_STATUS_WIDGET).forEach((alarms, i) =>
    rows.push([new AlarmStatusWidget({ title: i === 0 ? 'Services and heartbeats' : `Services and heartbeats (${i + 1})`, alarms, width: 24, height: 4 })]),
  );
  for (const service of input.services) {
    rows.push([new TextWidget({ markdown: `## ${service.service}`, width: 24, height: 1 })]);
    chunk(service.availabilityAlarmNames, ALARMS_PER_STATUS_WIDGET).forEach((names, i) =>
      rows.push([new AlarmStatusWidget({ title: `${service.service}: availability${i > 0 ? ` (${i + 1})` : ''}`, alarms: alarmRefs(scope, names), width: 24, height: 4 })]),
    );
  }
  return new Dashboard(scope, 'Dashboard', {
    dashboardName: dashboardName(input.prefix, 0),
    defaultInterval: Duration.hours(3),
    widgets: rows,
  });
}

function targetRow(input: ChecksPageInput, t: TargetPlan): IWidget[] {
  const { metrics } = input;
  const period = Math.max(60, periodSecondsOf(resolveSettings(input.fleet, t.check).schedule));
  const title = `${t.check.name}${t.target === t.check.id ? '' : ` (${t.environment})`}`;
  const row: IWidget[] = [
    new GraphWidget({
      title: `${title}: availability`,
      left: t.regions.map((r) => targetMetric(metrics, 'Success', t.target, r, { statistic: 'Average', periodSeconds: period, label: r })),
      leftYAxis: { min: 0, max: 1 },
      width: t.policy.certificate ? 9 : 12,
    }),
    new GraphWidget({
      title: `${title}: duration p50/p95 (ms)`,
      left: t.regions.flatMap((r) => [
        targetMetric(metrics, 'Duration', t.target, r, { statistic: 'p50', periodSeconds: Math.max(300, period), label: `${r} p50` }),
        targetMetric(metrics, 'Duration', t.target, r, { statistic: 'p95', periodSeconds: Math.max(300, period), label: `${r} p95` }),
      ]),
      ...(t.policy.latency ? { leftAnnotations: [{ value: t.policy.latency.thresholdMs, label: 'maxMs' }] } : {}),
      width: t.policy.certificate ? 9 : 12,
    }),
  ];
  if (t.policy.certificate) {
    row.push(
      new SingleValueWidget({
        title: `${title}: certificate days`,
        metrics: t.regions.map((r) => targetMetric(metrics, 'CertDaysRemaining', t.target, r, { statistic: 'Minimum', periodSeconds: 3600, label: r })),
        width: 6,
      }),
    );
  }
  return row;
}

export function checksDashboard(scope: Construct, input: ChecksPageInput): Dashboard {
  const { fleet, page } = input;
  return new Dashboard(scope, `Dashboard${page}`, {
    dashboardName: dashboardName(input.prefix, page),
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        new TextWidget({
          markdown: `# ${fleet.name}: checks, page ${page} of ${input.pageCount}\n[overview](${dashboardUrl(fleet.homeRegion, dashboardName(input.prefix, 0))})`,
          width: 24,
          height: 2,
        }),
      ],
      ...input.targets.map((t) => targetRow(input, t)),
    ],
  });
}

/** The availability alarm names of a service's targets (for the overview's status widgets). */
export function availabilityNames(fleet: string, targets: readonly TargetPlan[]): string[] {
  return targets.map((t) => alarmName({ fleet, kind: 'availability', subject: t.target }));
}
