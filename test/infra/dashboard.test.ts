import { describe, expect, it } from 'vitest';
import { smallFleet, synth } from './synth.js';

interface Widget {
  type: string;
  properties: { title?: string; markdown?: string; view?: string; region?: string; metrics?: unknown[][]; alarms?: string[]; annotations?: unknown };
}

/** The dashboard's body, with CloudFormation tokens (region, account) replaced by `TOKEN`. */
function bodyOf(template: { findResources(type: string): Record<string, unknown> }, name: string): string {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardName: string; DashboardBody: unknown } }[];
  const found = dashboards.find((d) => d.Properties.DashboardName === name);
  expect(found, name).toBeDefined();
  const body = found!.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  return typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
}

/** The dashboard's widgets. */
function widgetsOf(template: { findResources(type: string): Record<string, unknown> }, name: string): Widget[] {
  return (JSON.parse(bodyOf(template, name)) as { widgets: Widget[] }).widgets;
}

const byTitle = (widgets: Widget[], title: string): Widget => {
  const widget = widgets.find((w) => w.properties.title === title);
  expect(widget, `widget "${title}" in ${widgets.map((w) => w.properties.title).join(' | ')}`).toBeDefined();
  return widget!;
};

describe('dashboards', () => {
  const s = synth(smallFleet());

  it('overview: fleet health row, services and heartbeats status, per-service availability alarms', () => {
    const widgets = widgetsOf(s.template(s.fleet.servicesStack), 'probe-fleet-shop');
    const metricNames = (w: Widget) => w.properties.metrics?.map((m) => m[1]);
    expect(metricNames(byTitle(widgets, 'Fleet health: checks run (heartbeat)'))).toEqual(['ChecksRun', 'ChecksRun', 'ChecksRun']);
    expect(metricNames(byTitle(widgets, 'Checks skipped (deadline)'))).toEqual(['ChecksSkipped', 'ChecksSkipped', 'ChecksSkipped']);
    const failures = byTitle(widgets, 'Publish failures (EMF, probe region)');
    // EMF lands in each probe's own region: the metric is read there, not at home.
    expect(failures.properties.metrics?.map((m) => (m[m.length - 1] as { region?: string }).region)).toEqual(['eu-west-1', 'us-east-1', 'ap-southeast-1']);
    const status = byTitle(widgets, 'Services and heartbeats');
    expect(status.type).toBe('alarm');
    expect(status.properties.alarms?.length).toBe(2 + 3);
    expect(status.properties.alarms?.join(' ')).toContain('alarm:probe-fleet/shop/heartbeat/us-east-1');
    expect(byTitle(widgets, 'checkout: availability').properties.alarms?.join(' ')).toContain('alarm:probe-fleet/shop/availability/checkout-health');
    expect(byTitle(widgets, 'catalog: availability').properties.alarms).toHaveLength(2);
    // The one TLS endpoint's warning and critical certificate alarms.
    expect(byTitle(widgets, 'Certificates (per TLS endpoint)').properties.alarms?.map((a) => a.replace(/^.*:alarm:/, ''))).toEqual([
      'probe-fleet/shop/cert-chat/shop.example.com_443',
      'probe-fleet/shop/cert-pager/shop.example.com_443',
    ]);
  });

  it('one dashboard per fleet: its per-check section shows any target and endpoint through two variables', () => {
    let dashboards = 0;
    for (const [, template] of s.templates()) dashboards += Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length;
    expect(dashboards).toBe(1);
    const widgets = widgetsOf(s.template(s.fleet.servicesStack), 'probe-fleet-shop');
    const availability = byTitle(widgets, 'Check: availability (share of runs that passed)');
    const shown = availability.properties.metrics?.[0]?.[3];
    expect(availability.properties.metrics?.map((m) => [m[1], m[3], m[7]])).toEqual([
      ['Success', shown, 'eu-west-1'],
      ['Success', shown, 'us-east-1'],
      ['Success', shown, 'ap-southeast-1'],
    ]);
    const duration = byTitle(widgets, 'Check: duration p50/p95 (ms)');
    expect(duration.properties.metrics?.map((m) => (m[8] as { stat: string }).stat)).toEqual(['p50', 'p95', 'p50', 'p95', 'p50', 'p95']);
    const certificate = byTitle(widgets, 'TLS endpoint: certificate days');
    expect(certificate.properties.view).toBe('singleValue');
    // The endpoint's series, as the certificate alarms read it: the day's minimum, no Region.
    expect(certificate.properties.metrics).toEqual([['ProbeFleet', 'CertificateDaysRemaining', 'Endpoint', 'shop.example.com:443', 'Fleet', 'shop', { label: 'days remaining', stat: 'Minimum', period: 86_400 }]]);
    expect(JSON.stringify(widgets)).not.toContain('CertDaysRemaining');

    // The variables rewrite the Check and Endpoint dimensions of every widget; they list every
    // target (so a new check is there before its first run) and every TLS endpoint.
    const body = JSON.parse(bodyOf(s.template(s.fleet.servicesStack), 'probe-fleet-shop')) as {
      variables: { type: string; property: string; inputType: string; values: { value: string; label?: string }[]; defaultValue: string }[];
    };
    const [check, endpoint] = body.variables;
    expect(check).toMatchObject({ type: 'property', property: 'Check', inputType: 'select', defaultValue: shown });
    expect(check!.values.map((v) => v.value)).toEqual(expect.arrayContaining(['checkout-health', String(shown)]));
    expect(check!.values.length).toBeGreaterThan(1);
    expect(endpoint).toMatchObject({ type: 'property', property: 'Endpoint', values: [{ value: 'shop.example.com:443' }], defaultValue: 'shop.example.com:443' });
  });
});
