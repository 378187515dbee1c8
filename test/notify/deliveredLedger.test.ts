import { describe, expect, it } from 'vitest';
import { DeliveredLedger } from '../../lib/notify/deliveredLedger.js';

describe('DeliveredLedger', () => {
  it('knows a destination per message, not across messages', () => {
    const ledger = new DeliveredLedger();
    ledger.add('m1', 'slack webhook (secret a)');
    expect(ledger.has('m1', 'slack webhook (secret a)')).toBe(true);
    expect(ledger.has('m1', 'teams webhook (secret b)')).toBe(false);
    expect(ledger.has('m2', 'slack webhook (secret a)')).toBe(false);
  });

  it('stays within its capacity by forgetting the oldest entries first', () => {
    const ledger = new DeliveredLedger(3);
    for (const id of ['m1', 'm2', 'm3', 'm4']) ledger.add(id, 'slack');
    expect(ledger.size).toBe(3);
    expect(ledger.has('m1', 'slack')).toBe(false);
    expect(['m2', 'm3', 'm4'].every((id) => ledger.has(id, 'slack'))).toBe(true);
  });
});
