// The availability alarm's metric math, evaluated as CloudWatch would with an independent
// metric math evaluator (test/infra/replay/metricMath.ts), for scripted per-region values of
// one period: 1 passed, 0 failed, absent silent. The same table holds for the synthesized
// composite beyond 10 regions, and every combination agrees with the local monitor's reading.
import { describe, expect, it } from 'vitest';
import { availabilityDatapoint, type DatapointValue } from '../../lib/alerting/evaluate.js';
import { alarmName } from '../../lib/alerting/naming.js';
import type { CheckResult } from '../../lib/model/result.js';
import { availabilityExpression } from '../../lib/infra/availabilityAlarm.js';
import { evaluateExpression, type Series } from './replay/metricMath.js';
import { httpCheck, smallFleet, synth } from './synth.js';

const T = 0;
type Region = 1 | 0 | null;

/** The expression's value for one period: 1, 0, or null (no datapoint). */
function evaluate(expression: string, values: readonly Region[]): number | null {
  const ctx = {
    grid: [T],
    lookup: (id: string) => {
      const i = Number(/^m(\d+)$/.exec(id)?.[1] ?? NaN);
      const v = values[i];
      const series: Series = new Map(v === null || v === undefined ? [] : [[T, v]]);
      return { kind: 'series' as const, series };
    },
  };
  const result = evaluateExpression(expression, ctx);
  if (result.kind === 'scalar') return result.value;
  if (result.kind !== 'series') throw new Error(`expected a time series, received ${result.kind}`);
  return result.series.get(T) ?? null;
}

const P = 1 as const;
const F = 0 as const;
const _ = null;

describe('availability math: quorum among the regions that reported', () => {
  const cases: { name: string; quorum: number; minFailing: number; regions: Region[]; expected: number | null }[] = [
    { name: '3 regions, all pass', quorum: 2, minFailing: 2, regions: [P, P, P], expected: 0 },
    { name: '3 regions, one failing never pages', quorum: 2, minFailing: 2, regions: [F, P, P], expected: 0 },
    { name: '3 regions, two of three failing', quorum: 2, minFailing: 2, regions: [F, F, P], expected: 1 },
    { name: '3 regions, all failing', quorum: 2, minFailing: 2, regions: [F, F, F], expected: 1 },
    { name: '3 regions, one silent + one failing does not page', quorum: 2, minFailing: 2, regions: [_, F, P], expected: 0 },
    { name: '3 regions, one silent + two failing', quorum: 2, minFailing: 2, regions: [_, F, F], expected: 1 },
    { name: '3 regions, two silent + one failing', quorum: 2, minFailing: 2, regions: [_, _, F], expected: 0 },
    { name: '3 regions, all silent: no datapoint', quorum: 2, minFailing: 2, regions: [_, _, _], expected: null },
    { name: 'quorum 3 of 3: two failing, one passing', quorum: 3, minFailing: 2, regions: [F, F, P], expected: 0 },
    { name: 'quorum 3 of 3: two failing, one silent (every reporting region failed)', quorum: 3, minFailing: 2, regions: [F, F, _], expected: 1 },
    { name: 'quorum 3 of 3: one failing, two silent', quorum: 3, minFailing: 2, regions: [F, _, _], expected: 0 },
    { name: 'quorum 3 of 5: two failing, three passing', quorum: 3, minFailing: 2, regions: [F, F, P, P, P], expected: 0 },
    { name: 'quorum 3 of 5: three failing', quorum: 3, minFailing: 2, regions: [F, F, F, P, P], expected: 1 },
    { name: 'quorum 3 of 5: two failing, one passing, two silent', quorum: 3, minFailing: 2, regions: [F, F, P, _, _], expected: 0 },
    { name: 'quorum 3 of 5: two failing, three silent', quorum: 3, minFailing: 2, regions: [F, F, _, _, _], expected: 1 },
    { name: '2 regions, one failing, one silent', quorum: 2, minFailing: 2, regions: [F, _], expected: 0 },
    { name: '1 region, failing', quorum: 1, minFailing: 1, regions: [F], expected: 1 },
    { name: '1 region, passing', quorum: 1, minFailing: 1, regions: [P], expected: 0 },
    { name: '1 region, silent: no datapoint', quorum: 1, minFailing: 1, regions: [_], expected: null },
  ];
  it.each(cases)('$name → $expected', ({ quorum, minFailing, regions, expected }) => {
    expect(evaluate(availabilityExpression(regions.length, quorum, minFailing), regions)).toBe(expected);
  });

  it('uses only FILL, IF, AND, OR, comparisons and arithmetic, in one string', () => {
    const expression = availabilityExpression(3, 3, 2);
    expect(expression).toBe(
      'IF((FILL(m0 * 0 + 1, 0) + FILL(m1 * 0 + 1, 0) + FILL(m2 * 0 + 1, 0)) > 0, IF((FILL(1 - m0, 0) + FILL(1 - m1, 0) + FILL(1 - m2, 0)) >= 2 AND ((FILL(1 - m0, 0) + FILL(1 - m1, 0) + FILL(1 - m2, 0)) >= 3 OR (FILL(1 - m0, 0) + FILL(1 - m1, 0) + FILL(1 - m2, 0)) >= (FILL(m0 * 0 + 1, 0) + FILL(m1 * 0 + 1, 0) + FILL(m2 * 0 + 1, 0))), 1, 0))',
    );
    // CloudWatch accepts expressions up to 2048 characters (MetricDataQuery.Expression).
    expect(availabilityExpression(10, 10, 2).length).toBeLessThanOrEqual(2048);
  });

  /** Every assignment of pass/fail/silence to n regions. */
  function* assignments(n: number): Generator<Region[]> {
    if (n === 0) {
      yield [];
      return;
    }
    for (const rest of assignments(n - 1)) for (const v of [P, F, _] as Region[]) yield [...rest, v];
  }

  it('agrees with the local monitor on every combination up to 5 regions and every quorum', () => {
    let compared = 0;
    for (let n = 1; n <= 5; n++) {
      const minFailing = Math.min(2, n);
      for (let quorum = minFailing; quorum <= n; quorum++) {
        const expression = availabilityExpression(n, quorum, minFailing);
        const locations = Array.from({ length: n }, (_x, i) => `r${i}`);
        for (const regions of assignments(n)) {
          const results = regions.flatMap((v, i) => (v === null ? [] : [{ location: `r${i}`, ok: v === 1, skipped: false } as CheckResult]));
          const local: DatapointValue = availabilityDatapoint(results, locations, quorum, minFailing);
          const value = evaluate(expression, regions);
          const cloud: DatapointValue = value === null ? 'missing' : value >= 1 ? 'breaching' : 'ok';
          expect(cloud, `${n} regions, quorum ${quorum}: ${JSON.stringify(regions)}`).toBe(local);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});

/** `ALARM("a") AND (ALARM("b") OR …)` with each name's state. */
function evaluateRule(rule: string, inAlarm: (name: string) => boolean): boolean {
  const tokens = rule.match(/ALARM\("[^"]*"\)|AND|OR|\(|\)/g) ?? [];
  let i = 0;
  const primary = (): boolean => {
    const token = tokens[i++];
    if (token === '(') {
      const value = or();
      i++; // ')'
      return value;
    }
    const name = /^ALARM\("([^"]*)"\)$/.exec(token ?? '')?.[1];
    if (name === undefined) throw new Error(`rule: expected ALARM("name") or (, received ${token}`);
    return inAlarm(name);
  };
  const and = (): boolean => {
    let value = primary();
    while (tokens[i] === 'AND') {
      i++;
      value = primary() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (tokens[i] === 'OR') {
      i++;
      value = and() || value;
    }
    return value;
  };
  return or();
}

describe('beyond 10 regions: the composite of per-group children says the same', () => {
  const regions = Array.from({ length: 12 }, (_x, i) => `xx-test-${i + 1}`);
  for (const quorum of [2, 3]) {
    const wide = synth({ ...smallFleet(), regions, homeRegion: 'xx-test-1', checks: [httpCheck('wide', { alarm: { quorum } })] });
    const template = wide.template(wide.fleet.alarmStacks[0]!);
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const name = alarmName({ fleet: 'shop', kind: 'availability', subject: 'wide' });
    const composite = Object.values(json.Resources).find((r) => r.Type === 'AWS::CloudWatch::CompositeAlarm')!;
    const join = composite.Properties.AlarmRule as { 'Fn::Join': [string, (string | { 'Fn::GetAtt': [string, string] })[]] };
    const rule = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : String(json.Resources[part['Fn::GetAtt'][0]]!.Properties.AlarmName))).join('');
    const children = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties as { AlarmName: string; Threshold: number; ComparisonOperator: string; TreatMissingData: string; Metrics: { Id: string; Expression?: string; MetricStat?: { Metric: { Dimensions: { Name: string; Value: string }[] } } }[] });

    /** A child's datapoint for the period, judged as its comparison and missing-data setting say. */
    const childInAlarm = (child: (typeof children)[number], values: Map<string, Region>): boolean => {
      const expression = child.Metrics.find((m) => m.Expression !== undefined)!.Expression!;
      const byId = child.Metrics.filter((m) => m.MetricStat).map((m) => values.get(m.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'Region')!.Value) ?? null);
      const value = evaluate(expression, byId);
      if (value === null) return child.TreatMissingData === 'breaching';
      return child.ComparisonOperator === 'GreaterThanOrEqualToThreshold' ? value >= child.Threshold : value < child.Threshold;
    };

    const scenarios: { name: string; failing: number[]; silent: number[]; expected: boolean }[] = [
      { name: 'one failing', failing: [0], silent: [], expected: false },
      { name: 'two failing, one in each group', failing: [0, 11], silent: [], expected: quorum <= 2 },
      { name: 'three failing across groups', failing: [0, 1, 11], silent: [], expected: true },
      { name: 'one failing, the rest silent', failing: [3], silent: [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11], expected: false },
      { name: 'two failing, the rest silent (every reporting region failed)', failing: [3, 8], silent: [0, 1, 2, 4, 5, 6, 7, 9, 10, 11], expected: true },
      { name: 'two failing, one passing, the rest silent', failing: [3, 8], silent: [0, 1, 2, 4, 5, 6, 7, 9, 10], expected: quorum <= 2 },
      { name: 'all silent', failing: [], silent: regions.map((_x, i) => i), expected: false },
    ];
    it.each(scenarios)(`quorum ${quorum}: $name → $expected`, ({ failing, silent, expected }) => {
      const values = new Map<string, Region>(regions.map((r, i) => [r, silent.includes(i) ? null : failing.includes(i) ? F : P]));
      const states = new Map(children.map((c) => [c.AlarmName, childInAlarm(c, values)]));
      expect(evaluateRule(rule, (n) => states.get(n) ?? false), rule).toBe(expected);
      // The single-alarm math of up to 10 regions gives the same verdict for the same counts.
      const asOne = evaluate(availabilityExpression(12, quorum, 2), regions.map((r) => values.get(r) ?? null));
      expect(asOne === 1).toBe(expected);
    });

    it(`quorum ${quorum}: the composite is ${name}`, () => {
      expect(composite.Properties.AlarmName).toBe(name);
    });
  }
});
