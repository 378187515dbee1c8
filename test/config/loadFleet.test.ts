import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/errors.js';
import { DEFAULT_CONFIG_FILE, loadFleet, probeFleetEntry, resolveConfigPath } from '../../lib/config/loadFleet.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-fleet-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function loadError(file: string): Promise<ConfigError> {
  const error: unknown = await loadFleet(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const CHECK = `{
  kind: 'http', id: 'health', name: 'Health', service: 'shop', owner: 'team-shop',
  runbook: 'https://runbooks.example.com/health', rollbackNote: 'Roll back.', expect: 'Answers 200.',
  severity: 'critical', url: '/health', headers: { Authorization: secret('shop-token') },
  assertions: [{ type: 'status', equals: 200 }],
}`;

describe('loadFleet', () => {
  it('bundles a .ts config that imports probe-fleet, a relative module and a node builtin', async () => {
    await write('checks.ts', `import { secret } from 'probe-fleet';\nimport type { Check } from 'probe-fleet';\nexport const health: Check = ${CHECK};\n`);
    const file = await write(
      'probes.config.ts',
      [
        "import { join } from 'node:path';",
        "import { defineFleet, secret } from 'probe-fleet';",
        "import { health } from './checks.js';",
        'const prefix: string = join("/", "v1");',
        'export default defineFleet({',
        "  name: 'shop', homeRegion: 'eu-west-1', regions: ['eu-west-1'],",
        "  environments: { prod: { baseUrl: 'https://shop.example.com' + prefix, variables: { password: secret('probe-password') } } },",
        '  checks: [health],',
        '});',
      ].join('\n'),
    );
    const fleet = await loadFleet(file);
    expect(fleet.name).toBe('shop');
    expect(fleet.environments.prod).toEqual({ baseUrl: 'https://shop.example.com/v1', variables: { password: { $secret: 'probe-password' } } });
    expect(fleet.checks.map((c) => c.id)).toEqual(['health']);
    expect(fleet.checks[0]).toMatchObject({ headers: { Authorization: { $secret: 'shop-token' } } });
    // The bundle was written beside the config and removed again.
    expect((await readdir(dir)).filter((name) => name.endsWith('.mjs'))).toEqual([]);
  });

  it('takes a named `fleet` export from an .mjs file', async () => {
    const file = await write(
      'named.mjs',
      `import { secret } from 'probe-fleet';\nexport const fleet = { name: 'n', homeRegion: 'us-east-1', regions: ['us-east-1'], environments: { prod: { baseUrl: 'http://127.0.0.1:9' } }, checks: [${CHECK}] };\n`,
    );
    const fleet = await loadFleet(file);
    expect(fleet.homeRegion).toBe('us-east-1');
  });

  it('awaits a fleet exported as a promise', async () => {
    const file = await write(
      'async.config.ts',
      `import { defineFleet } from 'probe-fleet';\nconst regions = await Promise.resolve(['eu-west-1']);\nexport default Promise.resolve(defineFleet({ name: 'a', homeRegion: 'eu-west-1', regions, environments: { prod: { baseUrl: 'https://a.example.com' } }, checks: [] }));\n`,
    );
    expect((await loadFleet(file)).regions).toEqual(['eu-west-1']);
  });

  it('reads a .json file directly', async () => {
    const file = await write(
      'fleet.json',
      JSON.stringify({ name: 'j', homeRegion: 'eu-west-1', regions: ['eu-west-1'], environments: { prod: { baseUrl: 'https://shop.example.com' } }, checks: [] }),
    );
    expect((await loadFleet(file)).name).toBe('j');
  });

  it('reports a syntax error with its file position, as a ConfigError without a stack', async () => {
    const file = await write('broken.config.ts', "import { defineFleet } from 'probe-fleet';\nexport default defineFleet({\n  name: 'x'\n  regions: [],\n});\n");
    const error = await loadError(file);
    expect(error.kind).toBe('config_invalid');
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]?.path).toBe('(file)');
    expect(error.diagnostics[0]?.message).toMatch(/^could not compile the fleet definition: broken\.config\.ts:4:3: Expected "}" but found "regions"/);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(error.file).toBe(file);
  });

  it('reports a missing file', async () => {
    const file = join(dir, 'nope.config.ts');
    const error = await loadError(file);
    expect(error.diagnostics).toEqual([
      { path: '(file)', expected: 'a file at this path', received: 'no such file', message: 'fleet definition not found: expected a file at this path, received no such file' },
    ]);
    expect(error.message).toContain(file);
  });

  it('reports every validation problem of an invalid config in one ConfigError', async () => {
    const file = await write(
      'invalid.config.ts',
      [
        "import { defineFleet, secret } from 'probe-fleet';",
        'export default defineFleet({',
        "  name: 'shop', homeRegion: 'eu-west-1', regions: ['eu-west-1'],",
        "  environments: { prod: { baseUrl: 'https://shop.example.com' } },",
        "  checks: [{ ...(" + CHECK + "), id: 'Bad Id', schedule: '3m', method: 'POST' }],",
        '});',
      ].join('\n'),
    );
    const error = await loadError(file);
    expect(error.diagnostics.map((d) => d.path)).toEqual(['checks[0].id', 'checks[0].schedule', 'checks[0].method']);
    expect(error.message).toContain('Invalid fleet definition: 3 problems');
  });

  it('reports a config that throws while loading, without a stack', async () => {
    const file = await write('throws.config.ts', "throw new Error('PROBE_BASE_URL is not set');\nexport default {};\n");
    const error = await loadError(file);
    expect(error.diagnostics[0]?.message).toBe(
      'the fleet definition threw while loading: expected a module that evaluates without throwing, received Error: PROBE_BASE_URL is not set',
    );
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('reports a module without a fleet export', async () => {
    const file = await write('empty.config.ts', 'export const other = 1;\n');
    const error = await loadError(file);
    expect(error.diagnostics[0]?.message).toMatch(/^no fleet exported: expected export default defineFleet.*received exports other$/);
  });

  // A config is code; none of these may end the process, fake success or crash what follows.
  const hostile: { name: string; file: string; source: string; path: string | RegExp; message: RegExp }[] = [
    {
      name: 'a default export that is a promise rejecting at once',
      file: 'rejects.config.ts',
      source: "export default Promise.reject(new Error('catalogue service down'));\n",
      path: '(file)',
      message: /rejected.*received Error: catalogue service down/,
    },
    {
      name: 'a promise that rejects with nothing handling it',
      file: 'unhandled.config.ts',
      source: "import { defineFleet } from 'probe-fleet';\nvoid Promise.reject(new Error('stray'));\nexport default new Promise((r) => setTimeout(() => r(defineFleet({ name: 'x', homeRegion: 'eu-west-1', regions: ['eu-west-1'], environments: {}, checks: [] })), 200));\n",
      path: '(file)',
      message: /a promise in the fleet definition rejected and nothing handled it.*received Error: stray/,
    },
    {
      name: 'process.exit(0) while loading',
      file: 'exits.config.ts',
      source: "process.exit(0);\nexport default {};\n",
      path: '(file)',
      message: /the fleet definition ended its own loading.*received process\.exit\(0\) before a fleet was exported/,
    },
    {
      name: 'process.exit(0) while the exported promise is pending',
      file: 'exits-later.config.ts',
      source: 'export default new Promise(() => setTimeout(() => process.exit(0), 20));\n',
      path: '(file)',
      message: /process\.exit\(0\) before a fleet was exported/,
    },
    {
      name: 'a request body nested 100,000 levels deep',
      file: 'deep.config.ts',
      source: [
        "import { defineFleet } from 'probe-fleet';",
        'let json: unknown = 1;',
        'for (let i = 0; i < 100_000; i++) json = { a: json };',
        'export default defineFleet({',
        "  name: 'deep', homeRegion: 'eu-west-1', regions: ['eu-west-1'], environments: { prod: { baseUrl: 'https://a.example.com' } },",
        "  checks: [{ kind: 'http', id: 'deep', name: 'Deep', service: 's', owner: 'o', runbook: 'https://r.example.com', rollbackNote: 'r', expect: 'e', severity: 'critical', url: '/', method: 'POST', sideEffects: { kind: 'none', reason: 'echo' }, body: { json } } as never],",
        '});',
      ].join('\n'),
      path: /^checks\[0\]\.body\.json(\.a)+/,
      message: /expected at most 128 levels of nesting/,
    },
    {
      name: 'a function where data belongs',
      file: 'function.config.ts',
      source: "export default { name: 'f', checks: [{ id: 'x', url: () => '/health' }] };\n",
      path: 'checks[0].url',
      message: /expected plain data.*received a function/,
    },
  ];
  for (const row of hostile) {
    it(`reports ${row.name} as a ConfigError naming ${typeof row.path === 'string' ? row.path : 'the path'}, and removes the bundle`, async () => {
      const before = (await readdir(dir)).filter((name) => name.endsWith('.mjs'));
      const error = await loadError(await write(row.file, row.source));
      expect(error.diagnostics).toHaveLength(1);
      const [diagnostic] = error.diagnostics;
      if (typeof row.path === 'string') expect(diagnostic?.path).toBe(row.path);
      else expect(diagnostic?.path).toMatch(row.path);
      expect(diagnostic?.message).toMatch(row.message);
      expect(error.message).not.toMatch(/\n\s+at /);
      expect((await readdir(dir)).filter((name) => name.endsWith('.mjs'))).toEqual(before);
    });
  }

  it('refuses a JSON file nested 100,000 levels deep, naming the path, without overflowing the stack', async () => {
    const depth = 100_000;
    const body = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const file = await write('deep.json', `{"name":"deep","homeRegion":"eu-west-1","regions":["eu-west-1"],"environments":{},"checks":[{"id":"x","body":{"json":${body}}}]}`);
    const error = await loadError(file);
    expect(error.diagnostics[0]?.path).toMatch(/^checks\[0\]\.body\.json(\.a)+/);
    expect(error.diagnostics[0]?.message).toMatch(/expected at most 128 levels of nesting/);
  });

  const jsonErrors: { name: string; text: string; at: string }[] = [
    { name: 'a missing comma', text: '{\n  "name": "shop"\n  "homeRegion": "eu-west-1"\n}', at: 'broken-1.json:3:3' },
    { name: 'a trailing comma', text: '{\n  "name": "shop",\n}', at: 'broken-2.json:3:1' },
    { name: 'a text that ends too soon', text: '{\n  "name": ', at: 'broken-3.json:2:11' },
  ];
  for (const [i, row] of jsonErrors.entries()) {
    it(`gives the line and column of ${row.name} in a JSON file`, async () => {
      const error = await loadError(await write(`broken-${i + 1}.json`, row.text));
      expect(error.diagnostics[0]?.received).toMatch(new RegExp(`^${row.at.replace(/\./g, '\\.')}: `));
    });
  }

  it('reports invalid JSON and unsupported extensions', async () => {
    const json = await loadError(await write('bad.json', '{ "name": '));
    expect(json.diagnostics[0]?.message).toMatch(/^the fleet definition is not valid JSON: expected a JSON object, received /);
    const yaml = await loadError(await write('fleet.yaml', 'name: x\n'));
    expect(yaml.diagnostics[0]?.message).toBe('unsupported fleet definition file: expected a .ts, .mts, .js, .mjs or .json file, received ".yaml"');
  });
});

describe('resolveConfigPath and probeFleetEntry', () => {
  it.each([
    { name: 'default file', cwd: '/srv/app', flag: undefined, expected: `/srv/app/${DEFAULT_CONFIG_FILE}` },
    { name: 'relative flag', cwd: '/srv/app', flag: 'config/prod.ts', expected: '/srv/app/config/prod.ts' },
    { name: 'absolute flag', cwd: '/srv/app', flag: '/etc/probes.ts', expected: '/etc/probes.ts' },
    { name: 'empty flag', cwd: '/srv/app', flag: '', expected: `/srv/app/${DEFAULT_CONFIG_FILE}` },
  ])('$name', ({ cwd, flag, expected }) => {
    expect(resolveConfigPath(cwd, flag)).toBe(expected);
  });

  it('maps probe-fleet to this project’s lib/index.ts', () => {
    expect(probeFleetEntry()).toMatch(/[/\\]lib[/\\]index\.ts$/);
  });
});
