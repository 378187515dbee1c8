// The audit line's content, built from the values verify hands over.
import { describe, expect, it } from 'vitest';
import { buildAuditRecord } from '../../lib/release/auditRecord.js';

const base = {
  runId: '20261122T010314Z-b3ce20',
  fleet: 'shop',
  expectedVersion: '1.4.0',
  startedAt: new Date('2026-11-22T01:03:14.000Z'),
  endedAt: new Date('2026-11-22T01:03:14.412Z'),
  exitCode: 0,
  env: { USER: 'alice' },
  results: [],
};

describe('buildAuditRecord', () => {
  const table: { name: string; environments: string[]; baseUrls?: Record<string, string>; expected: Record<string, string> }[] = [
    { name: 'records the URL a --base-url run tested, not only "custom"', environments: ['custom'], baseUrls: { custom: 'https://pr-481.preview.shop.example/' }, expected: { custom: 'https://pr-481.preview.shop.example/' } },
    {
      name: 'records each environment’s URL',
      environments: ['staging', 'production'],
      baseUrls: { staging: 'https://staging.shop.example', production: 'https://shop.example' },
      expected: { staging: 'https://staging.shop.example', production: 'https://shop.example' },
    },
    { name: 'keeps a user name and password out of the trail', environments: ['legacy'], baseUrls: { legacy: 'https://probe:s3cretpw@legacy.shop.example/api' }, expected: { legacy: 'https://legacy.shop.example/api' } },
    { name: 'is empty when no URL was handed over', environments: ['staging'], expected: {} },
  ];
  for (const row of table) {
    it(row.name, () => {
      const record = buildAuditRecord({ ...base, environments: row.environments, ...(row.baseUrls ? { baseUrls: row.baseUrls } : {}) });
      expect(record.baseUrls).toEqual(row.expected);
      expect(JSON.stringify(record)).not.toContain('s3cretpw');
      expect(record).toMatchObject({ recordVersion: 1, kind: 'verify', environments: row.environments, durationMs: 412 });
    });
  }
});
