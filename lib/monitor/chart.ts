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

/**
 * The up/down timeline: one bar per stretch of time, red when any run in it failed, green when
 * all passed, grey when nothing ran. Failures are drawn, not left out: an outage shows.
 */
export function timelineSvg(buckets: readonly { t: number; end: number; up: number; down: number }[], label: string): string {
  const width = 320;
  const height = 22;
  const n = Math.max(1, buckets.length);
  const w = width / n;
  const down = buckets.filter((b) => b.down > 0).length;
  const ran = buckets.filter((b) => b.up + b.down > 0).length;
  const from = buckets[0] ? new Date(buckets[0].t).toISOString().slice(11, 16) : '';
  const summary = ran === 0 ? 'no runs yet' : down === 0 ? `up throughout since ${from} UTC` : `down in ${down} of ${ran} stretches since ${from} UTC`;
  const bars = buckets
    .map((b, i) => {
      const cls = b.down > 0 ? 'tl-down' : b.up > 0 ? 'tl-up' : 'tl-none';
      const title = `${new Date(b.t).toISOString().slice(11, 16)}–${new Date(b.end).toISOString().slice(11, 16)} UTC: ${b.up} up, ${b.down} down`;
      return `<rect class="${cls}" x="${(i * w + 0.5).toFixed(1)}" y="0" width="${Math.max(1, w - 1).toFixed(1)}" height="${height}" rx="1"><title>${title}</title></rect>`;
    })
    .join('');
  return `<svg class="timeline" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(`${label}: ${summary}`)}" data-down="${down}">${bars}</svg>`;
}

/** A shields-style SVG badge (`label | value`) for a README, drawn here; colours by state. */
export function badgeSvg(label: string, value: string, state: 'passing' | 'degraded' | 'failing' | 'pending'): string {
  const colour = { passing: '#1a7f37', degraded: '#9a6700', failing: '#cf222e', pending: '#6e7781' }[state];
  // Approximate text widths (Verdana 11px averages ~6.5 px a character), as shields does without a font.
  const lw = Math.round(label.length * 6.5 + 12);
  const vw = Math.round(value.length * 6.5 + 12);
  const total = lw + vw;
  const l = escapeHtml(label);
  const v = escapeHtml(value);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${l}: ${v}"><title>${l}: ${v}</title><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${colour}"/><g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="${lw / 2}" y="14">${l}</text><text x="${lw + vw / 2}" y="14">${v}</text></g></svg>`;
}
