// prepareRun in-process: the setup every running command shares.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../lib/cli/command.js';
import { newRunId, prepareRun, secretsRedactor } from '../../lib/cli/runSetup.js';
import type { RunSetupFlags } from '../../lib/cli/runSetup.js';
import { check, fleetFor, tempDir, writeFleet } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let config: string;

function io(env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const value: CliIO = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env,
    cwd: tmp.dir,
    signal: new AbortController().signal,
  };
  return { io: value, out: () => out, err: () => err };
}

beforeAll(() => {
  tmp = tempDir();
  const fleet = fleetFor('http://127.0.0.1:9', [check('only-prod', { url: '/x', environments: ['prod'] }), check('everywhere', { url: '/y' })], {
    environments: {
      prod: { baseUrl: 'https://prod.example', variables: { region: 'eu' } },
      staging: { baseUrl: 'https://staging.example', sandbox: true },
    },
  });
  config = writeFleet(tmp.dir, fleet);
});

afterAll(() => {
  tmp.remove();
});

describe('newRunId', () => {
  it('is the UTC time to the second and six hex digits', () => {
    expect(newRunId(new Date('2026-11-22T00:30:05.123Z'))).toMatch(/^20261122T003005Z-[0-9a-f]{6}$/);
    expect(newRunId()).not.toBe(newRunId());
  });
});

describe('secretsRedactor', () => {
  it('knows every PROBE_SECRET_* value before any check resolves it, and nothing else', () => {
    const redactor = secretsRedactor({ PROBE_SECRET_DB: 'db-pass-1234', PROBE_SECRET_TOKEN: 'tok-5678', PATH: '/usr/bin' });
    expect(redactor.redact('db-pass-1234 tok-5678 /usr/bin')).toBe('[REDACTED] [REDACTED] /usr/bin');
  });
});

describe('prepareRun environments', () => {
  const cases: { name: string; flags: RunSetupFlags; environments: string[]; baseUrls: Record<string, string> }[] = [
    { name: 'no --env: every environment', flags: {}, environments: ['prod', 'staging'], baseUrls: { prod: 'https://prod.example', staging: 'https://staging.example' } },
    { name: '--env all', flags: { env: 'all' }, environments: ['prod', 'staging'], baseUrls: { prod: 'https://prod.example', staging: 'https://staging.example' } },
    { name: '--env staging', flags: { env: 'staging' }, environments: ['staging'], baseUrls: { prod: 'https://prod.example', staging: 'https://staging.example' } },
    { name: '--env prod,staging', flags: { env: 'prod,staging' }, environments: ['prod', 'staging'], baseUrls: { prod: 'https://prod.example', staging: 'https://staging.example' } },
    { name: '--env prod --base-url', flags: { env: 'prod', baseUrl: 'http://127.0.0.1:1234/api' }, environments: ['prod'], baseUrls: { prod: 'http://127.0.0.1:1234/api', staging: 'https://staging.example' } },
    { name: '--base-url alone: environment custom', flags: { baseUrl: 'http://127.0.0.1:1234' }, environments: ['custom'], baseUrls: { custom: 'http://127.0.0.1:1234' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const t = io();
      const setup = await prepareRun(t.io, { config, ...c.flags, requestLog: 'requests.jsonl' });
      expect(t.err()).toBe('');
      if (!setup.ok) throw new Error('expected a prepared run');
      await setup.close();
      expect(setup.environments).toEqual(c.environments);
      expect(Object.fromEntries(Object.entries(setup.fleet.environments).map(([name, e]) => [name, e.baseUrl]))).toEqual(c.baseUrls);
      expect(setup.configPath).toBe(config);
    });
  }

  it('keeps the environment settings when --base-url replaces one baseUrl', async () => {
    const setup = await prepareRun(io().io, { config, env: 'prod', baseUrl: 'http://127.0.0.1:1234', requestLog: 'requests.jsonl' });
    if (!setup.ok) throw new Error('expected a prepared run');
    await setup.close();
    expect(setup.fleet.environments.prod?.variables).toEqual({ region: 'eu' });
  });

  it('a sandbox environment pointed at another URL by --base-url is no longer a sandbox', async () => {
    const setup = await prepareRun(io().io, { config, env: 'staging', baseUrl: 'http://127.0.0.1:1234', requestLog: 'requests.jsonl' });
    if (!setup.ok) throw new Error('expected a prepared run');
    await setup.close();
    expect(setup.fleet.environments.staging?.baseUrl).toBe('http://127.0.0.1:1234');
    expect(setup.fleet.environments.staging?.sandbox).toBe(false);
  });

  it('drops per-check environment lists when every check runs against --base-url as custom', async () => {
    const setup = await prepareRun(io().io, { config, baseUrl: 'http://127.0.0.1:1234', requestLog: 'requests.jsonl' });
    if (!setup.ok) throw new Error('expected a prepared run');
    await setup.close();
    expect(setup.fleet.checks.map((c) => c.environments)).toEqual([undefined, undefined]);
  });

  const errors: { name: string; flags: RunSetupFlags; message: string }[] = [
    { name: 'an unknown environment', flags: { env: 'qa' }, message: 'invalid --env: expected an environment of fleet cli-test (prod, staging, all), received "qa"' },
    { name: '--base-url with --env all', flags: { env: 'all', baseUrl: 'http://127.0.0.1:1' }, message: 'invalid --base-url: expected one --env NAME (or none)' },
    { name: '--base-url with two environments', flags: { env: 'prod,staging', baseUrl: 'http://127.0.0.1:1' }, message: 'invalid --base-url: expected exactly one --env NAME' },
    { name: 'a relative --base-url', flags: { baseUrl: '/api' }, message: 'invalid --base-url: expected an absolute http:// or https:// URL, received "/api"' },
    { name: 'a missing config', flags: { config: 'missing.ts' }, message: 'fleet definition not found' },
    {
      name: 'a --base-url with a query string (paths would be appended after it)',
      flags: { env: 'prod', baseUrl: 'http://127.0.0.1:1/api?lang=en' },
      message: 'invalid --base-url: expected an http:// or https:// URL without a query string or fragment (check paths are appended to it; put query parameters on each check), received "http://127.0.0.1:1/api" with a query string',
    },
    {
      name: 'a --base-url with a fragment',
      flags: { baseUrl: 'http://127.0.0.1:1/#top' },
      message: 'received "http://127.0.0.1:1/" with a fragment',
    },
    {
      name: 'a --base-url with a credential in its query, never echoed',
      flags: { baseUrl: 'http://127.0.0.1:1/?token=s3cretpw' },
      message: 'received "http://127.0.0.1:1/" with a query string (query parameter "token" in the URL holds a credential (URLs are printed in reports and logs))',
    },
    {
      name: 'a --base-url with a password (it would reach every report)',
      flags: { baseUrl: 'http://probe:s3cretpw@127.0.0.1:1' },
      message: 'invalid --base-url: expected an http:// or https:// URL without a user name or password (it would be printed in reports and logs), received a URL with a user name or password',
    },
  ];
  for (const c of errors) {
    it(`exit 2 on ${c.name}`, async () => {
      const t = io();
      const setup = await prepareRun(t.io, { config, ...c.flags, requestLog: 'requests.jsonl' });
      expect(setup).toEqual({ ok: false, exitCode: 2 });
      expect(t.err()).toContain(c.message);
      expect(t.err()).not.toContain('s3cretpw');
      expect(t.out()).toBe('');
    });
  }
});

describe('prepareRun request log', () => {
  it('appends redacted JSON lines to the file, creating its directory', async () => {
    for (let i = 0; i < 2; i++) {
      const setup = await prepareRun(io({ PROBE_SECRET_KEY: 'sup3r-secret' }).io, { config, requestLog: 'logs/deep/requests.jsonl' });
      if (!setup.ok) throw new Error('expected a prepared run');
      setup.requestLog.write({ time: 't', runId: setup.runId, checkId: 'c', environment: 'prod', location: 'local', attempt: 1, method: 'GET', url: 'https://x/?k=sup3r-secret', status: 200, durationMs: 1 });
      await setup.close();
    }
    const lines = readFileSync(join(tmp.dir, 'logs', 'deep', 'requests.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ checkId: 'c', url: 'https://x/?k=[REDACTED]' });
  });

  it('writes to stderr with -', async () => {
    const t = io();
    const setup = await prepareRun(t.io, { config, requestLog: '-' });
    if (!setup.ok) throw new Error('expected a prepared run');
    setup.requestLog.write({ time: 't', runId: setup.runId, checkId: 'c', environment: 'prod', location: 'local', attempt: 1, method: 'GET', url: 'https://x/', status: 200, durationMs: 1 });
    await setup.close();
    expect(JSON.parse(t.err())).toMatchObject({ checkId: 'c' });
    expect(t.out()).toBe('');
  });

  it('is a usage error when the file cannot be opened', async () => {
    const t = io();
    const setup = await prepareRun(t.io, { config, requestLog: join(config, 'not-a-dir', 'x.jsonl') });
    expect(setup).toEqual({ ok: false, exitCode: 2 });
    expect(t.err()).toContain('invalid --request-log');
  });
});

describe('prepareRun secrets', () => {
  const secret = (name: string) => ({ $secret: name });
  let secretsConfig: string;
  beforeAll(() => {
    const fleet = fleetFor(
      'http://127.0.0.1:9',
      [
        check('login', { url: '/t/{{tenant}}/login', auth: { bearer: secret('api-token') }, tags: ['smoke'], environments: ['prod'] }),
        check('report', { url: '/report', headers: { 'x-report-key': secret('report-key') }, tags: ['nightly'], environments: ['prod'] }),
        check('staging-only', { url: '/s', environments: ['staging'] }),
      ],
      {
        defaults: { timeoutMs: 5_000, headers: { 'x-fleet-key': secret('fleet-key') } },
        environments: {
          prod: { baseUrl: 'https://prod.example', variables: { tenant: secret('tenant-id'), spare: secret('unused-var') }, headers: { 'x-env-key': secret('env-key') } },
          staging: { baseUrl: 'https://staging.example', headers: { 'x-staging-key': secret('staging-key') } },
        },
        alerting: { chat: { webhooks: [{ kind: 'slack', url: secret('slack-url') }] } },
      },
    );
    secretsConfig = writeFleet(tmp.dir, fleet, 'secrets.config.json');
  });

  const all = {
    PROBE_SECRET_API_TOKEN: 'tok-1111',
    PROBE_SECRET_REPORT_KEY: 'rep-2222',
    PROBE_SECRET_FLEET_KEY: 'flt-3333',
    PROBE_SECRET_TENANT_ID: 'ten-4444',
    PROBE_SECRET_ENV_KEY: 'env-5555',
  };
  const without = (...names: (keyof typeof all)[]) => Object.fromEntries(Object.entries(all).filter(([name]) => !names.includes(name as keyof typeof all)));
  const smokeOnly: RunSetupFlags['plan'] = (fleet, environments) => fleet.checks.filter((c) => c.tags?.includes('smoke')).flatMap((c) => environments.map((environment) => ({ check: c, environment })));

  const cases: { name: string; env: NodeJS.ProcessEnv; flags: RunSetupFlags; missing: string[]; notMentioned: string[] }[] = [
    {
      name: 'every secret the prod checks use, listed together; not the unused variable, staging or alerting ones',
      env: {},
      flags: { env: 'prod' },
      missing: ['PROBE_SECRET_API_TOKEN', 'PROBE_SECRET_ENV_KEY', 'PROBE_SECRET_FLEET_KEY', 'PROBE_SECRET_REPORT_KEY', 'PROBE_SECRET_TENANT_ID'],
      notMentioned: ['PROBE_SECRET_UNUSED_VAR', 'PROBE_SECRET_STAGING_KEY', 'PROBE_SECRET_SLACK_URL'],
    },
    {
      name: 'only what the planned checks use (a tag filter drops report)',
      env: without('PROBE_SECRET_REPORT_KEY', 'PROBE_SECRET_TENANT_ID'),
      flags: { env: 'prod', plan: smokeOnly },
      missing: ['PROBE_SECRET_TENANT_ID'],
      notMentioned: ['PROBE_SECRET_REPORT_KEY', 'PROBE_SECRET_API_TOKEN'],
    },
    {
      name: 'staging alone needs its own header secret and the fleet default',
      env: {},
      flags: { env: 'staging' },
      missing: ['PROBE_SECRET_FLEET_KEY', 'PROBE_SECRET_STAGING_KEY'],
      notMentioned: ['PROBE_SECRET_API_TOKEN', 'PROBE_SECRET_ENV_KEY'],
    },
  ];
  for (const c of cases) {
    it(`exit 2 before anything runs: ${c.name}`, async () => {
      const t = io(c.env);
      const setup = await prepareRun(t.io, { config: secretsConfig, ...c.flags, requestLog: 'requests.jsonl' });
      expect(setup).toEqual({ ok: false, exitCode: 2 });
      expect(t.err()).toContain(`probe-fleet: ${c.missing.length} secret${c.missing.length === 1 ? '' : 's'} the selected checks use cannot be read; nothing ran:`);
      for (const variable of c.missing) expect(t.err()).toContain(`expected environment variable ${variable} to be set, received nothing`);
      for (const variable of c.notMentioned) expect(t.err()).not.toContain(variable);
      for (const value of Object.values(all)) expect(t.err()).not.toContain(value);
    });
  }

  it('names the checks that use a missing secret', async () => {
    const t = io(without('PROBE_SECRET_FLEET_KEY'));
    await prepareRun(t.io, { config: secretsConfig, env: 'prod', requestLog: 'requests.jsonl' });
    expect(t.err()).toContain(
      "secret 'fleet-key': expected environment variable PROBE_SECRET_FLEET_KEY to be set, received nothing; set it and run again (used by login [prod], report [prod])",
    );
  });

  it('refuses a secret too short to redact, naming the variable and never the value', async () => {
    const t = io({ ...all, PROBE_SECRET_API_TOKEN: 'q7z' });
    const setup = await prepareRun(t.io, { config: secretsConfig, env: 'prod', requestLog: 'requests.jsonl' });
    expect(setup).toEqual({ ok: false, exitCode: 2 });
    expect(t.err()).toContain(
      "secret 'api-token': expected environment variable PROBE_SECRET_API_TOKEN to hold at least 4 characters, received 3; a value this short cannot be redacted",
    );
    expect(t.err()).not.toContain('q7z');
  });

  it('runs when every used secret is set, whatever the unused ones', async () => {
    const t = io(all);
    const setup = await prepareRun(t.io, { config: secretsConfig, env: 'prod', requestLog: 'requests.jsonl' });
    expect(t.err()).toBe('');
    if (!setup.ok) throw new Error('expected a prepared run');
    await setup.close();
  });
});

describe('prepareRun CA certificate files', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-planted\n-----END PRIVATE KEY-----\n';
  let dir: string;
  let caConfig: string;
  beforeAll(() => {
    dir = join(tmp.dir, 'ca');
    mkdirSync(join(dir, 'certs'), { recursive: true });
    writeFileSync(join(dir, 'certs', 'good.pem'), CERT);
    writeFileSync(join(dir, 'certs', 'key.pem'), KEY);
    const fleet = fleetFor(
      'http://127.0.0.1:9',
      [
        check('internal', { url: '/x', environments: ['prod'], caCertificates: [{ file: 'certs/good.pem' }, { file: 'certs/key.pem' }] }),
        check('public', { url: '/y', environments: ['prod', 'staging'] }),
        check('port', { kind: 'tcp', port: 5432, environments: ['staging'], caCertificates: [{ file: 'certs/never-read.pem' }] }),
      ],
      {
        environments: {
          prod: { baseUrl: 'https://prod.example', caCertificates: [{ file: 'certs/missing.pem' }] },
          staging: { baseUrl: 'https://staging.example', caCertificates: [{ file: 'certs/good.pem' }] },
          qa: { baseUrl: 'https://qa.example', caCertificates: [{ file: 'certs/also-missing.pem' }] },
        },
      },
    );
    caConfig = writeFleet(dir, fleet, 'ca.config.json');
  });

  it('exit 2 before anything runs, naming each bad file at its exact path and never its content', async () => {
    const t = io();
    t.io.cwd = dir;
    const setup = await prepareRun(t.io, { config: caConfig, env: 'prod', requestLog: 'requests.jsonl' });
    expect(setup).toEqual({ ok: false, exitCode: 2 });
    const expected = 'expected a readable PEM file (relative to the working directory) with CERTIFICATE blocks and nothing else';
    expect(t.err().trim().split('\n')).toEqual([
      caConfig,
      'Invalid fleet definition: 2 problems (fix them and run again; nothing ran or deployed)',
      `  checks[0].caCertificates[1].file: ${expected}, received "certs/key.pem": PEM with PRIVATE KEY block(s); a private key never belongs in a fleet at ${join(dir, 'certs', 'key.pem')}`,
      `  environments.prod.caCertificates[0].file: ${expected}, received "certs/missing.pem": no file at ${join(dir, 'certs', 'missing.pem')}`,
    ]);
    expect(t.err()).not.toContain('planted');
    expect(t.err()).not.toContain('MIIE');
  });

  it('checks only the files the run reads: not other environments, not checks without TLS', async () => {
    const t = io();
    t.io.cwd = dir;
    const setup = await prepareRun(t.io, { config: caConfig, env: 'staging', requestLog: 'requests.jsonl' });
    expect(t.err()).toBe('');
    if (!setup.ok) throw new Error('expected a prepared run');
    await setup.close();
  });
});
