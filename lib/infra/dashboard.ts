// CloudWatch dashboards for the fleet. The overview: fleet health (heartbeats, skipped
// checks, publish failures), the alarm status of every service, and per service the state
// of its availability alarms, continued on further overview pages when one would pass
// CloudWatch's 500 widgets. The per-check pages hold per-target rows (availability per
// region, duration p50/p95 per region, certificate days remaining per TLS endpoint), a bounded number of
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
import { certificateEndpointsOf } from '../alerting/certificateEndpoints.js';
import { alarmName } from '../alerting/naming.js';
import { CERTIFICATE_PERIOD_SECONDS } from '../alerting/policy.js';
import { resolveSettings } from '../config/resolve.js';
import { periodSecondsOf } from '../config/schedulePeriod.js';
import type { Fleet } from '../model/fleet.js';
import { idOf } from './alarmContext.js';
import { certificateMetric, fleetMetric, targetMetric, type MetricScope } from './metrics.js';
import { checksPageSuffix, chunk, dashboardName, dashboardUrl, MAX_ALARMS_PER_COMPOSITE, overviewPageSuffix, paginateSections, type TargetPlan } from './plan.js';

interface DashboardCommon {
  fleet: Fleet;
  prefix: string;
  metrics: MetricScope;
}

export interface OverviewInput extends DashboardCommon {
  /** By name: service composites may live in several stacks, and a name needs no export. */
  services: { service: string; alarmName: string; availabilityAlarmNames: string[] }[];
  /** Names, not alarm objects: the heartbeats live in the home stack and a name needs no export. */
  heartbeatAlarmNames: string[];
  /** Dashboard names of the per-check pages, in order, for the links on the first page. */
  checksPages: string[];
  /** Names of the certificate alarms (a warning and a critical one per TLS endpoint), shown on the first page. */
  certificateAlarmNames?: string[];
}

export interface ChecksPageInput extends DashboardCommon {
  /** The alarm bucket (0-based) whose stack holds the page, and the page's part within it. */
  bucket: number;
  part: number;
  /** 1-based position among all per-check pages and their count, for the title only. */
  position: number;
  pageCount: number;
  targets: TargetPlan[];
}

/** An alarm status widget lists at most 100 alarms. */
const ALARMS_PER_STATUS_WIDGET = MAX_ALARMS_PER_COMPOSITE;

function alarmRefs(scope: Construct, names: readonly string[]): IAlarm[] {
  return names.map((name) => Alarm.fromAlarmName(scope, idOf('Ref', name), name));
}

/**
 * The overview, as one dashboard or, past CloudWatch's widget limit, several: the first keeps
 * its name (alarm descriptions link to it) and the others are `<prefix>-overview-<n>`, all in
 * the same stack, so a service moving between pages is an in-place update.
 */
export function overviewDashboard(scope: Construct, input: OverviewInput): Dashboard[] {
  const { fleet, metrics } = input;
  const regions = fleet.regions;
  const url = (name: string) => dashboardUrl(fleet.homeRegion, name);
  const perRegion = (name: 'ChecksRun' | 'ChecksSkipped' | 'PublishFailures', statistic: string) =>
    regions.map((region) =>
      fleetMetric(metrics, name, region, {
        statistic,
        periodSeconds: 300,
        label: region,
        ...(name === 'PublishFailures' ? { metricRegion: region } : {}),
      }),
    );
  const top = chunk(alarmRefs(scope, [...input.services.map((s) => s.alarmName), ...input.heartbeatAlarmNames]), ALARMS_PER_STATUS_WIDGET);
  const certificates = chunk(alarmRefs(scope, input.certificateAlarmNames ?? []), ALARMS_PER_STATUS_WIDGET);
  const statusGroups = input.services.map((service) => chunk(service.availabilityAlarmNames, ALARMS_PER_STATUS_WIDGET));
  // First page: the header text, the three fleet-health graphs, the status widgets of all
  // services and heartbeats, and of the certificate alarms.
  const pages = paginateSections(statusGroups.map((g) => g.length), 1 + 3 + top.length + certificates.length, 1);
  const names = pages.map((_, i) => dashboardName(input.prefix, overviewPageSuffix(i)));
  const checksLinks = input.checksPages.map((name, i) => `[checks ${i + 1}](${url(name)})`).join(' · ');
  const overviewLinks = names.slice(1).map((name, i) => `[services ${i + 2}](${url(name)})`).join(' · ');
  return pages.map((slices, page) => {
    const rows: IWidget[][] = [];
    if (page === 0) {
      const more = overviewLinks ? `\nMore services: ${overviewLinks}` : '';
      rows.push(
        [new TextWidget({ markdown: `# ${fleet.name}: probe fleet\nHome region ${fleet.homeRegion}; probes in ${regions.join(', ')}. Per-check pages: ${checksLinks || 'none'}${more}`, width: 24, height: 2 })],
        [
          new GraphWidget({ title: 'Fleet health: checks run (heartbeat)', left: perRegion('ChecksRun', 'Sum'), width: 8 }),
          new GraphWidget({ title: 'Checks skipped (deadline)', left: perRegion('ChecksSkipped', 'Sum'), width: 8 }),
          new GraphWidget({ title: 'Publish failures (EMF, probe region)', left: perRegion('PublishFailures', 'Sum'), width: 8 }),
        ],
      );
      top.forEach((alarms, i) => rows.push([new AlarmStatusWidget({ title: i === 0 ? 'Services and heartbeats' : `Services and heartbeats (${i + 1})`, alarms, width: 24, height: 4 })]));
      certificates.forEach((alarms, i) => rows.push([new AlarmStatusWidget({ title: i === 0 ? 'Certificates (per TLS endpoint)' : `Certificates (${i + 1})`, alarms, width: 24, height: 4 })]));
    } else {
      rows.push([new TextWidget({ markdown: `# ${fleet.name}: services, page ${page + 1} of ${pages.length}\n[overview](${url(names[0]!)})`, width: 24, height: 2 })]);
    }
    for (const [section, start, count] of slices) {
      const service = input.services[section]!;
      rows.push([new TextWidget({ markdown: `## ${service.service}${start > 0 ? ' (continued)' : ''}`, width: 24, height: 1 })]);
      statusGroups[section]!.slice(start, start + count).forEach((names, j) => {
        const i = start + j;
        rows.push([new AlarmStatusWidget({ title: `${service.service}: availability${i > 0 ? ` (${i + 1})` : ''}`, alarms: alarmRefs(scope, names), width: 24, height: 4 })]);
      });
    }
    // The first page keeps the construct id it always had, so its logical id does not change.
    return new Dashboard(scope, page === 0 ? 'Dashboard' : `Overview${page + 1}`, {
      dashboardName: names[page]!,
      defaultInterval: Duration.hours(3),
      widgets: rows,
    });
  });
}

/**
 * The TLS endpoints whose certificate days a target's row shows: those the check sees against
 * its environment (certificateEndpointsOf). A host known only at run time (a secret, an
 * extracted value) shows none; its certificate still has its metric.
 */
export function certificateEndpointsOnRow(fleet: Fleet, t: TargetPlan): string[] {
  return t.policy.certificate ? certificateEndpointsOf(fleet, t.check, t.environment) : [];
}

function targetRow(input: ChecksPageInput, t: TargetPlan): IWidget[] {
  const { metrics } = input;
  const period = Math.max(60, periodSecondsOf(resolveSettings(input.fleet, t.check).schedule));
  const title = `${t.check.name}${t.target === t.check.id ? '' : ` (${t.environment})`}`;
  const endpoints = certificateEndpointsOnRow(input.fleet, t);
  const width = endpoints.length > 0 ? 9 : 12;
  const row: IWidget[] = [
    new GraphWidget({
      title: `${title}: availability`,
      left: t.regions.map((r) => targetMetric(metrics, 'Success', t.target, r, { statistic: 'Average', periodSeconds: period, label: r })),
      leftYAxis: { min: 0, max: 1 },
      width,
    }),
    new GraphWidget({
      title: `${title}: duration p50/p95 (ms)`,
      left: t.regions.flatMap((r) => [
        targetMetric(metrics, 'Duration', t.target, r, { statistic: 'p50', periodSeconds: Math.max(300, period), label: `${r} p50` }),
        targetMetric(metrics, 'Duration', t.target, r, { statistic: 'p95', periodSeconds: Math.max(300, period), label: `${r} p95` }),
      ]),
      ...(t.policy.latency ? { leftAnnotations: [{ value: t.policy.latency.thresholdMs, label: 'maxMs' }] } : {}),
      width,
    }),
  ];
  if (endpoints.length > 0) {
    // The day's smallest days remaining per endpoint, as the certificate alarms read it.
    row.push(
      new SingleValueWidget({
        title: `${title}: certificate days`,
        metrics: endpoints.map((endpoint) => certificateMetric(metrics, endpoint, { periodSeconds: CERTIFICATE_PERIOD_SECONDS, label: endpoint })),
        width: 6,
      }),
    );
  }
  return row;
}

export function checksDashboard(scope: Construct, input: ChecksPageInput): Dashboard {
  const { fleet } = input;
  // The construct id (so the logical id) follows the name, which follows the bucket; a bucket's
  // first page keeps the id `Dashboard<n>` that page n had before pages were named by bucket.
  const id = input.part === 0 ? `Dashboard${input.bucket + 1}` : `Dashboard${input.bucket + 1}-${input.part + 1}`;
  return new Dashboard(scope, id, {
    dashboardName: dashboardName(input.prefix, checksPageSuffix(input.bucket, input.part)),
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        new TextWidget({
          markdown: `# ${fleet.name}: checks, page ${input.position} of ${input.pageCount}\n[overview](${dashboardUrl(fleet.homeRegion, dashboardName(input.prefix))})`,
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
