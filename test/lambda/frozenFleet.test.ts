import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrozenFleetError, freezeFleet, loadFrozenFleet, parseFrozenFleet, serializeFrozenFleet, FROZEN_FLEET_FILE } from '../../lib/lambda/frozenFleet.js';
import { planShards } from '../../lib/lambda/shards.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { httpCheck, secret, testFleet } from './fixtures.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('frozen fleet', () => {
  const fleet = testFleet('http://127.0.0.1:1', [httpCheck('a', '/a', { auth: { bearer: secret('token') } }), httpCheck('b', '/b', { regions: ['us-east-1'] })], {
    regions: ['eu-west-1', 'us-east-1'],
    namespace: 'Shop/Probes',
  });
  const shards = planShards(fleet);

  it("keeps the region's checks and shards, the home region and namespace, and secret references", () => {
    const frozen = freezeFleet(fleet, 'eu-west-1', shards);
    expect(frozen).toMatchObject({ format: 1, name: 'shop', homeRegion: 'us-east-1', namespace: 'Shop/Probes', region: 'eu-west-1' });
    expect(frozen.fleet.checks.map((c) => c.id)).toEqual(['a']);
    expect(frozen.shards.map((s) => s.id)).toEqual(['eu-west-1-5m-0']);
    expect(JSON.stringify(frozen)).toContain('{"$secret":"token"}');
    expect(freezeFleet(fleet, 'us-east-1', shards).fleet.checks.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('leaves alerting (contacts, integration secrets) and release plans out of the probe bundle', () => {
    const withAlerting = { ...fleet, alerting: { pager: { emails: ['oncall@example.com'], httpsEndpoints: [{ $secret: 'pd/cloudwatch-url-KEY123' }] } }, release: { canary: {} } };
    const frozen = freezeFleet(withAlerting, 'eu-west-1', shards);
    expect(serializeFrozenFleet(frozen)).not.toContain('KEY123');
    expect(serializeFrozenFleet(frozen)).not.toContain('oncall@example.com');
    expect(frozen.fleet).not.toHaveProperty('alerting');
    expect(frozen.fleet).not.toHaveProperty('release');
  });

  it('round-trips through fleet.json in a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frozen-'));
    dirs.push(dir);
    const frozen = freezeFleet(fleet, 'eu-west-1', shards);
    await writeFile(join(dir, FROZEN_FLEET_FILE), serializeFrozenFleet(frozen));
    expect(await loadFrozenFleet(dir)).toEqual(frozen);
  });

  const broken: { name: string; text: string; message: RegExp }[] = [
    { name: 'not JSON', text: '{', message: /expected JSON/ },
    { name: 'another format', text: '{"format":2}', message: /format 1, received format 2/ },
    { name: 'a missing name', text: '{"format":1,"homeRegion":"x","namespace":"n","region":"r","fleet":{"checks":[]},"shards":[]}', message: /'name' to be a string/ },
    { name: 'no shards', text: '{"format":1,"name":"f","homeRegion":"x","namespace":"n","region":"r","fleet":{"checks":[]}}', message: /'shards' arrays/ },
  ];
  for (const scenario of broken) {
    it(`rejects ${scenario.name} with a frozen_fleet_invalid error`, () => {
      expect(() => parseFrozenFleet(scenario.text)).toThrow(scenario.message);
      try {
        parseFrozenFleet(scenario.text);
      } catch (error) {
        expect((error as { kind: string }).kind).toBe('frozen_fleet_invalid');
      }
    });
  }

  it('carries what the probe needs to publish certificates: endpoints per target, the warning threshold, cron first runs', () => {
    const tls = testFleet('https://Shop.example.com', [
      httpCheck('home', '/'),
      httpCheck('partner', 'https://partner.example.com:8443/x', { alarm: { certificateDays: { chat: 30, pager: 10 } } }),
      httpCheck('plain', 'http://plain.example.com/'),
      httpCheck('hours', '/h', { schedule: 'cron(0/5 9-17 ? * MON-FRI *)' }),
      httpCheck('elsewhere', 'https://far.example.com/', { regions: ['us-east-1'] }),
    ], { regions: ['eu-west-1', 'us-east-1'], alerting: { policy: { certificateDays: { chat: 14, pager: 3 } } } });
    const plan = planShards(tls);
    const frozen = freezeFleet(tls, 'eu-west-1', plan);
    expect(frozen.certificateEndpoints).toEqual({
      home: { prod: ['shop.example.com:443'] },
      partner: { prod: ['partner.example.com:8443'] },
      hours: { prod: ['shop.example.com:443'] },
    });
    // The largest threshold of the region's checks: the partner check's own 30 days, over the fleet's 14.
    expect(frozen.certificateWarningDays).toBe(30);
    const cronShard = plan.find((s) => s.region === 'eu-west-1' && s.schedule.startsWith('cron('))!;
    expect(frozen.firstRunMinuteOfDay).toEqual({ [cronShard.id]: 9 * 60 });
    // Only eu-west-1's checks count: without the partner check, the fleet's own threshold.
    expect(freezeFleet({ ...tls, checks: tls.checks.filter((c) => c.id !== 'partner') }, 'eu-west-1', plan).certificateWarningDays).toBe(14);
  });

  it('a fleet file from an older build (no certificate fields) still loads', () => {
    const { certificateEndpoints: _e, certificateWarningDays: _d, firstRunMinuteOfDay: _f, ...old } = freezeFleet(fleet, 'eu-west-1', shards);
    expect(parseFrozenFleet(JSON.stringify(old))).toEqual(old);
    expect(() => parseFrozenFleet(JSON.stringify({ ...old, certificateWarningDays: 'soon' }))).toThrow(/'certificateWarningDays' to be a number, received "soon"/);
  });

  it('names the missing file', async () => {
    await expect(loadFrozenFleet(join(tmpdir(), 'no-such-dir-for-probe'))).rejects.toThrow(/fleet.json: expected it next to the handler.*ENOENT/);
  });

  describe('CA certificate files', () => {
    const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUb2s=\n-----END CERTIFICATE-----\n';
    const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ-PLANTED\n-----END PRIVATE KEY-----\n';
    const withCa = async (content: string | null): Promise<Fleet> => {
      const dir = await mkdtemp(join(tmpdir(), 'frozen-ca-'));
      dirs.push(dir);
      const file = join(dir, 'ca.pem');
      if (content !== null) await writeFile(file, content);
      return {
        ...fleet,
        environments: { prod: { baseUrl: 'https://127.0.0.1:1', caCertificates: [{ $secret: 'other-ca' }, { file }] } },
        checks: [httpCheck('a', '/a', { caCertificates: [{ file }] })],
      };
    };

    it('are read into the bundle as PEM text: no build-machine path reaches Lambda', async () => {
      const frozen = freezeFleet(await withCa(CERT), 'eu-west-1', shards);
      expect(frozen.fleet.environments.prod!.caCertificates).toEqual([{ $secret: 'other-ca' }, { pem: CERT }]);
      expect(frozen.fleet.checks[0]!.caCertificates).toEqual([{ pem: CERT }]);
      expect(serializeFrozenFleet(frozen)).not.toContain('ca.pem');
    });

    it('refuse a missing file, naming where it was asked for', async () => {
      const missing = await withCa(null);
      expect(() => freezeFleet(missing, 'eu-west-1', shards)).toThrow(FrozenFleetError);
      expect(() => freezeFleet(missing, 'eu-west-1', shards)).toThrow(/environments\.prod\.caCertificates\[1\]\.file '.*ca\.pem': expected a readable PEM file to freeze into the bundle, ENOENT/);
    });

    it('refuse a private key without echoing it', async () => {
      let message = '';
      try {
        freezeFleet(await withCa(CERT + KEY), 'eu-west-1', shards);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/expected PEM text with CERTIFICATE blocks and nothing else, received PEM with PRIVATE KEY block\(s\); a private key never belongs in a fleet; nothing was bundled$/);
      expect(message).not.toContain('PLANTED');
    });
  });
});
