import { describe, expect, it } from 'vitest';
import { estimateFleetCost } from '../../lib/cost/estimate.js';
import { counted, formatCostTable, formatUnitPrice, formatUsd } from '../../lib/cost/formatCost.js';
import { fleetOf, httpCheck } from './fleets.js';

describe('cost formatting', () => {
  const usd: [number, string][] = [
    [0, '$0.00'],
    [0.004, '<$0.01'],
    [0.01, '$0.01'],
    [52.56, '$52.56'],
    [15768, '$15,768.00'],
  ];
  for (const [value, text] of usd) it(`formats $${value} as ${text}`, () => expect(formatUsd(value)).toBe(text));

  const prices: [number, number, string, string][] = [
    [0.2, 1_000_000, 'requests', '$0.20 per 1M requests'],
    [0.0000133334, 1, 'GB-second', '$0.0000133334 per GB-second'],
    [0.05, 10_000, 'API calls', '$0.05 per 10,000 API calls'],
  ];
  for (const [value, per, unit, text] of prices) it(`formats ${text}`, () => expect(formatUnitPrice(value, per, unit)).toBe(text));

  const quantities: [number, string, string][] = [
    [1, 'rules', '1 rule'],
    [2, 'rules', '2 rules'],
    [1, 'GB-s', '1 GB-s'],
    [0.5, 'GB', '0.5 GB'],
    [525_600, 'requests', '525,600 requests'],
  ];
  for (const [quantity, unit, text] of quantities) it(`counts ${text}`, () => expect(counted(quantity, unit)).toBe(text));

  it('leaves lines with nothing to count out of the table but keeps them in the estimate', () => {
    const estimate = estimateFleetCost(fleetOf([httpCheck('health', { schedule: '1m' })]));
    expect(estimate.lines.find((l) => l.id === 'secrets')?.quantity).toBe(0);
    const table = formatCostTable(estimate);
    expect(table).not.toMatch(/^Secrets\s/m);
    expect(table).toMatch(/^Lambda requests\s+43,800 requests\s+\$0\.20 per 1M requests\s+<\$0\.01$/m);
    expect(table).toMatch(/1 canary, 43,800 runs × \$0\.0012\s+\$52\.56/);
    expect(table).toContain('free tier not applied');
  });
});
