import { describe, it, expect } from 'vitest';
import { toEmfDocuments } from '../../lib/publish/cloudwatch/emf.js';
import { batchDatums, datumBytes, envelopeBytes, DatumTooLargeError } from '../../lib/publish/cloudwatch/batch.js';
import type { MetricDatum } from '../../lib/publish/cloudwatch/metricDatums.js';
import { emfProblems } from './emfValidator.js';

const T = new Date('2026-11-22T00:05:00.000Z');
const datum = (MetricName: string, Values: number[], Counts = Values.map(() => 1), check = 'health'): MetricDatum => ({
  MetricName,
  Dimensions: [{ Name: 'Fleet', Value: 'shop' }, { Name: 'Check', Value: check }, { Name: 'Region', Value: 'eu-west-1' }],
  Unit: 'Count',
  Values,
  Counts,
  Timestamp: T,
});

describe('toEmfDocuments', () => {
  it('writes one document per dimension set, single values as numbers, counted values repeated', () => {
    const docs = toEmfDocuments([datum('Success', [1]), datum('Duration', [5, 7], [2, 1]), datum('Success', [0], [1], 'other')], 'ProbeFleet');
    expect(docs).toEqual([
      {
        _aws: { Timestamp: T.getTime(), CloudWatchMetrics: [{ Namespace: 'ProbeFleet', Dimensions: [['Fleet', 'Check', 'Region']], Metrics: [{ Name: 'Success', Unit: 'Count' }, { Name: 'Duration', Unit: 'Count' }] }] },
        Fleet: 'shop',
        Check: 'health',
        Region: 'eu-west-1',
        Success: 1,
        Duration: [5, 5, 7],
      },
      {
        _aws: { Timestamp: T.getTime(), CloudWatchMetrics: [{ Namespace: 'ProbeFleet', Dimensions: [['Fleet', 'Check', 'Region']], Metrics: [{ Name: 'Success', Unit: 'Count' }] }] },
        Fleet: 'shop',
        Check: 'other',
        Region: 'eu-west-1',
        Success: 0,
      },
    ]);
  });

  it('splits past 100 metrics per directive and 100 values per metric', () => {
    const many = Array.from({ length: 150 }, (_, i) => datum(`M${i}`, [i]));
    const long = datum('Duration', Array.from({ length: 150 }, (_, i) => i), Array.from({ length: 150 }, () => 2));
    const docs = toEmfDocuments([...many, long], 'ProbeFleet');
    for (const doc of docs) expect(emfProblems(JSON.stringify(doc))).toEqual([]);
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([100, 51, 1, 1]);
    const durations = docs.flatMap((d) => (d.Duration === undefined ? [] : (d.Duration as number[])));
    expect(durations).toHaveLength(300);
  });

  it('refuses more than 30 dimensions', () => {
    const wide: MetricDatum = { ...datum('M', [1]), Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `D${i}`, Value: 'v' })) };
    expect(() => toEmfDocuments([wide], 'N')).toThrow(/30 dimensions, received 31/);
  });
});

describe('batchDatums', () => {
  it('fills a call to exactly the byte limit before starting the next, keeping order', () => {
    const datums = Array.from({ length: 10 }, (_, i) => datum(`M${i}`, [i]));
    const size = datumBytes(datums[0]!) + 1;
    const limit = envelopeBytes('N') + size * 4;
    const batches = batchDatums(datums, 'N', { maxDatums: 1000, maxBytes: limit });
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat().map((d) => d.MetricName)).toEqual(datums.map((d) => d.MetricName));
    // What the SDK serializes is within the limit.
    for (const batch of batches) {
      expect(Buffer.byteLength(JSON.stringify({ Namespace: 'N', MetricData: batch.map((d) => ({ ...d, Timestamp: d.Timestamp.getTime() / 1000 })) }))).toBeLessThanOrEqual(limit);
    }
  });

  it('respects the datum count, and throws a kind for a datum no call can carry', () => {
    expect(batchDatums(Array.from({ length: 2001 }, (_, i) => datum(`M${i}`, [i])), 'N').map((b) => b.length)).toEqual([1000, 1000, 1]);
    expect(batchDatums([], 'N')).toEqual([]);
    const error = (() => {
      try {
        batchDatums([datum('M', [1])], 'N', { maxDatums: 1000, maxBytes: 50 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DatumTooLargeError);
    expect(error).toMatchObject({ kind: 'datum_too_large', retryable: false });
  });
});
