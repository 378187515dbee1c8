// The tests that run real bundling through synthesis: the probe asset is what the project's
// own bundler (`npm run build:lambda`) produces — small, with fleet.json, and it runs — and
// the notify bundle holds its handler and notify.json.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeCodeProps } from '../../lib/infra/lambdaCode.js';
import { ProbeFleet } from '../../lib/infra/index.js';
import { LLHTTP_WASM_FILE, PROBE_BUNDLE_BUDGET_BYTES } from '../../lib/lambda/bundle.js';
import { parseFrozenFleet } from '../../lib/lambda/frozenFleet.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { parseNotifyConfig } from '../../lib/notify/notifyConfig.js';
import { httpCheck, scheduledEvent, testFleet } from '../lambda/fixtures.js';
import { startFakeAws, type FakeAws } from '../support/fakeAws.js';
import { invokeBundledProbe } from '../support/runNode.js';
import { startHttpServer, type StartedHttpServer } from '../support/servers.js';
import { smallFleet } from './synth.js';

/** Inside the package, so the bundle's runtime-provided `@aws-sdk/*` resolves from node_modules as in Lambda. */
const root = resolve('test-artifacts', `infra-bundling-${String(process.pid)}`);
const BUDGET_BYTES = PROBE_BUNDLE_BUDGET_BYTES;
let target: StartedHttpServer;
const targetPaths: string[] = [];
let aws: FakeAws;

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  target = await startHttpServer((req, res) => {
    targetPaths.push(req.url ?? '');
    res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  aws = await startFakeAws();
});

afterAll(async () => {
  await target.close();
  await aws.close();
  rmSync(root, { recursive: true, force: true });
});

type TemplateJson = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

function synthesize(name: string, fleet: Fleet) {
  const outdir = join(root, name);
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const probeFleet = new ProbeFleet(app, 'Fleet', { fleet, bundling: 'esbuild' });
  const assembly = app.synth();
  const template = (stackName: string) => JSON.parse(readFileSync(join(outdir, assembly.getStackByName(stackName).templateFile), 'utf8')) as TemplateJson;
  /** The staged asset directory of a function: `asset.<hash>` in the assembly, named by the S3 key. */
  const assetDirOf = (stackName: string, functionName: string): string => {
    const fn = Object.values(template(stackName).Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === functionName);
    expect(fn, functionName).toBeDefined();
    const key = (fn!.Properties.Code as { S3Key: string }).S3Key;
    return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  };
  return { probeFleet, assetDirOf, template };
}

describe('Lambda bundles', () => {
  it('stages the probe as the project bundler builds it (≤ 200 KB code, fleet.json) and the notify handler with notify.json', { timeout: 180_000 }, () => {
    const { probeFleet, assetDirOf } = synthesize('shop', smallFleet({ regions: ['eu-west-1'] }));

    const probeDir = assetDirOf('probe-fleet-shop-probes-eu-west-1', 'probe-fleet-shop-eu-west-1-1m-0');
    expect(readdirSync(probeDir).sort()).toEqual(['fleet.json', 'index.mjs', LLHTTP_WASM_FILE]);
    const codeBytes = statSync(join(probeDir, 'index.mjs')).size + statSync(join(probeDir, LLHTTP_WASM_FILE)).size;
    expect(codeBytes).toBeLessThanOrEqual(BUDGET_BYTES);
    const code = readFileSync(join(probeDir, 'index.mjs'), 'utf8');
    // The lean undici build: no global dispatcher, no base64 parser, the SDK left to the runtime.
    expect(code.includes('undici.globalDispatcher')).toBe(false);
    expect(code.includes('AGFzbQEAAAAB')).toBe(false);
    expect(/^import[^;]*@aws-sdk/m.test(code)).toBe(false);
    const frozen = parseFrozenFleet(readFileSync(join(probeDir, 'fleet.json'), 'utf8'));
    expect(frozen.region).toBe('eu-west-1');
    expect(frozen.shards.map((s) => s.id)).toEqual(probeFleet.shards.map((s) => s.id));
    // Every shard function of the region shares the one asset.
    const others = probeFleet.shards.filter((s) => s.region === 'eu-west-1').map((s) => assetDirOf('probe-fleet-shop-probes-eu-west-1', `probe-fleet-shop-${s.id}`));
    expect(new Set(others)).toEqual(new Set([probeDir]));

    const notifyDir = assetDirOf('probe-fleet-shop-home', 'probe-fleet-shop-notify');
    expect(existsSync(join(notifyDir, 'index.mjs'))).toBe(true);
    const config = parseNotifyConfig(JSON.parse(readFileSync(join(notifyDir, 'notify.json'), 'utf8')));
    expect(Object.keys(config.targets).sort()).toEqual(['cart-page', 'catalog-search', 'checkout-health', 'db-port']);
  });

  it('the staged probe bundle runs a shard in a fresh Node process, reading its own fleet.json', { timeout: 180_000 }, async () => {
    const fleet = testFleet(target.url, [httpCheck('health', '/health'), httpCheck('down', '/down')]);
    const { probeFleet, assetDirOf } = synthesize('local', fleet);
    const shard = probeFleet.shards[0]!;
    const dir = assetDirOf('probe-fleet-shop-probes-eu-west-1', `probe-fleet-shop-${shard.id}`);
    const run = await invokeBundledProbe({ handlerFile: join(dir, 'index.mjs'), script: join(root, 'invoke-staged.mjs'), event: scheduledEvent(shard.id), requestId: 'staged-1', cloudwatchEndpoint: aws.endpoint });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ shard: shard.id, checks: 2, passed: 1, failed: 1, skipped: 0, publish: { ok: true, calls: 1 } });
    expect(targetPaths.sort()).toEqual(['/down', '/health']);
    const put = aws.requests.filter((r) => r.operation === 'PutMetricData');
    expect(put).toHaveLength(1);
    expect(put[0]!.region).toBe('us-east-1');
  });

  it('changes the probe asset hash when the frozen fleet changes, and only then', () => {
    // Bundling is skipped for every stack (as `cdk synth --exclusively` does for others); the hash is still computed.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    let n = 0;
    const hash = (text: string) => {
      const { code } = probeCodeProps('esbuild', { 'fleet.json': text });
      return code!.bind(new Stack(app, `H${String(n++)}`, { env: { region: 'eu-west-1' } })).s3Location!.objectKey;
    };
    expect(hash('{"a":1}')).toBe(hash('{"a":1}'));
    expect(hash('{"a":1}')).not.toBe(hash('{"a":2}'));
  });
});
