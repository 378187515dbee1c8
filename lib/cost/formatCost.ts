// A cost estimate as a table a person reads in a terminal. The JSON form is the estimate itself.
import type { CostEstimate } from './estimate.js';

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) < 0.01) return '<$0.01';
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatQuantity(quantity: number): string {
  const digits = quantity !== 0 && Math.abs(quantity) < 100 && !Number.isInteger(quantity) ? 2 : 0;
  return quantity.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** `$0.20 per 1M requests`, `$0.0000133334 per GB-second`. */
export function formatUnitPrice(usd: number, per: number, unit: string): string {
  const price = usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 10 });
  const amount = per === 1 ? '' : per === 1_000_000 ? '1M ' : `${per.toLocaleString('en-US')} `;
  return `$${price} per ${amount}${unit}`;
}

/** `1 rule`, `2 rules`; units that are not plural nouns (`GB`, `GB-s`) stay as they are. */
export function counted(quantity: number, unit: string): string {
  const singular = quantity === 1 && /[a-z]s$/.test(unit) ? unit.slice(0, -1) : unit;
  return `${formatQuantity(quantity)} ${singular}`;
}

function period(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function table(rows: readonly (readonly string[])[], rightAligned: readonly number[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatCostTable(estimate: CostEstimate): string {
  const e = estimate;
  const c = e.counts;
  const out: string[] = [];
  out.push(
    `Monthly cost of fleet "${e.fleet}" (home region ${e.homeRegion}): ${counted(c.checks, 'checks')}, ${counted(c.targets, 'check×environment targets')}, ${counted(c.regions, 'regions')}, ${counted(c.shards, 'shards')}`,
  );
  out.push(
    `Prices: ${e.prices.region} list prices read ${e.prices.readOn}; a month is ${e.prices.hoursPerMonth} hours; free tier ${e.freeTier ? 'applied' : 'not applied (--free-tier applies it)'}`,
  );
  out.push('');

  const rows: string[][] = [['Item', 'Quantity', 'Unit price', 'Monthly']];
  // Lines with nothing to count (no secrets, no notify function) stay in the JSON only.
  for (const line of e.lines.filter((l) => l.quantity > 0)) {
    const quantity = `${counted(line.quantity, line.unit)}${line.freeQuantity > 0 ? ` (${formatQuantity(line.freeQuantity)} free)` : ''}`;
    const unitPrice = line.unitPriceUsd === 0 ? 'free' : formatUnitPrice(line.unitPriceUsd, line.per, line.priceUnit);
    rows.push([line.item, quantity, unitPrice, formatUsd(line.monthlyUsd)]);
  }
  rows.push(['Total', '', '', formatUsd(e.totalUsd)]);
  rows.push([`Per check (total ÷ ${e.perCheck.targets} targets)`, '', '', formatUsd(e.perCheck.usd)]);
  const lines = table(rows, [1, 3]);
  const rule = '-'.repeat(Math.max(...lines.map((l) => l.length)));
  out.push(lines[0] ?? '', rule, ...lines.slice(1, -2), rule, ...lines.slice(-2));

  const details = e.lines.filter((l) => l.quantity > 0 && l.detail !== undefined);
  if (details.length > 0) {
    out.push('');
    for (const l of details) out.push(`${l.item}: ${l.detail ?? ''}`);
  }

  const typical = e.perCheck.typical;
  if (typical) {
    out.push('');
    out.push(`A typical check: ${typical.target} (${typical.regions} ${typical.regions === 1 ? 'region' : 'regions'}, every ${period(typical.periodSeconds)})`);
    const typicalRows = typical.lines.filter((l) => l.monthlyUsd > 0).map((l) => [`  ${l.item}`, formatUsd(l.monthlyUsd)]);
    typicalRows.push(['  Share of fleet-wide items', formatUsd(typical.sharedUsd)]);
    typicalRows.push(['  Total', formatUsd(typical.totalUsd)]);
    out.push(...table(typicalRows, [1]));
  }

  const s = e.synthetics;
  out.push('');
  out.push('The same checks as CloudWatch Synthetics canaries (one per check×environment per region):');
  out.push(
    ...table(
      [
        [
          `  ${s.canaries === 1 ? '1 canary' : `${formatQuantity(s.canaries)} canaries`}, ${formatQuantity(s.runsPerMonth)} runs${s.freeRuns > 0 ? ` (${formatQuantity(s.freeRuns)} free)` : ''} × $0.0012`,
          formatUsd(s.runsUsd),
          s.ratio > 0 ? `${s.ratio.toFixed(1)}× this fleet` : '',
        ],
        ['  with the same alarms and dashboard', formatUsd(s.runsWithSameAlarmsUsd), ''],
        [`  per check: canary runs ${formatUsd(s.perCheck.runsUsd)}, with the alarms ${formatUsd(s.perCheck.runsWithSameAlarmsUsd)}`, formatUsd(e.perCheck.usd), 'this fleet, per check'],
      ],
      [1],
    ),
  );
  out.push(`  Not included: ${s.excluded}.`);

  if (e.traffic.length > 0) {
    out.push('');
    out.push('Synthetic traffic each origin receives (all shards and regions together), beside its rate limit:');
    out.push(
      ...table(
        e.traffic.map((t) => [
          `  ${t.origin} (${t.environments.join(', ')})`,
          `${formatQuantity(t.requestsPerMonth)} requests/month`,
          `${t.requestsPerMinute.toFixed(1)}/min`,
          `limit ${t.requestsPerSecond}/s, burst ${t.burst}`,
          `peak ${formatPeak(t.peakPerSecond)} in any second`,
        ]),
        [2],
      ),
    );
    out.push('  The limit is shared out to every run that reaches the origin, so the peak stays within limit + burst.');
  }

  const a = e.assumptions;
  out.push('');
  out.push(
    `Assumptions: ${a.memoryMb === undefined ? 'memory per shard as the CDK app sizes it (256 MB per started 100 checks, from the measured peak RSS)' : `${a.memoryMb} MB per probe function`} (--memory-mb), ${a.avgCheckMs} ms per check (--avg-check-ms), ${a.invocationOverheadMs} ms per invocation; ` +
      `log lines ${a.resultLogBytes} B per result, ${a.requestLogBytes} B per request, ${a.invocationLogBytes + a.platformLogBytes} B per invocation; ` +
      `${a.logRetentionDays}-day log retention; secrets cached ${a.secretCacheMinutes} min.`,
  );
  for (const note of e.notes) out.push(`Note: ${note}.`);
  if (e.prices.unconfirmed.length > 0) out.push(`Note: prices not confirmed against the price pages: ${e.prices.unconfirmed.join(', ')}.`);
  for (const warning of e.warnings) out.push(`Warning: ${warning}.`);
  return `${out.join('\n')}\n`;
}

/** A peak is a whole count of requests when the shares add up to one; round only what is not. */
function formatPeak(peak: number): string {
  return Number.isInteger(peak) ? String(peak) : peak.toFixed(1);
}
