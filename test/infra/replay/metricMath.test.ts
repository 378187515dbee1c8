// The replay's metric math evaluator against the examples and rules of the CloudWatch User
// Guide, "Using math expressions with CloudWatch metrics":
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
import { describe, expect, it } from 'vitest';
import { evaluateExpression, MetricMathError, parseExpression, type Series, type Value } from './metricMath.js';
import { statistic } from './metricStore.js';

const GRID = [0, 1, 2, 3, 4];

/** `[30, 20, -, 0]` → a series on GRID, `-` for no datapoint. */
function ts(...values: (number | '-')[]): Series {
  const s: Series = new Map();
  values.forEach((v, i) => {
    if (v !== '-') s.set(GRID[i]!, v);
  });
  return s;
}

function run(expression: string, vars: Record<string, Series>): (number | '-')[] | number {
  const v: Value = evaluateExpression(expression, {
    grid: GRID,
    lookup: (id) => {
      const s = vars[id];
      if (!s) throw new Error(`no ${id}`);
      return { kind: 'series', series: s };
    },
  });
  if (v.kind === 'scalar') return v.value;
  if (v.kind !== 'series') throw new Error(`expected a series, got ${v.kind}`);
  return trim(GRID.map((t) => v.series.get(t) ?? '-'));
}

/** Trailing periods without a datapoint are left off, so examples read as the documentation writes them. */
function trim(values: (number | '-')[]): (number | '-')[] {
  const out = [...values];
  while (out.at(-1) === '-') out.pop();
  return out;
}

describe('documented examples', () => {
  // "Comparison and logical operators": metric1 [30, 20, 0, 0], metric2 [20, -, 20, -].
  const metric1 = ts(30, 20, 0, 0);
  const metric2 = ts(20, '-', 20, '-');
  it.each([
    ['metric1 < metric2', [0, 0, 1, 0]],
    ['metric1 >= 30', [1, 0, 0, 0]],
    ['metric1 > 15 AND metric2 > 15', [1, 0, 0, 0]],
    ['metric1 > 15 && metric2 > 15', [1, 0, 0, 0]],
  ])('%s → %j', (expression, want) => {
    expect(run(expression, { metric1, metric2 })).toEqual(trim(want));
  });

  // "Using IF expressions": the three tables.
  const c = ts(1, 1, 0, 0, '-');
  const a = ts(30, '-', 0, 0, 30);
  const b = ts(0, 0, 20, '-', 20);
  it.each([
    ['IF(metric1, metric2, metric3)', [30, 0, 20, '-', '-']],
    ['IF(metric1, 5, metric3)', [5, 5, 20, '-', '-']],
    ['IF(metric1, metric2, 5)', [30, 0, 5, 5, '-']],
  ])('%s → %j', (expression, want) => {
    expect(run(expression, { metric1: c, metric2: a, metric3: b })).toEqual(trim(want as (number | '-')[]));
  });
});

describe('arithmetic, FILL and the array functions', () => {
  const cases: { name: string; expression: string; vars: Record<string, Series>; want: (number | '-')[] | number }[] = [
    { name: 'a missing value counts as 0 in arithmetic', expression: 'm1 + m2', vars: { m1: ts(1, '-', 1), m2: ts(1, 1, '-') }, want: [2, 1, 1] },
    { name: 'no operand has the timestamp: no datapoint', expression: 'm1 + m2', vars: { m1: ts(1, '-', 1), m2: ts(1, '-', '-') }, want: [2, '-', 1] },
    { name: 'division by zero drops the datapoint', expression: 'm1 / m2', vars: { m1: ts(4, 4, 4), m2: ts(2, 0, '-') }, want: [2, '-', '-'] },
    { name: 'scalar minus a series', expression: '3 - m1', vars: { m1: ts(1, 0, '-') }, want: [2, 3, '-'] },
    { name: 'precedence: * before +, unary minus, ^ right-associative', expression: '1 + 2 * m1 ^ 2 - -1', vars: { m1: ts(3) }, want: [20] },
    { name: 'parentheses', expression: '(1 + m1) * 2', vars: { m1: ts(3) }, want: [8] },
    { name: 'FILL with a constant fills every period of the range', expression: 'FILL(m1, 0)', vars: { m1: ts('-', 1, '-') }, want: [0, 1, 0, 0, 0] },
    { name: 'FILL of a series with no datapoint at all still fills the range', expression: 'FILL(m1, 7)', vars: { m1: ts() }, want: [7, 7, 7, 7, 7] },
    { name: 'FILL REPEAT carries the last real value forward, not backward', expression: 'FILL(m1, REPEAT)', vars: { m1: ts('-', 10, '-', 30, '-') }, want: ['-', 10, 10, 30, 30] },
    { name: 'FILL LINEAR interpolates between real values only', expression: 'FILL(m1, LINEAR)', vars: { m1: ts('-', 10, '-', 30, '-') }, want: ['-', 10, 20, 30, '-'] },
    { name: 'FILL with a series fills from it', expression: 'FILL(m1, m2)', vars: { m1: ts(1, '-', '-'), m2: ts(9, 8, '-') }, want: [1, 8, '-', '-', '-'] },
    { name: 'the failing-regions count of three regions', expression: '3 - (FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0))', vars: { m0: ts(1, 1, '-'), m1: ts(1, 0, '-'), m2: ts(0, 1, '-') }, want: [1, 1, 3, 3, 3] },
    { name: 'reporting regions: m*0+1 marks a report, FILL 0 the silence', expression: 'FILL(m0 * 0 + 1, 0) + FILL(m1 * 0 + 1, 0)', vars: { m0: ts(0, '-', '-'), m1: ts(1, 1, '-') }, want: [2, 1, 0, 0, 0] },
    { name: 'IF without a false value drops the datapoint', expression: 'IF(m1 > 0, m2)', vars: { m1: ts(1, 0, 2), m2: ts(5, 5, '-') }, want: [5, '-', 0] },
    { name: 'MIN of an array takes the values present', expression: 'MIN([m1, m2])', vars: { m1: ts(20, '-', 3), m2: ts(6, 8, '-') }, want: [6, 8, 3] },
    { name: 'MAX of an array', expression: 'MAX([m1, m2])', vars: { m1: ts(20, '-', 3), m2: ts(6, 8, '-') }, want: [20, 8, 3] },
    { name: 'SUM of an array', expression: 'SUM([m1, m2])', vars: { m1: ts(20, '-', 3), m2: ts(6, 8, '-') }, want: [26, 8, 3] },
    { name: 'AVG of an array counts a missing member as 0', expression: 'AVG([m1, m2])', vars: { m1: ts(20, '-', 3), m2: ts(6, 8, '-') }, want: [13, 4, 1.5] },
    { name: 'MIN of one series is a scalar', expression: 'm1 - MIN(m1)', vars: { m1: ts(5, 3, 4) }, want: [2, 0, 1] },
    { name: 'FLOOR per datapoint', expression: 'FLOOR(m1 / 2)', vars: { m1: ts(5, 3, '-') }, want: [2, 1, '-'] },
    { name: 'OR with a missing side reads it as 0', expression: 'm1 OR m2', vars: { m1: ts(0, 0, '-'), m2: ts(0, 1, 1) }, want: [0, 1, 1] },
    { name: 'array arithmetic applies per member', expression: 'SUM([m1, m2] * 2)', vars: { m1: ts(1), m2: ts(2) }, want: [6] },
  ];
  it.each(cases)('$name: $expression', ({ expression, vars, want }) => {
    expect(run(expression, vars)).toEqual(typeof want === 'number' ? want : trim(want));
  });
});

describe('time functions', () => {
  // 2026-11-23 is a Monday; the grid is 6-hourly from Sunday 18:00 UTC.
  const start = Date.parse('2026-11-22T18:00:00Z');
  const grid = [0, 1, 2, 3].map((i) => start + i * 6 * 3_600_000);
  const at = (expression: string): number[] => {
    const v = evaluateExpression(expression, { grid, lookup: () => ({ kind: 'series', series: new Map([[grid[1]!, 5]]) }) });
    if (v.kind !== 'series') throw new Error(v.kind);
    return grid.map((t) => v.series.get(t) ?? NaN);
  };
  it.each([
    ['DAY(m1)', [7, 1, 1, 1]],
    ['HOUR(m1)', [18, 0, 6, 12]],
    ['MINUTE(m1)', [0, 0, 0, 0]],
    ['DATE(m1)', [22, 23, 23, 23]],
    ['MONTH(m1)', [11, 11, 11, 11]],
    ['IF(DAY(m1) <= 5 AND HOUR(m1) >= 6, 1, 0)', [0, 0, 1, 1]],
  ])('%s is non-sparse over the range', (expression, want) => {
    expect(at(expression)).toEqual(want);
  });
});

describe('parse errors say where', () => {
  it.each([
    ['m1 +', /expected a value, received the end/],
    ['FILL(m1, 0', /expected "\)"/],
    ['m1 $ 2', /unexpected character at 3: "\$ 2"/],
    ['NOPE(m1)', /NOPE: function not supported/],
  ])('%s', (expression, message) => {
    expect(() => run(expression, { m1: ts(1) })).toThrow(message);
    expect(() => run(expression, { m1: ts(1) })).toThrow(MetricMathError);
  });
  it('AND binds tighter than OR, comparison tighter than AND', () => {
    expect(parseExpression('a > 1 OR b AND c')).toEqual({
      type: 'binary',
      op: 'OR',
      left: { type: 'binary', op: '>', left: { type: 'id', name: 'a' }, right: { type: 'number', value: 1 } },
      right: { type: 'binary', op: 'AND', left: { type: 'id', name: 'b' }, right: { type: 'id', name: 'c' } },
    });
  });
});

describe('statistics of a period', () => {
  const values = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10];
  it.each([
    ['Minimum', 1],
    ['Maximum', 10],
    ['Sum', 55],
    ['SampleCount', 10],
    ['Average', 5.5],
    ['p50', 5],
    ['p90', 9],
    ['p95', 10],
    ['p99.9', 10],
    ['p10', 1],
  ])('%s', (stat, want) => {
    expect(statistic(values, stat)).toBe(want);
  });
  it('no sample is no datapoint, not 0', () => {
    expect(statistic([], 'Sum')).toBeNull();
  });
  it('an unknown statistic is an error', () => {
    expect(() => statistic([1], 'Median')).toThrow(/received "Median"/);
  });
});
