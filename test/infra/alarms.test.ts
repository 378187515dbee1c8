import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { alarmName } from '../../lib/alerting/naming.js';
import { availabilityExpression } from '../../lib/infra/availabilityAlarm.js';
import { MAX_DESCRIPTION_CHARS } from '../../lib/infra/descriptions.js';
import { httpCheck, smallFleet, synth, type Synthesized } from './synth.js';

/** The alarm stack that holds the service composites (beside their member alarms) of a one-bucket fleet. */
const compositeTemplate = (x: Synthesized): Template =>
  x.template(x.fleet.alarmStacks.find((st) => Object.keys(x.template(st).findResources('AWS::CloudWatch::CompositeAlarm')).length > 0) ?? x.fleet.servicesStack);

const fleet = smallFleet();
const s = synth(fleet);
const alarms = s.template(s.fleet.alarmStacks[0]!);
const home = s.template(s.fleet.homeStack);
const services = compositeTemplate(s);
const chatArn = Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':probe-fleet-shop-chat'])] });
const pagerArn = Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':probe-fleet-shop-pager'])] });

/** The topics an action list names: ['chat'], ['pager'], … */
function routes(actions: unknown): string[] {
  return [...JSON.stringify(actions ?? []).matchAll(/:probe-fleet-shop-(pager|chat)"/g)].map((m) => m[1]!);
}

function alarmProps(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found, name).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('availability alarms', () => {
  it('judge the regions that reported, fire at the quorum for 2 of 3 periods, and keep the state when nobody reported', () => {
    const props = alarmProps(alarms, alarmName({ fleet: 'shop', kind: 'availability', subject: 'checkout-health' }));
    expect(props).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'ignore',
    });
    const metrics = props.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Dimensions: unknown[]; MetricName: string; Namespace: string }; Period: number; Stat: string } }[];
    expect(metrics[0]?.Expression).toBe(
      'IF((FILL(m0 * 0 + 1, 0) + FILL(m1 * 0 + 1, 0) + FILL(m2 * 0 + 1, 0)) > 0, IF((FILL(1 - m0, 0) + FILL(1 - m1, 0) + FILL(1 - m2, 0)) >= 2, 1, 0))',
    );
    expect(props.AlarmDescription).toContain('a region that reports nothing is neither failing nor healthy');
    expect(metrics.slice(1).map((m) => [m.Id, m.MetricStat?.Metric.MetricName, m.MetricStat?.Stat, m.MetricStat?.Period])).toEqual([
      ['m0', 'Success', 'Minimum', 60],
      ['m1', 'Success', 'Minimum', 60],
      ['m2', 'Success', 'Minimum', 60],
    ]);
    expect(metrics[1]?.MetricStat?.Metric.Dimensions).toEqual([
      { Name: 'Check', Value: 'checkout-health' },
      { Name: 'Fleet', Value: 'shop' },
      { Name: 'Region', Value: 'eu-west-1' },
    ]);
    expect(routes(props.AlarmActions)).toEqual(['chat']);
    expect(routes(props.OKActions)).toEqual(['chat']);
  });

  it.each([
    { regions: 1, quorum: 1, min: 1, expected: 'IF((FILL(m0 * 0 + 1, 0)) > 0, IF((FILL(1 - m0, 0)) >= 1, 1, 0))' },
    { regions: 2, quorum: 2, min: 2, expected: 'IF((FILL(m0 * 0 + 1, 0) + FILL(m1 * 0 + 1, 0)) > 0, IF((FILL(1 - m0, 0) + FILL(1 - m1, 0)) >= 2, 1, 0))' },
  ])('expression for $regions region(s)', ({ regions, quorum, min, expected }) => {
    expect(availabilityExpression(regions, quorum, min)).toBe(expected);
  });

  it('uses quorum 1 for a single-region check and the configured quorum otherwise', () => {
    const single = alarmProps(alarms, alarmName({ fleet: 'shop', kind: 'availability', subject: 'db-port' }));
    expect((single.Metrics as { Expression?: string }[])[0]?.Expression).toBe(availabilityExpression(1, 1, 1));
    const custom = synth(smallFleet({ alerting: { policy: { quorum: 3, evaluationPeriods: 5, datapointsToAlarm: 4 } } }));
    const props = alarmProps(custom.template(custom.fleet.alarmStacks[0]!), alarmName({ fleet: 'shop', kind: 'availability', subject: 'cart-page' }));
    expect(props).toMatchObject({ Threshold: 1, EvaluationPeriods: 5, DatapointsToAlarm: 4 });
    expect((props.Metrics as { Expression?: string }[])[0]?.Expression).toBe(availabilityExpression(3, 3, 2));
    expect(props.AlarmDescription).toContain('at least 3 of 3 region(s), or every reporting region when fewer report (at least 2)');
  });

  it('refuses quorum 1 for a check in 2 or more regions: one failing region never pages', () => {
    expect(() => synth(smallFleet({ alerting: { policy: { quorum: 1 } } }))).toThrow(
      expect.objectContaining({ diagnostics: [expect.objectContaining({ path: 'alerting.policy.quorum', received: '1' })] }),
    );
  });

  it('splits more than 10 regions into groups under a composite that ORs every way to reach the quorum', () => {
    const regions = Array.from({ length: 12 }, (_, i) => `xx-test-${i + 1}`);
    const wide = synth({ ...smallFleet(), regions, homeRegion: 'xx-test-1', checks: [httpCheck('wide')] });
    const template = wide.template(wide.fleet.alarmStacks[0]!);
    const name = alarmName({ fleet: 'shop', kind: 'availability', subject: 'wide' });
    // groups of 6 + 6; children "at least k of group g" for k = 1, 2
    const children = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: Match.stringLikeRegexp('^probe-fleet/shop/availability/wide_g') } });
    expect(Object.values(children).map((c) => (c as { Properties: { AlarmName: string; Threshold: number } }).Properties.AlarmName).sort()).toEqual([
      `${name}_g1k1`,
      `${name}_g1k2`,
      `${name}_g2k1`,
      `${name}_g2k2`,
    ]);
    for (const child of Object.values(children)) {
      const props = (child as { Properties: { Metrics: { Expression?: string }[]; AlarmActions?: unknown } }).Properties;
      expect(props.Metrics.filter((m) => !m.Expression)).toHaveLength(6);
      expect(props.AlarmActions).toBeUndefined();
    }
    const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'))[0] as { Properties: { AlarmName: string; AlarmRule: unknown } };
    expect(composite.Properties.AlarmName).toBe(name);
    // The rule as CloudWatch reads it, each child's ARN replaced by that child's alarm name.
    const join = composite.Properties.AlarmRule as { 'Fn::Join': [string, (string | { 'Fn::GetAtt': [string, string] })[]] };
    const nameOf = (logicalId: string): string => (template.toJSON() as { Resources: Record<string, { Properties: { AlarmName: string } }> }).Resources[logicalId]!.Properties.AlarmName;
    const rule = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : nameOf(part['Fn::GetAtt'][0]))).join('');
    // (g1 ≥ 2) OR (g1 ≥ 1 AND g2 ≥ 1) OR (g2 ≥ 2)
    expect(rule).toBe(`((ALARM("${name}_g1k2")) OR (ALARM("${name}_g1k1") AND ALARM("${name}_g2k1")) OR (ALARM("${name}_g2k2")))`);
  });
});

describe('latency and certificate alarms', () => {
  it('latency: slowest region p95 over the policy window above maxMs, missing data not breaching', () => {
    const props = alarmProps(alarms, alarmName({ fleet: 'shop', kind: 'latency', subject: 'checkout-health' }));
    expect(props).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 1500, EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: 'ignore' });
    const metrics = props.Metrics as { Expression?: string; MetricStat?: { Stat: string; Period: number; Metric: { MetricName: string } } }[];
    expect(metrics[0]?.Expression).toBe('MAX([d0, d1, d2])');
    expect(metrics.slice(1).map((m) => [m.MetricStat?.Metric.MetricName, m.MetricStat?.Stat, m.MetricStat?.Period])).toEqual(Array(3).fill(['Duration', 'p95', 900]));
    expect(props.AlarmDescription).toContain('about 15 sample(s) per region per window, fewer than the 20 a p95 needs');
    // No maxMs, no latency alarm.
    alarms.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmName: alarmName({ fleet: 'shop', kind: 'latency', subject: 'cart-page' }) }, 0);
  });

  it('latency: says when the window holds too few samples for the percentile', () => {
    const slow = synth(smallFleet({ checks: [httpCheck('slow', { schedule: '10m', maxMs: 900 })], alerting: { policy: { latencyStatistic: 'p99' } } }));
    const props = alarmProps(slow.template(slow.fleet.alarmStacks[0]!), alarmName({ fleet: 'shop', kind: 'latency', subject: 'slow' }));
    expect(props.AlarmDescription).toContain('fewer than the 100 a p99 needs');
  });

  const certificates = s.template(s.fleet.certificateStacks[0]!);
  it.each([
    { kind: 'cert-chat' as const, days: 21, route: 'chat' },
    { kind: 'cert-pager' as const, days: 7, route: 'pager' },
  ])('$kind: one per TLS endpoint, the day\'s minimum CertificateDaysRemaining below $days', ({ kind, days, route }) => {
    const props = alarmProps(certificates, alarmName({ fleet: 'shop', kind, subject: 'shop.example.com:443' }));
    expect(props).toMatchObject({
      Namespace: 'ProbeFleet',
      MetricName: 'CertificateDaysRemaining',
      Dimensions: [
        { Name: 'Endpoint', Value: 'shop.example.com:443' },
        { Name: 'Fleet', Value: 'shop' },
      ],
      Statistic: 'Minimum',
      Period: 86_400,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: days,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'ignore',
    });
    expect(routes(props.AlarmActions)).toEqual([route]);
    // A page's recovery also reaches the pager topic, so its PagerDuty/Opsgenie integration resolves.
    expect(routes(props.OKActions)).toEqual(route === 'pager' ? ['chat', 'pager'] : ['chat']);
    // Every check that depends on the certificate is named, with its owner and runbook.
    for (const id of ['checkout-health', 'cart-page', 'catalog-search']) expect(props.AlarmDescription).toContain(`- Check ${id} (production, `);
    expect(props.AlarmDescription).toContain('3 check(s) depend on it');
    expect(props.AlarmDescription).toContain('Checks: production: checkout-health, cart-page, catalog-search');
  });

  it.each([
    // The realistic fleet: 16 checks on one host, every one named.
    { count: 16, allNamed: true },
    // Far more than fit 1024 characters: the count is stated and the list ends in …
    { count: 60, allNamed: false },
  ])('a host shared by $count checks: the description names them within 1024 characters', ({ count, allNamed }) => {
    const checks = Array.from({ length: count }, (_x, i) => httpCheck(`shared-host-check-${i}`, { runbook: `https://wiki.example.com/runbooks/a-long-runbook-path-for-check-${i}` }));
    const many = synth(smallFleet({ regions: ['eu-west-1'], checks }));
    const props = alarmProps(many.template(many.fleet.certificateStacks[0]!), alarmName({ fleet: 'shop', kind: 'cert-pager', subject: 'shop.example.com:443' }));
    const description = String(props.AlarmDescription);
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
    expect(description).toContain(`${count} check(s) depend on it`);
    const named = checks.filter((c) => description.includes(`${c.id},`) || description.includes(`${c.id}\n`) || description.includes(`${c.id} (`));
    if (allNamed) expect(named).toHaveLength(count);
    else expect(description).toMatch(/Checks: production: shared-host-check-0, .*…/);
  });

  it('one pair for the whole fleet: three checks on one host give two certificate alarms, none in the check stacks', () => {
    certificates.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(JSON.stringify(alarms.findResources('AWS::CloudWatch::Alarm'))).not.toMatch(/cert-|CertDaysRemaining|CertificateDaysRemaining/);
  });

  it('no certificate alarms without an https endpoint', () => {
    const plain = synth(smallFleet({ environments: { production: { baseUrl: 'http://shop.example.com' } }, checks: [httpCheck('h'), httpCheck('i', { url: 'http://other.example.com/' })] }));
    expect(plain.fleet.certificateStacks).toHaveLength(0);
  });

  it('refuses a TLS endpoint whose certificate alarm name would pass 255 characters', () => {
    const host = `${['a', 'b', 'c', 'd'].map((l) => l.repeat(60)).join('.')}.com`;
    expect(() => synth(smallFleet({ checks: [httpCheck('h', { url: `https://${host}/health` })] }))).toThrow(
      expect.objectContaining({ diagnostics: [expect.objectContaining({ path: 'checks[0]', message: expect.stringMatching(/^alarm name too long: expected TLS endpoints whose certificate alarm names fit/) })] }),
    );
  });

  it('configurable certificate thresholds: the most cautious of the dependent checks wins', () => {
    const custom = synth(
      smallFleet({
        alerting: { policy: { certificateDays: { chat: 30, pager: 10 } } },
        checks: [httpCheck('a'), httpCheck('b', { alarm: { certificateDays: { chat: 45, pager: 5 } } })],
      }),
    );
    const t = custom.template(custom.fleet.certificateStacks[0]!);
    expect(alarmProps(t, alarmName({ fleet: 'shop', kind: 'cert-chat', subject: 'shop.example.com:443' })).Threshold).toBe(45);
    expect(alarmProps(t, alarmName({ fleet: 'shop', kind: 'cert-pager', subject: 'shop.example.com:443' })).Threshold).toBe(10);
  });

  it('the critical certificate alarm pages only when an environment that depends on it pages', () => {
    const envs = { production: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'https://staging.example.com' } };
    const two = synth(smallFleet({ environments: envs, checks: [httpCheck('h')] }));
    const t = two.template(two.fleet.certificateStacks[0]!);
    expect(routes(alarmProps(t, alarmName({ fleet: 'shop', kind: 'cert-pager', subject: 'shop.example.com:443' })).AlarmActions)).toEqual(['pager']);
    const staging = alarmProps(t, alarmName({ fleet: 'shop', kind: 'cert-pager', subject: 'staging.example.com:443' }));
    expect(routes(staging.AlarmActions)).toEqual(['chat']);
    expect(staging.AlarmDescription).toContain('no environment that depends on it pages');
    // Opting in makes staging's certificate page too.
    const optIn = synth(smallFleet({ environments: { ...envs, staging: { ...envs.staging, pages: true } }, checks: [httpCheck('h')] }));
    const o = optIn.template(optIn.fleet.certificateStacks[0]!);
    expect(routes(alarmProps(o, alarmName({ fleet: 'shop', kind: 'cert-pager', subject: 'staging.example.com:443' })).AlarmActions)).toEqual(['pager']);
  });
});

describe('heartbeats, service composites, descriptions', () => {
  // No alarm pages before its first datum: a heartbeat with no ChecksRun yet stays INSUFFICIENT_DATA
  // (the fleet-health alarms say when a shard goes silent).
  it('heartbeat per region: ChecksRun below half of what the schedules imply, 2 periods, missing data missing', () => {
    // eu-west-1 per 10 min: checkout 1m ×10, cart 5m ×2, db-port 5m ×2, catalog 10m ×1 = 15
    const eu = alarmProps(home, alarmName({ fleet: 'shop', kind: 'heartbeat', subject: 'eu-west-1' }));
    expect(eu).toMatchObject({
      MetricName: 'ChecksRun',
      Statistic: 'Sum',
      Period: 600,
      Dimensions: [
        { Name: 'Fleet', Value: 'shop' },
        { Name: 'Region', Value: 'eu-west-1' },
      ],
      Threshold: 7,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'missing',
    });
    expect(alarmProps(home, alarmName({ fleet: 'shop', kind: 'heartbeat', subject: 'us-east-1' })).Threshold).toBe(6);
  });

  it('service composite pages on any critical availability alarm; a service without critical checks warns in chat', () => {
    services.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'probe-fleet/shop/service/checkout',
      AlarmRule: 'ALARM("probe-fleet/shop/availability/checkout-health")',
      AlarmActions: [pagerArn],
      OKActions: [chatArn, pagerArn],
    });
    services.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'probe-fleet/shop/service/catalog',
      AlarmRule: 'ALARM("probe-fleet/shop/availability/catalog-search") OR ALARM("probe-fleet/shop/availability/db-port")',
      AlarmActions: [chatArn],
      OKActions: [chatArn],
    });
    expect(Object.keys(s.fleet.serviceAlarms).sort()).toEqual(['catalog', 'checkout']);
    expect(() => s.fleet.serviceAlarm('payments')).toThrow(/expected one of the fleet's services \(checkout, catalog\), received 'payments'/);
  });

  it('nests service composites beyond 100 member alarms', () => {
    const checks = Array.from({ length: 150 }, (_, i) => httpCheck(`c${i}`));
    const big = synth({ ...smallFleet(), regions: ['eu-west-1'], checks });
    const t = compositeTemplate(big);
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 3);
    const top = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: 'probe-fleet/shop/service/checkout' } }))[0] as { Properties: { AlarmRule: unknown } };
    expect(JSON.stringify(top.Properties.AlarmRule)).toContain('Servicecheckoutpart2');
  });

  it('spreads service composites over several stacks when there are very many services', () => {
    const checks = Array.from({ length: 350 }, (_, i) => httpCheck(`c${i}`, { service: `svc-${i}`, url: 'http://plain.example.com/' }));
    const many = synth({ ...smallFleet(), regions: ['eu-west-1'], checks });
    // Each composite sits beside its member alarms, in the alarm stack of its service group.
    expect(many.fleet.servicesStacks.map((st) => st.stackName)).toEqual(['probe-fleet-shop-services']);
    many.template(many.fleet.servicesStack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    let composites = 0;
    for (const stack of many.fleet.alarmStacks) {
      const count = Object.keys(many.template(stack).findResources('AWS::CloudWatch::CompositeAlarm')).length;
      expect(count, stack.stackName).toBeLessThanOrEqual(150);
      composites += count;
    }
    expect(composites).toBe(350);
    expect(Object.keys(many.fleet.serviceAlarms)).toHaveLength(350);
    const overview = JSON.stringify(many.template(many.fleet.servicesStack).findResources('AWS::CloudWatch::Dashboard'));
    expect(overview).toContain('alarm:probe-fleet/shop/service/svc-349');
    expect(overview).not.toContain('Fn::ImportValue');
  });

  it('every alarm has an explicit treatMissingData and datapointsToAlarm, a naming-function name, and a description ≤ 1024 characters with owner, runbook and dashboard', () => {
    let count = 0;
    for (const [, template] of s.templates()) {
      for (const resource of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
        const props = (resource as { Properties: Record<string, string | number> }).Properties;
        count++;
        expect(props.TreatMissingData, String(props.AlarmName)).toBeDefined();
        expect(props.DatapointsToAlarm, String(props.AlarmName)).toBeDefined();
        expect(String(props.AlarmName)).toMatch(/^probe-fleet\/shop\/(availability|latency|cert-chat|cert-pager|heartbeat)\//);
        const description = String(props.AlarmDescription);
        expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
        expect(description).toContain('Dashboard: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/probe-fleet-shop');
        if (/availability|latency/.test(String(props.AlarmName))) expect(description).toMatch(/Owner: team-[a-z]+\nRunbook: https:\/\/wiki\.example\.com\/runbooks\//);
        if (/cert-/.test(String(props.AlarmName))) expect(description).toMatch(/owner team-[a-z]+\): https:\/\/wiki\.example\.com\/runbooks\//);
      }
    }
    expect(count).toBeGreaterThan(15);
  });

  it('truncates long descriptions but keeps the owner, runbook and dashboard link', () => {
    const long = synth(smallFleet({ checks: [httpCheck('long', { expect: 'x'.repeat(900), rollbackNote: 'y'.repeat(900) })] }));
    const props = alarmProps(long.template(long.fleet.alarmStacks[0]!), alarmName({ fleet: 'shop', kind: 'availability', subject: 'long' }));
    const description = String(props.AlarmDescription);
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).toContain('Runbook: https://wiki.example.com/runbooks/long');
    expect(description).toContain('Owner: team-checkout');
    expect(description).toMatch(/Expected: x+…/);
    // The fleet's one dashboard: its Check variable shows this target.
    expect(description.endsWith('#dashboards/dashboard/probe-fleet-shop')).toBe(true);
  });

  it('names per-environment targets <check>.<environment> in dimensions and alarm names', () => {
    const two = synth(smallFleet({ environments: { production: { baseUrl: 'https://a.example.com' }, staging: { baseUrl: 'https://b.example.com' } }, checks: [httpCheck('h')] }));
    const t = two.template(two.fleet.alarmStacks[0]!);
    for (const env of ['production', 'staging']) {
      const props = alarmProps(t, alarmName({ fleet: 'shop', kind: 'availability', subject: `h.${env}` }));
      expect(JSON.stringify(props.Metrics)).toContain(`{"Name":"Check","Value":"h.${env}"}`);
    }
  });
});

describe('service composites per environment', () => {
  const multi = synth(
    smallFleet({
      regions: ['eu-west-1'],
      environments: { production: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'https://staging.shop.example.com' } },
      checks: [
        httpCheck('checkout-health'),
        httpCheck('checkout-cart', { severity: 'warning' }),
        httpCheck('checkout-prod-only', { environments: ['production'] }),
        httpCheck('catalog-search', { service: 'catalog', owner: 'team-catalog', severity: 'warning', environments: ['production'] }),
      ],
    }),
  );
  const t = compositeTemplate(multi);
  const composite = (name: string) => {
    const found = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm', { Properties: { AlarmName: name } }));
    expect(found, name).toHaveLength(1);
    return (found[0] as { Properties: { AlarmRule: string; AlarmActions: unknown; AlarmDescription: string } }).Properties;
  };

  it('a service whose checks run against several environments gets one composite per environment, each over that environment only', () => {
    t.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 3);
    const production = composite('probe-fleet/shop/service/checkout.production');
    expect(production.AlarmRule).toBe('ALARM("probe-fleet/shop/availability/checkout-health.production") OR ALARM("probe-fleet/shop/availability/checkout-prod-only")');
    expect(routes(production.AlarmActions)).toEqual(['pager']);
    expect(production.AlarmDescription).toContain('Service checkout in production');
    const staging = composite('probe-fleet/shop/service/checkout.staging');
    expect(staging.AlarmRule).toBe('ALARM("probe-fleet/shop/availability/checkout-health.staging")');
    // Staging does not page unless it says `pages: true`: its composite posts to chat.
    expect(routes(staging.AlarmActions)).toEqual(['chat']);
    expect(staging.AlarmDescription).toContain('Posts to chat (the environment does not page)');
    expect(staging.AlarmRule).not.toContain('production');
    // A single-environment service keeps its plain name (and a single-environment check its plain target).
    expect(composite('probe-fleet/shop/service/catalog').AlarmRule).toBe('ALARM("probe-fleet/shop/availability/catalog-search")');
    expect(Object.keys(multi.fleet.serviceAlarms).sort()).toEqual(['catalog', 'checkout.production', 'checkout.staging']);
    const overview = JSON.stringify(multi.template(multi.fleet.servicesStack).findResources('AWS::CloudWatch::Dashboard'));
    expect(overview).toContain('checkout (staging): availability');
  });

  it('serviceAlarm(service, environment): the environment is required only where there are several', () => {
    expect(multi.fleet.serviceAlarm('checkout', 'production')).toBe(multi.fleet.serviceAlarms['checkout.production']);
    expect(multi.fleet.serviceAlarm('checkout', 'staging')).toBe(multi.fleet.serviceAlarms['checkout.staging']);
    expect(multi.fleet.serviceAlarm('catalog')).toBe(multi.fleet.serviceAlarms.catalog);
    expect(multi.fleet.serviceAlarm('catalog', 'production')).toBe(multi.fleet.serviceAlarms.catalog);
    expect(() => multi.fleet.serviceAlarm('checkout')).toThrow(/service 'checkout' has one alarm per environment \(production, staging\); expected an environment, received none/);
    expect(() => multi.fleet.serviceAlarm('checkout', 'qa')).toThrow(/expected one of the environments of service 'checkout' \(production, staging\), received 'qa'/);
    expect(() => multi.fleet.serviceAlarm('catalog', 'staging')).toThrow(/runs against environment production only, received environment 'staging'/);
    expect(() => multi.fleet.serviceAlarm('payments', 'production')).toThrow(/expected one of the fleet's services \(checkout, catalog\), received 'payments'/);
  });

  it('refuses two service alarms that would share a name', () => {
    const clash = {
      ...smallFleet({ regions: ['eu-west-1'] }),
      environments: { production: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'https://staging.shop.example.com' } },
      checks: [httpCheck('a'), httpCheck('b', { service: 'checkout.staging', environments: ['production'] })],
    };
    // A config error naming the check whose service collides, as the CDK app prints it.
    expect(() => synth(clash)).toThrow(
      expect.objectContaining({
        kind: 'config_invalid',
        diagnostics: [expect.objectContaining({ path: 'checks[1].service', received: "'checkout.staging' → probe-fleet/shop/service/checkout.staging" })],
      }),
    );
  });
});

describe('paging follows the environment', () => {
  const cases: { name: string; environments: Record<string, { baseUrl: string; pages?: boolean }>; environment: string; route: string }[] = [
    { name: 'production pages by default', environments: { production: { baseUrl: 'https://a.example.com' } }, environment: 'production', route: 'pager' },
    { name: 'prod pages by default', environments: { prod: { baseUrl: 'https://a.example.com' } }, environment: 'prod', route: 'pager' },
    { name: 'another name posts to chat', environments: { live: { baseUrl: 'https://a.example.com' } }, environment: 'live', route: 'chat' },
    { name: 'another name opts in', environments: { live: { baseUrl: 'https://a.example.com', pages: true } }, environment: 'live', route: 'pager' },
    { name: 'production opts out', environments: { production: { baseUrl: 'https://a.example.com', pages: false } }, environment: 'production', route: 'chat' },
  ];
  it.each(cases)('$name: a critical service composite → $route', ({ environments, route }) => {
    const f = synth(smallFleet({ environments, checks: [httpCheck('h')] }));
    const props = Object.values(compositeTemplate(f).findResources('AWS::CloudWatch::CompositeAlarm'))[0] as { Properties: { AlarmActions: unknown; OKActions: unknown } };
    expect(routes(props.Properties.AlarmActions)).toEqual([route]);
    expect(routes(props.Properties.OKActions)).toEqual(route === 'pager' ? ['chat', 'pager'] : ['chat']);
  });

  it('refuses a `pages` that is not a boolean', () => {
    expect(() => synth(smallFleet({ environments: { production: { baseUrl: 'https://a.example.com', pages: 'yes' as unknown as boolean } } }))).toThrow(
      expect.objectContaining({ diagnostics: [expect.objectContaining({ path: 'environments.production.pages' })] }),
    );
  });
});
