import { describe, expect, it } from 'vitest';
import { aggregateSamples, parsePrometheusText, selectSamples } from '../../lib/release/prometheusText.js';

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
