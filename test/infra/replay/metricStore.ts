// Raw metric datums as the probes, Lambda and EventBridge would publish them, and the
// per-period statistics CloudWatch computes from them. Statistic definitions:
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
// A metric is identified by namespace, name and its exact set of dimensions; a query for
// {Fleet, Region} does not read datums published with {Fleet, Region, Check}:
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension
// Alarms read metrics of their own region only (the metric contract of this fleet; CloudWatch
// alarms cannot watch another region's metrics).

export interface Datum {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** The region the datum was published to. */
  region: string;
  /** The datum's timestamp (epoch ms): the period it falls in. */
  timestampMs: number;
  /** When CloudWatch has it (epoch ms): an evaluation before this does not see it. */
  arrivalMs: number;
  value: number;
}

export interface MetricSelector {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  region: string;
}

function key(s: Omit<MetricSelector, 'region'> & { region: string }): string {
  const dims = Object.entries(s.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${s.region}|${s.namespace}|${s.name}|${dims}`;
}

/**
 * One statistic over the raw values of a period; null for no sample. Percentiles are
 * nearest-rank over the raw values (CloudWatch computes percentiles from raw datums when
 * they are published one value at a time, as the probes do).
 */
export function statistic(values: readonly number[], stat: string): number | null {
  if (values.length === 0) return null;
  switch (stat) {
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
  const p = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (p) {
    const q = Number(p[1]);
    if (q < 0 || q > 100) throw new RangeError(`statistic ${stat}: expected p0 to p100`);
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
    return sorted[Math.min(rank, sorted.length) - 1]!;
  }
  throw new RangeError(`statistic: expected Minimum, Maximum, Sum, SampleCount, Average or pNN, received "${stat}"`);
}

interface Series {
  /** Sorted by timestamp once the first query comes. */
  datums: Datum[];
  sorted: boolean;
  /** Arrival times, sorted, for "did anything arrive in (a, b]". */
  arrivals: number[];
}

function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MetricStore {
  private readonly byMetric = new Map<string, Series>();
  count = 0;

  put(datum: Datum): void {
    const k = key(datum);
    const series = this.byMetric.get(k);
    if (series) {
      series.datums.push(datum);
      series.sorted = false;
    } else this.byMetric.set(k, { datums: [datum], sorted: false, arrivals: [] });
    this.count++;
  }

  /** Every metric that received a datum, for diagnostics. */
  metrics(): string[] {
    return [...this.byMetric.keys()];
  }

  private series(selector: MetricSelector): Series | undefined {
    const s = this.byMetric.get(key(selector));
    if (s && !s.sorted) {
      s.datums.sort((a, b) => a.timestampMs - b.timestampMs);
      s.arrivals = s.datums.map((d) => d.arrivalMs).sort((a, b) => a - b);
      s.sorted = true;
    }
    return s;
  }

  /** Raw values of one metric in [startMs, endMs) that had arrived by `asOfMs`. */
  values(selector: MetricSelector, startMs: number, endMs: number, asOfMs: number): number[] {
    const s = this.series(selector);
    if (!s) return [];
    const out: number[] = [];
    let lo = 0;
    let hi = s.datums.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s.datums[mid]!.timestampMs < startMs) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < s.datums.length && s.datums[i]!.timestampMs < endMs; i++) if (s.datums[i]!.arrivalMs <= asOfMs) out.push(s.datums[i]!.value);
    return out;
  }

  /** Whether any datum of the metric arrived in (afterMs, untilMs]. */
  arrivedBetween(selector: MetricSelector, afterMs: number, untilMs: number): boolean {
    const s = this.series(selector);
    if (!s) return false;
    const i = lowerBound(s.arrivals, afterMs + 1);
    return i < s.arrivals.length && s.arrivals[i]! <= untilMs;
  }

  /** One datapoint per period start (periods aligned to the epoch), or none where no sample. */
  periodSeries(selector: MetricSelector, stat: string, periodMs: number, periodStarts: readonly number[], asOfMs: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const start of periodStarts) {
      const v = statistic(this.values(selector, start, start + periodMs, asOfMs), stat);
      if (v !== null) out.set(start, v);
    }
    return out;
  }
}
