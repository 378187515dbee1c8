// `probe-fleet test` end to end: the built CLI as a child process against a real server on
// 127.0.0.1, asserting exit codes, what reached the server, and what the reports contain.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../lib/reporters/json.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { findAll, parseXml } from '../reporters/xmlCheck.js';
import { ANSI, assertBuilt, check, fleetFor, recording, runCli, tempDir, writeFleet } from './helpers.js';
import type { SeenRequest } from './helpers.js';

const PLANTED = 'Planted-S3cret-9f8e7d';
const SLOW_MS = 10_000;

const seen: SeenRequest[] = [];
const timers = new Set<NodeJS.Timeout>();
let server: StartedHttpServer;
let tmp: ReturnType<typeof tempDir>;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  assertBuilt();
  tmp = tempDir();
  server = await startHttpServer(
    recording(seen, (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/health':
          return json(res, 200, { status: 'ok' });
        case '/products':
          return json(res, 200, [{ id: 1 }]);
        case '/missing':
          return json(res, 404, { error: 'not found' });
        case '/echo':
          // Echoes the credential it was sent, as a careless service might in an error.
          return json(res, 500, { error: `bad key ${url.searchParams.get('key') ?? ''} / ${String(req.headers['x-api-key'])}` });
        case '/slow': {
          const timer = setTimeout(() => json(res, 200, { status: 'ok' }), SLOW_MS);
          timers.add(timer);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        default:
          return json(res, 404, { error: 'no route' });
      }
    }),
  );
});

afterAll(async () => {
  for (const timer of timers) clearTimeout(timer);
  await server.close();
  tmp.remove();
});

const okAssertions = [
  { type: 'status', equals: 200 },
  { type: 'json', path: '$.status', equals: 'ok' },
];
const health = () => check('health', { url: '/health', tags: ['smoke'], assertions: okAssertions });
const products = () => check('products', { url: '/products', tags: ['catalog'], assertions: [{ type: 'status', equals: 200 }] });
const broken = () =>
  check('broken-page', {
    name: 'Broken page',
    owner: 'team-pages (#pages-oncall)',
    rollbackNote: 'redeploy pages v41',
    url: '/missing',
    assertions: [{ type: 'status', equals: 200 }],
  });

function configWith(name: string, checks: ReturnType<typeof check>[], extra = {}): string {
  return writeFleet(tmp.dir, fleetFor(server.url, checks, extra), `${name}.json`);
}

function requestsSince(mark: number): SeenRequest[] {
  return seen.slice(mark);
}

describe('probe-fleet test: exit codes', () => {
  it('exits 0 when every check passes, with progress and a summary on stdout and no ANSI in a pipe', async () => {
    const config = configWith('passing', [health(), products()]);
    const mark = seen.length;
    const run = await runCli(['test', '--config', config], { cwd: tmp.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✓ health \[local\]/);
    expect(run.stdout).toMatch(/✓ products \[local\]/);
    expect(run.stdout).toContain('2 checks: 2 passed, 0 failed, 0 degraded, 0 flaky, 0 skipped');
    expect(run.stdout).not.toMatch(ANSI);
    const hits = requestsSince(mark);
    expect(hits.map((r) => r.path).sort()).toEqual(['/health', '/products']);
    // The testing-in-production markers every synthetic request carries.
    for (const hit of hits) {
      expect(hit.headers['x-synthetic-request']).toBe('true');
      expect(hit.headers['user-agent']).toMatch(/probe-fleet/);
      expect(hit.headers['x-synthetic-run-id']).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    }
  });

  it('exits 1 when a check fails and names its owner, resolved assertion, kind and rollback note', async () => {
    const config = configWith('failing', [health(), broken()]);
    const run = await runCli(['test', '--config', config], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ broken-page \[local\] [\d.]+ m?s failed {2}status: expected 200, got 404/);
    const failures = run.stdout.slice(run.stdout.indexOf('Failures'));
    expect(failures).toContain('owner:     team-pages (#pages-oncall)');
    expect(failures).toContain('assertion: status: expected 200, got 404');
    expect(failures).toContain('kind:      assertion');
    expect(failures).toContain('retryable: no');
    expect(failures).toContain('runbook:   https://runbooks.example.com/broken-page');
    expect(failures).toContain('rollback:  redeploy pages v41');
    expect(run.stdout).toContain('2 checks: 1 passed, 1 failed');
  });

  it('exits 2 on an invalid config, naming the file and every problem, before any request', async () => {
    const config = configWith('invalid', [
      check('Bad_ID', { url: '/health' }),
      check('writer', { url: '/health', method: 'DELETE' }),
    ]);
    const mark = seen.length;
    const run = await runCli(['test', '--config', config], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(config);
    expect(run.stderr).toMatch(/checks\[0\]\.id/);
    expect(run.stderr).toMatch(/checks\[1\]/);
    expect(requestsSince(mark)).toEqual([]);
  });

  it('exits 2 when the config file does not exist', async () => {
    const run = await runCli(['test', '--config', 'nowhere.config.ts'], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(join(tmp.dir, 'nowhere.config.ts'));
    expect(run.stderr).toContain('not found');
  });

  // A config is code: whatever it does while loading, it cannot end the CLI, make it exit 0
  // with nothing run, crash it, or leave its hidden bundle behind.
  const hostileConfigs: { name: string; source: (fleetJson: string) => string; names: RegExp }[] = [
    { name: 'a default export that rejects at once', source: () => "export default Promise.reject(new Error('catalogue down'));\n", names: /\(file\): the exported fleet promise rejected.*Error: catalogue down/ },
    {
      name: 'process.exit(0) in the config',
      source: (fleetJson) => `process.exit(0);\nexport default ${fleetJson};\n`,
      names: /\(file\): the fleet definition ended its own loading.*process\.exit\(0\)/,
    },
    {
      name: 'process.exit(0) after exporting a promise',
      source: (fleetJson) => `export default new Promise((resolve) => { setTimeout(() => process.exit(0), 10); setTimeout(() => resolve(${fleetJson}), 500); });\n`,
      names: /\(file\): the fleet definition ended its own loading/,
    },
    {
      name: 'a body nested 100,000 deep',
      source: (fleetJson) =>
        `let json: unknown = 1;\nfor (let i = 0; i < 100_000; i++) json = { a: json };\nconst fleet = ${fleetJson};\n(fleet.checks[0] as Record<string, unknown>).body = { json };\nexport default fleet;\n`,
      names: /checks\[0\]\.body\.json\.a\.a.*expected at most 128 levels of nesting/,
    },
  ];
  for (const c of hostileConfigs) {
    it(`exits 2 on ${c.name}, naming the file, sending nothing and leaving no bundle`, async () => {
      const dir = join(tmp.dir, `hostile-${hostileConfigs.indexOf(c)}`);
      mkdirSync(dir, { recursive: true });
      const config = join(dir, 'probes.config.ts');
      writeFileSync(config, c.source(JSON.stringify(fleetFor(server.url, [health()]))));
      const mark = seen.length;
      const run = await runCli(['test', '--config', config], { cwd: tmp.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(config);
      expect(run.stderr).toMatch(c.names);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(requestsSince(mark)).toEqual([]);
      expect(readdirSync(dir)).toEqual(['probes.config.ts']);
    });
  }

  const badFlags: { name: string; args: string[]; message: RegExp }[] = [
    { name: 'an unknown reporter', args: ['--reporter', 'xml'], message: /invalid --reporter: expected list \| json \| junit, received "xml"/ },
    { name: 'an unreadable deadline', args: ['--deadline', 'soon'], message: /invalid --deadline: expected a positive duration/ },
    { name: 'a deadline past the 24h cap', args: ['--deadline', '600h'], message: /invalid --deadline: expected a duration from 1ms to 24h, such as 90s, 2m or 1500ms, received "600h"/ },
    { name: 'a zero concurrency', args: ['--concurrency', '0'], message: /invalid --concurrency: expected a whole number from 1 to 1000, received "0"/ },
    { name: 'an invalid grep pattern', args: ['--grep', '(unclosed'], message: /invalid --grep: expected a valid regular expression/ },
    { name: 'an unknown flag', args: ['--bogus'], message: /Unknown option '--bogus'/ },
    { name: 'a stray argument', args: ['health'], message: /invalid argument/ },
    { name: 'an unknown environment', args: ['--env', 'prod'], message: /invalid --env: expected an environment of fleet cli-test \(local, all\), received "prod"/ },
    { name: 'a base URL that is not http(s)', args: ['--base-url', 'ftp://example.com'], message: /invalid --base-url: expected an absolute http:\/\/ or https:\/\/ URL/ },
    { name: 'tags matching no check', args: ['--tags', 'nonexistent'], message: /no check of fleet cli-test matches .*tags nonexistent/ },
  ];
  for (const c of badFlags) {
    it(`exits 2 on ${c.name}, sending nothing`, async () => {
      const config = configWith('flags', [health()]);
      const mark = seen.length;
      const run = await runCli(['test', '--config', config, ...c.args], { cwd: tmp.dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(c.message);
      expect(requestsSince(mark)).toEqual([]);
    });
  }

  it('exits 2 when the --output file cannot be created, sending nothing', async () => {
    const config = configWith('output', [health()]);
    const mark = seen.length;
    // A path below a regular file: no directory can be made there.
    const run = await runCli(['test', '--config', config, '--reporter', 'junit', '--output', join(config, 'junit.xml')], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid --output: expected a file that can be written');
    expect(requestsSince(mark)).toEqual([]);
  });

  it('prints a complete --help and exits 0', async () => {
    const run = await runCli(['test', '--help'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    for (const flag of ['--config', '--env', '--base-url', '--tags', '--grep', '--reporter', '--output', '--deadline', '--concurrency', '--request-log', 'Exit codes']) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe('probe-fleet test: selection', () => {
  const cases: { name: string; args: string[]; paths: string[] }[] = [
    { name: '--tags smoke', args: ['--tags', 'smoke'], paths: ['/health'] },
    { name: '--tags as a comma list', args: ['--tags', 'smoke,catalog'], paths: ['/health', '/products'] },
    { name: '--grep on the id', args: ['--grep', '^prod'], paths: ['/products'] },
    { name: '--grep on the name', args: ['--grep', 'Check health'], paths: ['/health'] },
  ];
  for (const c of cases) {
    it(`${c.name} runs only the matching checks`, async () => {
      const config = configWith('selection', [health(), products(), broken()]);
      const mark = seen.length;
      const run = await runCli(['test', '--config', config, ...c.args], { cwd: tmp.dir });
      expect(run.code).toBe(0);
      expect(requestsSince(mark).map((r) => r.path.split('?')[0]).sort()).toEqual(c.paths);
    });
  }

  it('--base-url without --env runs every check once against that URL as environment "custom"', async () => {
    // The configured environments point at a port nothing listens on.
    const fleet = fleetFor('http://127.0.0.1:9', [health()], {
      environments: { a: { baseUrl: 'http://127.0.0.1:9' }, b: { baseUrl: 'http://127.0.0.1:9' } },
    });
    const config = writeFleet(tmp.dir, fleet, 'base-url.json');
    const mark = seen.length;
    const run = await runCli(['test', '--config', config, '--base-url', server.url, '--reporter', 'json'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.results.map((r) => [r.checkId, r.environment, r.ok])).toEqual([['health', 'custom', true]]);
    expect(requestsSince(mark).map((r) => r.path)).toEqual(['/health']);
  });

  it('--base-url with --env replaces that environment\'s baseUrl', async () => {
    const fleet = fleetFor('http://127.0.0.1:9', [health()], { environments: { prod: { baseUrl: 'http://127.0.0.1:9' }, staging: { baseUrl: 'http://127.0.0.1:9' } } });
    const config = writeFleet(tmp.dir, fleet, 'base-url-env.json');
    const run = await runCli(['test', '--config', config, '--env', 'staging', '--base-url', server.url, '--reporter', 'json'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as JsonReport).results.map((r) => r.environment)).toEqual(['staging']);
  });
});

describe('probe-fleet test: reports', () => {
  it('--reporter json prints one parseable document with the summary and result values', async () => {
    const config = configWith('json', [health(), broken()]);
    const run = await runCli(['test', '--config', config, '--reporter', 'json'], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.fleet).toBe('cli-test');
    expect(report.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(report.summary).toMatchObject({ total: 2, passed: 1, failed: 1, degraded: 0, flaky: 0, skipped: 0 });
    expect(report.summary.durationMs).toBeGreaterThanOrEqual(0);
    const [ok, bad] = report.results;
    expect(ok).toMatchObject({ checkId: 'health', environment: 'local', location: 'local', runId: report.runId, ok: true, status: 200, failure: null });
    expect(bad).toMatchObject({ checkId: 'broken-page', ok: false, status: 404, failure: { kind: 'assertion', retryable: false } });
    expect(bad?.assertions).toContainEqual({ description: 'status', ok: false, expected: '200', actual: '404' });
  });

  it('--reporter junit --output FILE writes valid JUnit while stdout shows list progress', async () => {
    // A name full of XML's special characters must come back intact from the parsed file.
    const config = configWith('junit', [health(), products(), { ...broken(), name: `Broken "page" <a&b> 'x'` }]);
    const run = await runCli(['test', '--config', config, '--reporter', 'junit', '--output', 'reports/junit.xml'], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✓ health \[local\]/);
    expect(run.stdout).toContain('3 checks: 2 passed, 1 failed');
    const xml = readFileSync(join(tmp.dir, 'reports', 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    const root = parseXml(xml);
    const cases = findAll(root, 'testcase');
    expect(cases.map((c) => c.attributes.classname)).toEqual(['shop-api', 'shop-api', 'shop-api']);
    expect(cases[2]?.attributes.name).toBe(`broken-page: Broken "page" <a&b> 'x' [local]`);
    expect(xml).toContain('Broken &quot;page&quot; &lt;a&amp;b&gt; &apos;x&apos;');
    const failure = findAll(root, 'failure')[0]!;
    expect(failure.attributes.type).toBe('assertion');
    expect(failure.attributes.message).toBe('status: expected 200, got 404');
    expect(failure.text).toContain('rollback: redeploy pages v41');
  });

  it('--output with the json reporter writes the same document to the file', async () => {
    const config = configWith('json-file', [health()]);
    const run = await runCli(['test', '--config', config, '--reporter', 'json', '--output', 'report.json'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 check: 1 passed');
    const report = JSON.parse(readFileSync(join(tmp.dir, 'report.json'), 'utf8')) as JsonReport;
    expect(report.summary.total).toBe(1);
  });
});

describe('probe-fleet test: request log', () => {
  it('appends one JSON line per request to .probe-fleet/requests.jsonl by default', async () => {
    const work = tempDir();
    try {
      const config = configWith('log-default', [health(), products()]);
      await runCli(['test', '--config', config], { cwd: work.dir });
      const second = await runCli(['test', '--config', config], { cwd: work.dir });
      expect(second.code).toBe(0);
      const lines = readFileSync(join(work.dir, '.probe-fleet', 'requests.jsonl'), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(4);
      const entries = lines.map((l) => JSON.parse(l) as { checkId: string; method: string; url: string; status: number; runId: string });
      expect(entries.map((e) => [e.checkId, e.method, e.status]).sort()).toEqual([
        ['health', 'GET', 200],
        ['health', 'GET', 200],
        ['products', 'GET', 200],
        ['products', 'GET', 200],
      ]);
      expect(new Set(entries.map((e) => e.runId)).size).toBe(2);
      expect(second.stdout).not.toContain('"checkId"');
    } finally {
      work.remove();
    }
  });

  it('--request-log - sends the lines to stderr, never to stdout', async () => {
    const config = configWith('log-stderr', [health()]);
    const run = await runCli(['test', '--config', config, '--request-log', '-', '--reporter', 'json'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    const logLine = JSON.parse(run.stderr.trim()) as { checkId: string; url: string };
    expect(logLine).toMatchObject({ checkId: 'health', url: `${server.url}/health` });
    expect((JSON.parse(run.stdout) as JsonReport).results).toHaveLength(1);
  });
});

describe('probe-fleet test: secrets', () => {
  it('never writes the planted secret to stdout, stderr, the JSON or JUnit report, or the request log', async () => {
    const fleet = fleetFor(server.url, [
      check('echo-key', {
        url: '/echo',
        query: { key: '{{apiKey}}' },
        headers: { 'x-api-key': { $secret: 'api-key' } },
        assertions: [
          { type: 'status', equals: 200 },
          { type: 'body', contains: 'welcome' },
          { type: 'json', path: '$.error', equals: 'none' },
        ],
      }),
    ]);
    fleet.environments.local!.variables = { apiKey: { $secret: 'api-key' } };
    const config = writeFleet(tmp.dir, fleet, 'secret.json');
    const env = { PROBE_SECRET_API_KEY: PLANTED };
    const mark = seen.length;
    const runs = [
      await runCli(['test', '--config', config, '--request-log', 'secret-requests.jsonl'], { cwd: tmp.dir, env }),
      await runCli(['test', '--config', config, '--reporter', 'json', '--output', 'secret.json.out', '--request-log', '-'], { cwd: tmp.dir, env }),
      await runCli(['test', '--config', config, '--reporter', 'junit', '--output', 'secret.xml', '--request-log', '-'], { cwd: tmp.dir, env }),
      await runCli(['test', '--config', config, '--reporter', 'json', '--request-log', '-'], { cwd: tmp.dir, env }),
    ];
    // The secret really was sent and echoed back, so there was something to leak.
    const hits = requestsSince(mark);
    expect(hits).toHaveLength(4);
    expect(hits[0]?.path).toContain(encodeURIComponent(PLANTED));
    expect(hits[0]?.headers['x-api-key']).toBe(PLANTED);

    const outputs = [
      ...runs.flatMap((r) => [r.stdout, r.stderr]),
      readFileSync(join(tmp.dir, 'secret-requests.jsonl'), 'utf8'),
      readFileSync(join(tmp.dir, 'secret.json.out'), 'utf8'),
      readFileSync(join(tmp.dir, 'secret.xml'), 'utf8'),
    ];
    for (const run of runs) expect(run.code).toBe(1);
    for (const text of outputs) {
      expect(text).not.toContain(PLANTED);
      expect(text).not.toContain(encodeURIComponent(PLANTED));
    }
    // What was redacted is still reported, masked.
    expect(runs[3]?.stdout).toContain('[REDACTED]');
    expect(readFileSync(join(tmp.dir, 'secret-requests.jsonl'), 'utf8')).toContain('key=[REDACTED]');
  });

  it('exits 2 (setup error, not a failed deploy) when a secret a selected check uses is not set, sending nothing', async () => {
    const fleet = fleetFor(server.url, [
      check('keyed', { url: '/health', headers: { 'x-api-key': { $secret: 'api-key' } }, tags: ['smoke'] }),
      check('other', { url: '/health', headers: { 'x-other-key': { $secret: 'other-key' } }, tags: ['nightly'] }),
    ]);
    const config = writeFleet(tmp.dir, fleet, 'missing-secret.json');
    const mark = seen.length;
    const run = await runCli(['test', '--config', config, '--tags', 'smoke'], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('probe-fleet: 1 secret the selected checks use cannot be read; nothing ran:');
    expect(run.stderr).toContain('PROBE_SECRET_API_KEY to be set, received nothing');
    // The nightly check is not selected: its secret is not needed for this run.
    expect(run.stderr).not.toContain('PROBE_SECRET_OTHER_KEY');
    expect(requestsSince(mark)).toEqual([]);
  });
});

describe('probe-fleet test: deadline and interrupt', () => {
  it('--deadline cuts a slow run: exit 1, the rest reported as skipped, well before the server answers', async () => {
    const config = configWith('slow', [check('slow-a', { url: '/slow' }), check('slow-b', { url: '/slow' }), check('slow-c', { url: '/slow' })]);
    const run = await runCli(['test', '--config', config, '--deadline', '1s', '--concurrency', '1', '--reporter', 'json'], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.elapsedMs).toBeLessThan(SLOW_MS / 2);
    expect(run.stderr).toContain('exceeded its deadline of 1s');
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.summary.passed).toBe(0);
    expect(report.summary.skipped).toBe(2);
    expect(report.results.map((r) => r.ok)).toEqual([false, false, false]);
    expect(report.results[0]?.skipped).not.toBe(true);
    expect(report.results.slice(1).every((r) => r.skipped === true)).toBe(true);
  });

  it('Ctrl-C ends the run, reports what ran, and exits 1', async () => {
    const config = configWith('interrupt', [check('health', { url: '/health' }), check('slow-a', { url: '/slow' }), check('slow-b', { url: '/slow' })]);
    const mark = seen.length;
    let poll: NodeJS.Timeout | undefined;
    const run = await runCli(['test', '--config', config, '--concurrency', '1'], {
      cwd: tmp.dir,
      onSpawn: (child) => {
        // Interrupt once the slow check is in flight on the server.
        poll = setInterval(() => {
          if (requestsSince(mark).some((r) => r.path === '/slow')) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    clearInterval(poll);
    expect(run.code).toBe(1);
    expect(run.elapsedMs).toBeLessThan(SLOW_MS / 2);
    expect(run.stdout).toMatch(/✓ health \[local\]/);
    expect(run.stdout).toMatch(/3 checks: 1 passed/);
    expect(run.stderr).toContain('interrupted');
  });
});
