// `build-lambda` as a user runs it: --help is usage (exit 0), a bad fleet is a config error
// (exit 2, nothing built), as with every probe-fleet command; only a failed build is exit 1.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildInputError, buildExitCode, parseBuildLambdaArgs } from '../../lib/lambda/buildCommand.js';
import { ConfigError } from '../../lib/config/errors.js';
import { FrozenFleetError } from '../../lib/lambda/frozenFleet.js';
import { ROOT, tempDir } from './helpers.js';

const BIN = join(ROOT, 'dist', 'bin', 'build-lambda.js');
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`expected the built script at ${BIN}, received no file: run npm run build`);
  tmp = tempDir();
});

afterAll(() => {
  tmp.remove();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

describe('build-lambda command line', () => {
  for (const flag of ['--help', '-h']) {
    it(`${flag} prints the usage and exits 0`, async () => {
      const result = await run(['--config', 'whatever.ts', flag]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      for (const option of ['--config FILE', '--region REGION', '--out DIR', '--max-checks-per-shard N', '--fleet-json FILE', '--out-dir DIR', 'Exit codes']) {
        expect(result.stdout).toContain(option);
      }
    });
  }

  it('an invalid fleet definition is a config error: exit 2, every problem named, nothing built', async () => {
    writeFileSync(join(tmp.dir, 'bad.config.json'), JSON.stringify({ name: 'bad', homeRegion: 'nowhere', regions: ['eu-west-1'], environments: {}, checks: [] }));
    const result = await run(['--config', 'bad.config.json', '--out', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid fleet definition');
    expect(result.stderr).toContain('homeRegion');
    expect(existsSync(join(tmp.dir, 'out'))).toBe(false);
  });

  it('a missing config file is a config error too (exit 2)', async () => {
    const result = await run(['--config', 'nowhere.config.ts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(tmp.dir, 'nowhere.config.ts'));
  });

  it('a missing --fleet-json is an input error (exit 2)', async () => {
    const result = await run(['--fleet-json', 'missing.json', '--out-dir', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--fleet-json: expected a readable frozen fleet.json, could not read ${join(tmp.dir, 'missing.json')} (ENOENT)`);
  });

  it('an unknown flag is a usage error that points at --help (exit 2)', async () => {
    const result = await run(['--verbose']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown argument "--verbose"');
    expect(result.stderr).toContain('or --help');
  });
});

describe('build-lambda exit codes', () => {
  const cases: { name: string; error: unknown; code: 1 | 2 }[] = [
    { name: 'an invalid fleet', error: new ConfigError([]), code: 2 },
    { name: 'a CA file that cannot be frozen', error: new FrozenFleetError('ca'), code: 2 },
    { name: 'a region the fleet does not run in', error: new BuildInputError('--region'), code: 2 },
    { name: 'a bundler failure', error: new Error('esbuild: out of memory'), code: 1 },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, () => {
      expect(buildExitCode(c.error)).toBe(c.code);
    });
  }

  it('parses --help without reading the other flags', () => {
    expect(parseBuildLambdaArgs(['--help'])).toEqual({ ok: true, help: expect.stringContaining('Usage: npm run build:lambda') });
  });
});
