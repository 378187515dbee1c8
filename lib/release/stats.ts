// Small statistics shared by canary and watch judgements.

/**
 * Percentile with linear interpolation between closest ranks (numpy's default, R type 7),
 * so p95 of a handful of samples moves smoothly instead of jumping to the maximum. Null when empty.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const fraction = position - lower;
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * fraction;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export interface Point {
  /** Epoch milliseconds (plan time for the watch). */
  t: number;
  value: number;
}

export interface Trend {
  /** Least-squares slope in value units per minute. */
  slopePerMinute: number;
  /** The slope as a fraction of the series' mean, per minute (null when the mean is 0). */
  relativeSlopePerMinute: number | null;
  mean: number;
  points: number;
}

/** Ordinary least-squares fit of value against time; null with fewer than 3 points or no spread in time. */
export function leastSquaresTrend(points: readonly Point[]): Trend | null {
  if (points.length < 3) return null;
  const n = points.length;
  const t0 = points[0]!.t;
  // Minutes relative to the first point keep the sums small and the slope in per-minute units.
  const xs = points.map((p) => (p.t - t0) / 60_000);
  const ys = points.map((p) => p.value);
  const meanX = xs.reduce((s, v) => s + v, 0) / n;
  const meanY = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - meanY);
  }
  if (sxx === 0) return null;
  const slopePerMinute = sxy / sxx;
  return { slopePerMinute, relativeSlopePerMinute: meanY === 0 ? null : slopePerMinute / Math.abs(meanY), mean: meanY, points: n };
}

export interface RobustTrend {
  /** Repeated-median slope in value units per minute. */
  slopePerMinute: number;
  /** The slope as a fraction of the median value, per minute (null when the median is 0). */
  relativeSlopePerMinute: number | null;
  median: number;
  points: number;
}

/**
 * Siegel's repeated-median slope: for each point, the median of its slopes to every other point;
 * then the median of those. Half the points may be outliers (a warm-up still ending, a GC dip)
 * before the slope moves, against 29 % for Theil–Sen and a single point for least squares.
 * Null with fewer than 3 points or no spread in time. O(n²): a watch window holds at most a few
 * hundred samples.
 */
export function repeatedMedianSlope(points: readonly Point[]): RobustTrend | null {
  if (points.length < 3) return null;
  const t0 = points[0]!.t;
  const xs = points.map((p) => (p.t - t0) / 60_000);
  const ys = points.map((p) => p.value);
  const perPoint: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const slopes: number[] = [];
    for (let j = 0; j < xs.length; j++) {
      if (j !== i && xs[j] !== xs[i]) slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
    }
    if (slopes.length > 0) perPoint.push(percentile(slopes, 50)!);
  }
  if (perPoint.length < 3) return null;
  const slopePerMinute = percentile(perPoint, 50)!;
  const median = percentile(ys, 50)!;
  return { slopePerMinute, relativeSlopePerMinute: median === 0 ? null : slopePerMinute / Math.abs(median), median, points: points.length };
}
