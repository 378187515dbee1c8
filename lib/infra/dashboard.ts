// One CloudWatch dashboard per fleet (CloudWatch bills each dashboard, $3 a month, and a page
// of checks per 40 targets cost more than the rest of a small fleet's alarms). The overview:
// fleet health (heartbeats, skipped checks, publish failures), the alarm status of every
// service, a per-check section driven by two dashboard variables (the check target and the TLS
// endpoint: availability per region, duration p50/p95 per region, certificate days), and per
// service the state of its availability alarms, continued on further overview pages only when
// one would pass CloudWatch's 500 widgets. A property variable rewrites that dimension in every
// widget of the dashboard, so one set of widgets serves every target
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
// The variables list the fleet's own targets and endpoints, not a metric search: a search sees
// only metrics with data in the last two weeks, and a new check is listed before its first run.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  Dashboard,
  DashboardVariable,
  DefaultValue,
  GraphWidget,
  SingleValueWidget,
  TextWidget,
  Values,
  VariableInputType,
  VariableType,
  type IAlarm,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { alarmName } from '../alerting/naming.js';
import { CERTIFICATE_PERIOD_SECONDS } from '../alerting/policy.js';
import type { Fleet } from '../model/fleet.js';
import { idOf } from './alarmContext.js';
import { certificateMetric, fleetMetric, targetMetric, type MetricScope } from './metrics.js';
import { chunk, dashboardName, dashboardUrl, MAX_ALARMS_PER_COMPOSITE, overviewPageSuffix, paginateSections, type TargetPlan } from './plan.js';

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
  /** Every target, in order: the values of the overview's `Check` variable. */
  targets: TargetPlan[];
  /** Every TLS endpoint with a certificate metric (`host:port`): the values of the `Endpoint` variable. */
  certificateEndpoints?: string[];
  /** Names of the certificate alarms (a warning and a critical one per TLS endpoint), shown on the first page. */
  certificateAlarmNames?: string[];
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
  const checkRows = checkSection(input);
  // First page: the header text, the three fleet-health graphs, the status widgets of all
  // services and heartbeats, and of the certificate alarms, and the per-check section.
  const pages = paginateSections(statusGroups.map((g) => g.length), 1 + 3 + top.length + certificates.length + checkRows.flat().length, 1);
  const names = pages.map((_, i) => dashboardName(input.prefix, overviewPageSuffix(i)));
  const overviewLinks = names.slice(1).map((name, i) => `[services ${i + 2}](${url(name)})`).join(' · ');
  return pages.map((slices, page) => {
    const rows: IWidget[][] = [];
    if (page === 0) {
      const more = overviewLinks ? `\nMore services: ${overviewLinks}` : '';
      rows.push(
        [new TextWidget({ markdown: `# ${fleet.name}: probe fleet\nHome region ${fleet.homeRegion}; probes in ${regions.join(', ')}. One check at a time below: choose it with the Check variable.${more}`, width: 24, height: 2 })],
        [
          new GraphWidget({ title: 'Fleet health: checks run (heartbeat)', left: perRegion('ChecksRun', 'Sum'), width: 8 }),
          new GraphWidget({ title: 'Checks skipped (deadline)', left: perRegion('ChecksSkipped', 'Sum'), width: 8 }),
          new GraphWidget({ title: 'Publish failures (EMF, probe region)', left: perRegion('PublishFailures', 'Sum'), width: 8 }),
        ],
      );
      top.forEach((alarms, i) => rows.push([new AlarmStatusWidget({ title: i === 0 ? 'Services and heartbeats' : `Services and heartbeats (${i + 1})`, alarms, width: 24, height: 4 })]));
      certificates.forEach((alarms, i) => rows.push([new AlarmStatusWidget({ title: i === 0 ? 'Certificates (per TLS endpoint)' : `Certificates (${i + 1})`, alarms, width: 24, height: 4 })]));
      rows.push(...checkRows);
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
      ...(page === 0 ? { variables: checkVariables(input) } : {}),
    });
  });
}

/** The target a variable shows before anyone chooses: the first one, so the section is never empty. */
function firstTarget(input: OverviewInput): TargetPlan | undefined {
  return input.targets[0];
}

/**
 * The `Check` variable (a target: `<check>` or `<check>.<environment>`) and, when the fleet has
 * certificate metrics, the `Endpoint` variable. Each rewrites its dimension in every widget.
 */
function checkVariables(input: OverviewInput): DashboardVariable[] {
  const first = firstTarget(input);
  if (!first) return [];
  const variables = [
    new DashboardVariable({
      id: 'check',
      type: VariableType.PROPERTY,
      value: 'Check',
      label: 'Check',
      inputType: VariableInputType.SELECT,
      values: Values.fromValues(...input.targets.map((t) => ({ value: t.target, label: `${t.check.name}${t.target === t.check.id ? '' : ` (${t.environment})`}` }))),
      defaultValue: DefaultValue.value(first.target),
    }),
  ];
  const endpoints = input.certificateEndpoints ?? [];
  if (endpoints.length > 0) {
    variables.push(
      new DashboardVariable({
        id: 'endpoint',
        type: VariableType.PROPERTY,
        value: 'Endpoint',
        label: 'TLS endpoint',
        inputType: VariableInputType.SELECT,
        values: Values.fromValues(...endpoints.map((value) => ({ value }))),
        defaultValue: DefaultValue.value(endpoints[0]!),
      }),
    );
  }
  return variables;
}

/**
 * The per-check section: availability per region, duration p50/p95 per region, and the chosen
 * endpoint's certificate days. The widgets name the first target and endpoint; the variables
 * swap them. Every region of the fleet is graphed: a check that does not run in one shows no
 * line there. Its maxMs is in its latency alarm, which the services' status widgets show.
 */
function checkSection(input: OverviewInput): IWidget[][] {
  const first = firstTarget(input);
  if (!first) return [];
  const { metrics, fleet } = input;
  const endpoints = input.certificateEndpoints ?? [];
  const width = endpoints.length > 0 ? 9 : 12;
  const row: IWidget[] = [
    new GraphWidget({
      title: 'Check: availability (share of runs that passed)',
      left: fleet.regions.map((r) => targetMetric(metrics, 'Success', first.target, r, { statistic: 'Average', periodSeconds: 60, label: r })),
      leftYAxis: { min: 0, max: 1 },
      width,
    }),
    new GraphWidget({
      title: 'Check: duration p50/p95 (ms)',
      left: fleet.regions.flatMap((r) => [
        targetMetric(metrics, 'Duration', first.target, r, { statistic: 'p50', periodSeconds: 300, label: `${r} p50` }),
        targetMetric(metrics, 'Duration', first.target, r, { statistic: 'p95', periodSeconds: 300, label: `${r} p95` }),
      ]),
      width,
    }),
  ];
  if (endpoints.length > 0) {
    // The day's smallest days remaining of the chosen endpoint, as the certificate alarms read it.
    row.push(
      new SingleValueWidget({
        title: 'TLS endpoint: certificate days',
        metrics: [certificateMetric(metrics, endpoints[0]!, { periodSeconds: CERTIFICATE_PERIOD_SECONDS, label: 'days remaining' })],
        width: 6,
      }),
    );
  }
  return [[new TextWidget({ markdown: '## One check (choose it with the Check variable; the certificate, with TLS endpoint)', width: 24, height: 1 })], row];
}

/** The availability alarm names of a service's targets (for the overview's status widgets). */
export function availabilityNames(fleet: string, targets: readonly TargetPlan[]): string[] {
  return targets.map((t) => alarmName({ fleet, kind: 'availability', subject: t.target }));
}
