// Builds the real Lambda bundle and runs it in a fresh Node process, the way Lambda loads it:
// import index.mjs, call `handler`, with fleet.json read from the bundle's own directory.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleProbe, LLHTTP_WASM_FILE, PROBE_BUNDLE_BUDGET_BYTES } from '../../lib/lambda/bundle.js';
import { freezeFleet } from '../../lib/lambda/frozenFleet.js';
import { planShards } from '../../lib/lambda/shards.js';
import { startFakeAws } from '../support/fakeAws.js';
import type { FakeAws } from '../support/fakeAws.js';
import { invokeBundledProbe } from '../support/runNode.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { httpCheck, scheduledEvent, testFleet } from './fixtures.js';
import { packageVersion } from '../../lib/runner/userAgent.js';

const outDir = resolve('test-artifacts', 'lambda-bundle-test', 'probe');
let target: StartedHttpServer;
let aws: FakeAws;
const userAgents: string[] = [];

beforeAll(async () => {
  target = await startHttpServer((req, res) => {
    userAgents.push(req.headers['user-agent'] ?? '');
    res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  aws = await startFakeAws();
});

afterAll(async () => {
  await target.close();
  await aws.close();
  await rm(resolve('test-artifacts', 'lambda-bundle-test'), { recursive: true, force: true });
});

describe('the Lambda bundle', () => {
  it('is small, ESM, keeps the AWS SDK external, and runs a shard from a scheduled event', async () => {
    const fleet = testFleet(target.url, [httpCheck('health', '/health', { detailedTimings: true }), httpCheck('down', '/down')]);
    const shards = planShards(fleet);
    const out = await bundleProbe({ entry: resolve('lambdas', 'probe.ts'), outDir, fleet: freezeFleet(fleet, 'eu-west-1', shards) });
    expect(out.file).toBe(join(outDir, 'index.mjs'));
    expect(out.bytes).toBeLessThanOrEqual(PROBE_BUNDLE_BUDGET_BYTES);
    expect(out.bytes).toBe(out.jsBytes + out.wasmBytes);

    const code = await readFile(out.file, 'utf8');
    // The version is compiled in (Lambda has no package.json to read it from at run time).
    expect(code).toContain(JSON.stringify(packageVersion()));
    // The SDK comes from the runtime, loaded on first use.
    expect(/import\(["']@aws-sdk\/client-cloudwatch["']\)/.test(code)).toBe(true);
    expect(/^import[^;]*@aws-sdk/m.test(code)).toBe(false);
    // undici's global dispatcher (which would replace Node's own) and the base64 parser stayed out.
    expect(code.includes('undici.globalDispatcher')).toBe(false);
    expect(code.includes('AGFzbQEAAAAB')).toBe(false);
    expect((await readFile(join(outDir, LLHTTP_WASM_FILE))).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
    expect(JSON.parse(await readFile(out.fleetFile, 'utf8'))).toMatchObject({ format: 1, name: 'shop', region: 'eu-west-1', homeRegion: 'us-east-1' });

    const run = await invokeBundledProbe({ handlerFile: out.file, script: join(outDir, 'invoke.mjs'), event: scheduledEvent(shards[0]!.id), requestId: 'bundle-1', cloudwatchEndpoint: aws.endpoint });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ shard: 'eu-west-1-5m-0', checks: 2, passed: 1, failed: 1, skipped: 0, publish: { ok: true, calls: 1 } });
    const logged = run.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l.event === 'check_result').map((l) => [l.checkId, l.ok, l.status]).sort()).toEqual([
      ['down', false, 503],
      ['health', true, 200],
    ]);
    // The bundle names the package version it was built from, not 0.0.0.
    expect(userAgents.length).toBeGreaterThan(0);
    for (const agent of userAgents) expect(agent).toBe(`probe-fleet/${packageVersion()} (+synthetic)`);
    const put = aws.requests.filter((r) => r.operation === 'PutMetricData');
    expect(put).toHaveLength(1);
    expect(put[0]!.region).toBe('us-east-1');
    expect((put[0]!.body as { MetricData: { MetricName: string }[] }).MetricData.map((d) => d.MetricName)).toEqual([
      'Success', 'Duration', 'Degraded', 'DnsMs', 'ConnectMs', 'TlsMs', 'TtfbMs', 'TransferMs',
      'Success', 'Duration', 'Degraded',
      'ChecksRun', 'ChecksSkipped',
    ]);
  });
});
