// The one test that runs the real esbuild bundling through NodejsFunction: the probe and
// notify bundles hold their handler and the frozen fleet / notify config.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { lambdaCodeProps } from '../../lib/infra/lambdaCode.js';
import { ProbeFleet } from '../../lib/infra/index.js';
import { parseFrozenFleet } from '../../lib/lambda/frozenFleet.js';
import { parseNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { smallFleet } from './synth.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The staged asset directory of a function: `asset.<hash>` in the assembly, named by the S3 key. */
function assetDirOf(template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }, functionName: string): string {
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === functionName);
  expect(fn, functionName).toBeDefined();
  const key = (fn!.Properties.Code as { S3Key: string }).S3Key;
  return join(dir, `asset.${key.replace(/\.zip$/, '')}`);
}

describe('Lambda bundles', () => {
  it('bundles the probe handler with fleet.json and the notify handler with notify.json', { timeout: 180_000 }, () => {
    const app = new App({ outdir: dir, builtinCloudFormationValidation: false });
    const fleet = new ProbeFleet(app, 'Fleet', { fleet: smallFleet({ regions: ['eu-west-1'] }), bundling: 'esbuild' });
    const assembly = app.synth();
    const read = (name: string) => JSON.parse(readFileSync(join(dir, assembly.getStackByName(name).templateFile), 'utf8')) as Parameters<typeof assetDirOf>[0];

    const probeDir = assetDirOf(read('probe-fleet-shop-probes-eu-west-1'), 'probe-fleet-shop-eu-west-1-1m-0');
    const code = readFileSync(join(probeDir, 'index.mjs'), 'utf8');
    expect(code).toContain('createRequire');
    expect(code).not.toMatch(/from\s*"@aws-sdk\/client-cloudwatch\/dist/);
    const frozen = parseFrozenFleet(readFileSync(join(probeDir, 'fleet.json'), 'utf8'));
    expect(frozen.region).toBe('eu-west-1');
    expect(frozen.shards.map((s) => s.id)).toEqual(fleet.shards.map((s) => s.id));

    const notifyDir = assetDirOf(read('probe-fleet-shop-home'), 'probe-fleet-shop-notify');
    expect(existsSync(join(notifyDir, 'index.mjs'))).toBe(true);
    const config = parseNotifyConfig(JSON.parse(readFileSync(join(notifyDir, 'notify.json'), 'utf8')));
    expect(Object.keys(config.targets).sort()).toEqual(['cart-page', 'catalog-search', 'checkout-health', 'db-port']);
  });

  it('changes the asset hash when the frozen fleet changes, and only then', () => {
    const hash = (text: string) => (lambdaCodeProps('esbuild', 'lambdas/probe.ts', { 'fleet.json': text }).bundling as { assetHash: string }).assetHash;
    expect(hash('{"a":1}')).toBe(hash('{"a":1}'));
    expect(hash('{"a":1}')).not.toBe(hash('{"a":2}'));
  });
});
