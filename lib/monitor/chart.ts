// The latency chart: an inline SVG drawn here, no chart library. Two lines (p50, p95) over
// time, a dashed line at the check's maxMs when it has one, and labels a screen reader reads.
import type { LatencyBucket } from './history.js';

const W = 320;
const H = 120;
const PAD = { left: 36, right: 8, top: 8, bottom: 18 };

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A round axis maximum at or above `value`: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return Math.round(step * power * 1000) / 1000;
  return 10 * power;
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

export function latencyChartSvg(series: readonly LatencyBucket[], options: { label: string; thresholdMs?: number | null } = { label: 'latency' }): string {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  if (series.length === 0) {
    return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(options.label)}: no passing runs yet"><text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="chart-empty">No passing runs to chart yet</text></svg>`;
  }
  const top = niceCeiling(Math.max(Math.max(...series.map((b) => b.p95)) * 1.1, (options.thresholdMs ?? 0) * 1.05));
  const t0 = series[0]!.t;
  const t1 = Math.max(series[series.length - 1]!.t, t0 + 1);
  const x = (t: number): number => PAD.left + (series.length === 1 ? innerW / 2 : ((t - t0) / (t1 - t0)) * innerW);
  const y = (v: number): number => PAD.top + innerH - (Math.min(v, top) / top) * innerH;
  const path = (key: 'p50' | 'p95'): string =>
    series.map((b, i) => `${i === 0 ? 'M' : 'L'}${x(b.t).toFixed(1)},${y(b[key]).toFixed(1)}`).join(' ') + (series.length === 1 ? ` h1` : '');
  const last = series[series.length - 1]!;
  const label = `${options.label}: latest p50 ${last.p50} ms, p95 ${last.p95} ms, from ${clock(t0)} to ${clock(t1)} UTC`;
  const grid = [0, top / 2, top]
    .map((v) => `<line class="chart-grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="chart-axis" x="${PAD.left - 4}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${v >= 1000 ? `${v / 1000}s` : `${v}ms`}</text>`)
    .join('');
  const threshold =
    options.thresholdMs && options.thresholdMs <= top
      ? `<line class="chart-threshold" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(options.thresholdMs).toFixed(1)}" y2="${y(options.thresholdMs).toFixed(1)}"><title>maxMs ${options.thresholdMs} ms</title></line>`
      : '';
  return [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(label)}">`,
    `<title>${escapeHtml(label)}</title>`,
    grid,
    threshold,
    `<path class="chart-p95" d="${path('p95')}" fill="none"/>`,
    `<path class="chart-p50" d="${path('p50')}" fill="none"/>`,
    `<text class="chart-axis" x="${PAD.left}" y="${H - 4}">${clock(t0)}</text>`,
    `<text class="chart-axis" x="${W - PAD.right}" y="${H - 4}" text-anchor="end">${clock(t1)} UTC</text>`,
    `</svg>`,
  ].join('');
}
