import { describe, it, expect, afterAll } from 'vitest';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildProbeBundleFromConfig, parseBuildLambdaArgs } from '../../lib/lambda/buildCommand.js';
import { PROBE_BUNDLE_BUDGET_BYTES } from '../../lib/lambda/bundle.js';

const root = resolve('test-artifacts', 'build-lambda-test');
afterAll(() => rm(root, { recursive: true, force: true }));

describe('build-lambda arguments', () => {
  const scenarios: { argv: string[]; expected: unknown }[] = [
    { argv: [], expected: { ok: true, value: { config: 'demo/probes.config.ts', out: 'dist-lambda' } } },
    { argv: ['--config', 'a.ts', '--region=us-east-1', '--out', 'o'], expected: { ok: true, value: { config: 'a.ts', region: 'us-east-1', out: 'o' } } },
    { argv: ['--fleet-json', 'f.json', '--out-dir', 'x', '--max-checks-per-shard', '10'], expected: { ok: true, value: { config: 'demo/probes.config.ts', out: 'dist-lambda', fleetJson: 'f.json', outDir: 'x', maxChecksPerShard: 10 } } },
    { argv: ['--max-checks-per-shard', '0'], expected: { ok: false, message: 'build-lambda: --max-checks-per-shard expects a positive integer, received 0' } },
    { argv: ['--config'], expected: { ok: false, message: 'build-lambda: --config expects a file, received nothing' } },
    { argv: ['--verbose'], expected: { ok: false, message: expect.stringContaining('unknown argument "--verbose"') } },
  ];
  for (const s of scenarios) {
    it(JSON.stringify(s.argv), () => {
      expect(parseBuildLambdaArgs(s.argv)).toEqual(s.expected);
    });
  }
});

describe('buildProbeBundleFromConfig', () => {
  it('bundles the demo fleet, then rebundles from its frozen fleet.json', async () => {
    const out = await buildProbeBundleFromConfig({ config: 'demo/probes.config.ts', out: join(root, 'a') }, process.cwd());
    expect(out.file).toBe(join(root, 'a', 'probe', 'index.mjs'));
    expect(out.region).toBe('eu-west-1');
    expect(out.shards).toBeGreaterThan(0);
    expect(out.bytes).toBeLessThanOrEqual(PROBE_BUNDLE_BUDGET_BYTES);
    const frozen = JSON.parse(await readFile(out.fleetFile, 'utf8'));
    expect(frozen).toMatchObject({ format: 1, name: 'demo', region: 'eu-west-1' });

    const again = await buildProbeBundleFromConfig({ config: 'unused', out: 'unused', fleetJson: out.fleetFile, outDir: join(root, 'b') }, process.cwd());
    expect(again.file).toBe(join(root, 'b', 'index.mjs'));
    expect(JSON.parse(await readFile(again.fleetFile, 'utf8'))).toEqual(frozen);
    expect((await stat(again.file)).size).toBe(out.jsBytes);
  });

  it('rejects a region the fleet does not run in', async () => {
    await expect(buildProbeBundleFromConfig({ config: 'demo/probes.config.ts', out: join(root, 'c'), region: 'mars-north-1' }, process.cwd())).rejects.toThrow(
      /--region: expected one of the fleet's regions \(eu-west-1\), received mars-north-1/,
    );
  });
});
