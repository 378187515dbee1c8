// The audit line's content, built from the values verify hands over.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actorFrom, appendAuditRecord, auditRecordPath, buildAuditRecord } from '../../lib/release/auditRecord.js';
import { Redactor } from '../../lib/secrets/secrets.js';

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

describe('actorFrom', () => {
  const osUser = (): string => 'deploy-svc';
  const table: { name: string; env: NodeJS.ProcessEnv; user: string | null; os?: () => string | null }[] = [
    { name: 'the CI actor first', env: { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'release-bot', USER: 'runner' }, user: 'release-bot' },
    { name: 'the shell user when no CI variable names one', env: { USER: 'alice' }, user: 'alice' },
    { name: 'the operating-system account when no variable names anyone', env: {}, user: 'deploy-svc' },
    { name: 'empty variables do not count', env: { USER: '', GITHUB_ACTOR: '' }, user: 'deploy-svc' },
    { name: 'null only when the account cannot be read either', env: {}, user: null, os: () => null },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(actorFrom(row.env, row.os ?? osUser).user).toBe(row.user);
    });
  }

  it('reads the operating-system account by default', () => {
    expect(actorFrom({}).user).toBe(userInfo().username);
  });
});

describe('auditRecordPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-audit-'));
  const table: { name: string; flag: string; expected: string }[] = [
    { name: 'a file path is the file', flag: 'audit/verify-prod.jsonl', expected: join(dir, 'audit', 'verify-prod.jsonl') },
    { name: 'a path without an extension is still a file', flag: 'trail', expected: join(dir, 'trail') },
    { name: 'a trailing slash means a directory', flag: 'audit/', expected: join(dir, 'audit', 'verify.jsonl') },
    { name: 'an existing directory means DIR/verify.jsonl', flag: '.', expected: join(dir, 'verify.jsonl') },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(auditRecordPath(dir, row.flag)).toBe(row.expected);
    });
  }

  it('creates the file’s directories and appends one line per record', async () => {
    const file = join(dir, 'deep', 'er', 'trail.jsonl');
    const record = buildAuditRecord({ ...base, environments: ['staging'] });
    await appendAuditRecord(file, record, new Redactor());
    await appendAuditRecord(file, record, new Redactor());
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    rmSync(dir, { recursive: true, force: true });
  });
});
