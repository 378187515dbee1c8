import { describe, expect, it } from 'vitest';
import { validateFleet } from '../../lib/config/validate.js';
import { validateReleaseConfig } from '../../lib/release/validateRelease.js';
import { check, fleet } from './helpers.js';

const GOOD = {
  canary: {
    cloudwatch: [
      {
        name: 'canary-5xx-rate',
        region: 'eu-west-1',
        successCondition: '<=0.01',
        queries: [
          { id: 'errors', metric: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: { TargetGroup: 'tg' } }, stat: 'Sum' },
          { id: 'requests', metric: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount' }, stat: 'Sum' },
          { id: 'rate', expression: 'errors / requests' },
        ],
      },
    ],
  },
  watch: {
    series: { heap: { prometheus: { metric: 'nodejs_heap_size_used_bytes', labels: { app: 'shop' }, aggregate: 'max' } } },
    plans: {
      quick: {
        probeInterval: '10s',
        steps: [
          { name: 'no errors', at: '0s', judge: { kind: 'errorRate', max: 0 } },
          { name: 'heap flat', at: '5m', window: '5m', judge: { kind: 'trend', series: 'heap', maxRelativeSlopePerMinute: 0.01 } },
        ],
      },
    },
  },
};

describe('validateReleaseConfig', () => {
  it('accepts a complete release section, and an absent one', () => {
    expect(validateReleaseConfig(GOOD, 'release')).toEqual([]);
    expect(validateReleaseConfig(undefined, 'release')).toEqual([]);
  });

  const table: { name: string; release: unknown; path: string; message: RegExp }[] = [
    { name: 'not an object', release: 'yes', path: 'release', message: /expected an object with canary and\/or watch, received "yes"/ },
    { name: 'an unknown key', release: { canaries: {} }, path: 'release.canaries', message: /unknown key/ },
    {
      name: 'a canary source without a success condition',
      release: { canary: { cloudwatch: [{ name: 'x', queries: [{ id: 'a', expression: '1' }] }] } },
      path: 'release.canary.cloudwatch[0].successCondition',
      message: /expected a comparison such as '<=0.01'/,
    },
    {
      name: 'a query id CloudWatch would reject',
      release: { canary: { cloudwatch: [{ name: 'x', successCondition: '<1', queries: [{ id: 'Errors', expression: '1' }] }] } },
      path: 'release.canary.cloudwatch[0].queries[0].id',
      message: /lowercase letter/,
    },
    {
      name: 'an unknown statistic',
      release: { canary: { cloudwatch: [{ name: 'x', successCondition: '<1', queries: [{ id: 'a', metric: { namespace: 'N', metricName: 'M' }, stat: 'Median' }] }] } },
      path: 'release.canary.cloudwatch[0].queries[0].stat',
      message: /a statistic/,
    },
    {
      name: 'a period CloudWatch does not offer',
      release: { canary: { cloudwatch: [{ name: 'x', successCondition: '<1', periodSeconds: 45, queries: [{ id: 'a', expression: '1' }] }] } },
      path: 'release.canary.cloudwatch[0].periodSeconds',
      message: /multiple of 60, received 45/,
    },
    {
      name: 'a step offset that is not a duration',
      release: { watch: { plans: { p: { steps: [{ name: 's', at: 'soon', judge: { kind: 'errorRate', max: 0 } }] } } } },
      path: 'release.watch.plans.p.steps[0].at',
      message: /duration/,
    },
    {
      name: 'steps out of time order',
      release: { watch: { plans: { p: { steps: [{ name: 'a', at: '5m', judge: { kind: 'errorRate', max: 0 } }, { name: 'b', at: '2m', judge: { kind: 'errorRate', max: 0 } }] } } } },
      path: 'release.watch.plans.p.steps[1].at',
      message: /steps must be in time order/,
    },
    {
      name: 'an error rate above 1',
      release: { watch: { plans: { p: { steps: [{ name: 'a', at: '0s', judge: { kind: 'errorRate', max: 5 } }] } } } },
      path: 'release.watch.plans.p.steps[0].judge.max',
      message: /a fraction from 0 to 1 \(0 means no probe may fail\), received 5/,
    },
    {
      name: 'a trend over an unknown series',
      release: { watch: { plans: { p: { steps: [{ name: 'a', at: '1m', judge: { kind: 'trend', series: 'heap', maxSlopePerMinute: 1 } }] } } } },
      path: 'release.watch.plans.p.steps[0].judge.series',
      message: /one of memory, dbPool, received "heap"/,
    },
    {
      name: 'a trend without a tolerance',
      release: { watch: { plans: { p: { steps: [{ name: 'a', at: '1m', judge: { kind: 'trend', series: 'memory' } }] } } } },
      path: 'release.watch.plans.p.steps[0].judge',
      message: /a trend needs a tolerance/,
    },
    {
      name: 'a series with two sources',
      release: { watch: { series: { m: { prometheus: { metric: 'a' }, cloudwatch: {} } } } },
      path: 'release.watch.series.m',
      message: /exactly one of/,
    },
  ];
  for (const row of table) {
    it(`rejects ${row.name} at ${row.path}`, () => {
      const diagnostics = validateReleaseConfig(row.release, 'release');
      const found = diagnostics.find((d) => d.path === row.path);
      expect(found, JSON.stringify(diagnostics)).toBeDefined();
      expect(found!.message).toMatch(row.message);
    });
  }

  it('runs inside validateFleet, reported with every other problem at once', () => {
    const result = validateFleet({ ...fleet({ prod: 'https://shop.example' }, [check('products')]), release: { watch: { plans: { p: { steps: [] } } } } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics.map((d) => d.path)).toContain('release.watch.plans.p.steps');
    expect(validateFleet({ ...fleet({ prod: 'https://shop.example' }, [check('products')]), release: GOOD }).ok).toBe(true);
  });
});
