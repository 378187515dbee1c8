import { describe, expect, it } from 'vitest';
import type { HistogramBucket, TimedValue } from '../../lib/release/prometheusText.js';
import { aggregateSamples, counterIncrease, histogramQuantile, parseBucketBound, parsePrometheusText, selectSamples } from '../../lib/release/prometheusText.js';

const EXPOSITION = [
  '# HELP process_resident_memory_bytes Resident memory size in bytes.',
  '# TYPE process_resident_memory_bytes gauge',
  'process_resident_memory_bytes 1.234e+08',
  '# a free comment',
  '',
  '# HELP http_requests_total The total number of HTTP requests.\\nWith a second line.',
  '# TYPE http_requests_total counter',
  'http_requests_total{method="post",code="200"} 1027 1395066363000',
  'http_requests_total{method="post",code="400"}    3 1395066363000',
  'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
  'metric_without_timestamp_and_labels 12.47',
  'something_weird{problem="division by zero"} +Inf -3982045',
  'not_a_number NaN',
  'negative_inf -Inf',
  'db_pool_connections{pool="main",} 7',
  'db_pool_connections{pool="replica"} 3',
  '\thttp_request_duration_seconds_bucket{le="+Inf"} 144320',
].join('\n');

describe('parsePrometheusText', () => {
  const parsed = parsePrometheusText(EXPOSITION);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const { exposition } = parsed;

  it('reads every sample, type and unescaped help text', () => {
    expect(exposition.samples).toHaveLength(11);
    expect(exposition.types).toEqual({ process_resident_memory_bytes: 'gauge', http_requests_total: 'counter' });
    expect(exposition.help.http_requests_total).toBe('The total number of HTTP requests.\nWith a second line.');
  });

  const table: { name: string; labels?: Record<string, string>; value: number; timestampMs?: number; expectLabels?: Record<string, string> }[] = [
    { name: 'process_resident_memory_bytes', value: 123_400_000 },
    { name: 'http_requests_total', labels: { code: '400' }, value: 3, timestampMs: 1395066363000 },
    { name: 'msdos_file_access_time_seconds', value: 1.458255915e9, expectLabels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' } },
    { name: 'something_weird', value: Number.POSITIVE_INFINITY, timestampMs: -3982045 },
    { name: 'negative_inf', value: Number.NEGATIVE_INFINITY },
    { name: 'db_pool_connections', labels: { pool: 'main' }, value: 7 },
    { name: 'http_request_duration_seconds_bucket', labels: { le: '+Inf' }, value: 144320 },
  ];
  for (const row of table) {
    it(`${row.name}${JSON.stringify(row.labels ?? {})} = ${row.value}`, () => {
      const [sample, ...more] = selectSamples(exposition, row.name, row.labels);
      expect(more).toHaveLength(0);
      expect(sample?.value).toBe(row.value);
      expect(sample?.timestampMs).toBe(row.timestampMs);
      if (row.expectLabels) expect(sample?.labels).toEqual(row.expectLabels);
    });
  }

  it('keeps NaN as NaN, and aggregation leaves it out', () => {
    const nan = selectSamples(exposition, 'not_a_number');
    expect(Number.isNaN(nan[0]?.value)).toBe(true);
    expect(aggregateSamples(nan, 'sum')).toBeNull();
    expect(aggregateSamples(selectSamples(exposition, 'db_pool_connections'), 'sum')).toBe(10);
    expect(aggregateSamples(selectSamples(exposition, 'db_pool_connections'), 'max')).toBe(7);
    expect(aggregateSamples(selectSamples(exposition, 'db_pool_connections'), 'avg')).toBe(5);
  });

  const bad: { name: string; text: string; message: RegExp; line: number }[] = [
    { name: 'a value that is not a number', text: 'ok 1\nmemory twelve', message: /line 2: expected a number/, line: 2 },
    { name: 'an unterminated label value', text: 'm{a="b} 1', message: /unterminated value for label a/, line: 1 },
    { name: 'an unknown escape', text: 'm{a="\\t"} 1', message: /unknown escape/, line: 1 },
    { name: 'a missing value', text: 'm{a="b"}', message: /expected whitespace and a value/, line: 1 },
    { name: 'a fractional timestamp', text: 'm 1 1.5', message: /integer timestamp/, line: 1 },
    { name: 'a duplicate label', text: 'm{a="1",a="2"} 1', message: /appears twice/, line: 1 },
    { name: 'an unknown TYPE', text: '# TYPE m meter\nm 1', message: /expected a TYPE/, line: 1 },
  ];
  for (const row of bad) {
    it(`rejects ${row.name}, naming the line`, () => {
      const result = parsePrometheusText(row.text);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.kind).toBe('prometheus_parse');
        expect(result.error.line).toBe(row.line);
        expect(result.error.message).toMatch(row.message);
      }
    });
  }
});

describe('counterIncrease (PromQL increase semantics)', () => {
  const every = (stepMs: number, values: number[], from = 0): TimedValue[] => values.map((value, i) => ({ t: from + i * stepMs, value }));
  const M = 60_000;
  const table: { name: string; samples: TimedValue[]; range: [number, number]; expected: number | null }[] = [
    // Prometheus' own functions.test: http_requests{path="/foo"} 0+10x10 and {path="/bar"} 0+10x5 0+10x5.
    { name: 'a steady counter over exactly its samples', samples: every(5 * M, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]), range: [0, 50 * M], expected: 100 },
    { name: 'a reset adds back the value before the drop', samples: every(5 * M, [0, 10, 20, 30, 40, 50, 0, 10, 20, 30, 40]), range: [0, 50 * M], expected: 90 },
    { name: 'a range wider than the samples, counter from 0: no extrapolation below zero', samples: every(5 * M, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]), range: [-50 * M, 50 * M], expected: 100 },
    // 10..40 at 1..4 min in [0, 5 min]: both edges within 1.1 intervals, so extrapolated to them: 30 × 5/3.
    { name: 'extrapolated to edges within 1.1 intervals', samples: every(M, [10, 20, 30, 40], M), range: [0, 5 * M], expected: 50 },
    // Edges 10 and 8 minutes away: half an interval each way: 20 × 3/2.
    { name: 'half an interval towards edges further away', samples: every(M, [100, 110, 120], 10 * M), range: [0, 20 * M], expected: 30 },
    // 1, 11, 21 at 2..4 min: it would have been 0 a tenth of a minute before the first sample.
    { name: 'never extrapolated to before the counter was zero', samples: every(M, [1, 11, 21], 2 * M), range: [0, 5 * M], expected: 31 },
    { name: 'one sample in the range says nothing', samples: every(M, [5, 6, 7]), range: [0, 30_000], expected: null },
    { name: 'samples outside the range are not used', samples: every(M, [0, 1000, 1010, 1020, 5000]), range: [M, 3 * M], expected: 20 },
  ];
  for (const row of table) {
    it(row.name, () => {
      const value = counterIncrease(row.samples, row.range[0], row.range[1]);
      if (row.expected === null) expect(value).toBeNull();
      else expect(value).toBeCloseTo(row.expected, 9);
    });
  }
});

describe('histogramQuantile (PromQL histogram_quantile semantics)', () => {
  // Prometheus' own histograms.test, testhistogram_bucket at 50m.
  const positive: HistogramBucket[] = [
    { upperBound: 0.1, count: 50 },
    { upperBound: 0.2, count: 70 },
    { upperBound: 1, count: 110 },
    { upperBound: Number.POSITIVE_INFINITY, count: 120 },
  ];
  const negative: HistogramBucket[] = [
    { upperBound: -0.2, count: 10 },
    { upperBound: -0.1, count: 20 },
    { upperBound: 0.3, count: 20 },
    { upperBound: Number.POSITIVE_INFINITY, count: 30 },
  ];
  const table: { name: string; q: number; buckets: HistogramBucket[]; expected: number }[] = [
    { name: 'below 0 is -Inf', q: -0.1, buckets: positive, expected: Number.NEGATIVE_INFINITY },
    { name: 'above 1 is +Inf', q: 1.01, buckets: positive, expected: Number.POSITIVE_INFINITY },
    { name: 'q=0 in a positive lowest bucket starts at 0', q: 0, buckets: positive, expected: 0 },
    { name: 'q=0 in a negative lowest bucket is its bound', q: 0, buckets: negative, expected: -0.2 },
    { name: 'q=1 is the highest finite bound', q: 1, buckets: positive, expected: 1 },
    { name: 'q=1, negative histogram', q: 1, buckets: negative, expected: 0.3 },
    { name: 'interpolated inside the lowest bucket', q: 0.2, buckets: positive, expected: 0.048 },
    { name: 'interpolated inside the second bucket', q: 0.5, buckets: positive, expected: 0.15 },
    { name: 'interpolated inside the third bucket', q: 0.8, buckets: positive, expected: 0.72 },
    { name: 'lowest bucket with a negative bound', q: 0.2, buckets: negative, expected: -0.2 },
    { name: 'between two negative bounds', q: 0.5, buckets: negative, expected: -0.15 },
    { name: 'a rank in the +Inf bucket is the highest finite bound', q: 0.8, buckets: negative, expected: 0.3 },
    { name: 'bucket order does not matter', q: 0.5, buckets: [...positive].reverse(), expected: 0.15 },
    {
      name: 'non-monotonic counts are raised to the running maximum',
      q: 0.5,
      buckets: [{ upperBound: 0.1, count: 50 }, { upperBound: 0.2, count: 45 }, { upperBound: 1, count: 110 }, { upperBound: Number.POSITIVE_INFINITY, count: 120 }],
      expected: 0.2 + 0.8 * (10 / 60),
    },
  ];
  for (const row of table) {
    it(`${row.name}: φ=${row.q} → ${row.expected}`, () => {
      expect(histogramQuantile(row.q, row.buckets)).toBeCloseTo(row.expected, 12);
    });
  }
  const nan: { name: string; buckets: HistogramBucket[] }[] = [
    { name: 'no +Inf bucket', buckets: positive.slice(0, 3) },
    { name: 'a single bucket', buckets: positive.slice(3) },
    { name: 'no observations', buckets: positive.map((b) => ({ ...b, count: 0 })) },
  ];
  for (const row of nan) it(`NaN with ${row.name}`, () => expect(histogramQuantile(0.5, row.buckets)).toBeNaN());

  it('reads le labels as Prometheus writes them', () => {
    expect(['0.1', '.2', '1e0', '+Inf', '-0.1', 'x', undefined].map(parseBucketBound)).toEqual([0.1, 0.2, 1, Number.POSITIVE_INFINITY, -0.1, null, null]);
  });
});
