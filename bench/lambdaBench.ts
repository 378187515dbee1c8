// npm run bench:lambda — prints ONE JSON object:
//   bundleBytes        index.mjs + llhttp.wasm as built by build:lambda (budget 200 KB)
//   initMs             median over fresh `node` processes of import() of the bundle: the handler
//                      module's initialisation only (budget 150 ms). The module builds nothing at import;
//                      the AWS SDK clients, fleet.json and the runner load on the first invocation
//   (detail) firstInvokeMs  median over fresh `node` processes of the first handler invocation after
//                      that import, for a 1-check shard: loading fleet.json, the runner and the CloudWatch
//                      SDK client, one HTTP check, one PutMetricData to the local stand-in
//   shard100Ms         one invocation of the bundled handler running a 100-check HTTP shard against
//                      a local server, publishing to a local CloudWatch stand-in, run in a child
//                      process with --max-old-space-size=128
//   shard100PeakRssMb  that child's peak resident set size
//   putMetricDataCalls PutMetricData calls that invocation made
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { bundleProbe, PROBE_BUNDLE_BUDGET_BYTES } from '../lib/lambda/bundle.js';
import { freezeFleet } from '../lib/lambda/frozenFleet.js';
import { planShards } from '../lib/lambda/shards.js';
import type { Check, Fleet } from '../lib/model/fleet.js';

const INIT_RUNS = 9;
const FIRST_INVOKE_RUNS = 5;
const CHECKS = 100;
const RESULT_MARK = 'LAMBDA_BENCH_RESULT ';

function listen(server: Server): Promise<string> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

/** Answers PutMetricData like CloudWatch's JSON 1.0 protocol and counts calls and datums. */
function cloudWatchStandIn(): { server: Server; calls: () => number; datums: () => number } {
  let calls = 0;
  let datums = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (req.headers['x-amz-target'] === 'GraniteServiceVersion20100801.PutMetricData') {
        calls++;
        datums += (JSON.parse(body.toString('utf8')) as { MetricData: unknown[] }).MetricData.length;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{}');
    });
  });
  return { server, calls: () => calls, datums: () => datums };
}

function benchCheck(id: string, url: string): Check {
  return {
    kind: 'http',
    id,
    name: id,
    service: 'bench',
    owner: 'bench',
    runbook: 'https://runbooks.example.com/bench',
    rollbackNote: 'none',
    expect: 'GET /health answers 200',
    severity: 'warning',
    url,
    assertions: [{ type: 'status', equals: 200 }, { type: 'json', path: '$.status', equals: 'ok' }],
  };
}

/** 100 checks every 5 minutes (one shard), plus one check every minute: a shard of its own, for firstInvokeMs. */
function benchFleet(baseUrl: string): Fleet {
  const checks: Check[] = [
    ...Array.from({ length: CHECKS }, (_, i) => benchCheck(`check-${i}`, `/health?i=${i}`)),
    { ...benchCheck('small', '/health?small'), schedule: '1m' },
  ];
  return {
    name: 'bench',
    homeRegion: 'us-east-1',
    regions: ['eu-west-1'],
    defaults: { schedule: '5m', rateLimit: { requestsPerSecond: 10_000, burst: 100 }, concurrency: 16 },
    environments: { prod: { baseUrl } },
    checks,
  };
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ stdout, stderr, code }));
  });
}

function resultOf(run: { stdout: string; stderr: string; code: number | null }, what: string): Record<string, number> {
  const line = run.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (run.code !== 0 || line === undefined) {
    throw new Error(`${what}: expected a result line and exit code 0, received exit code ${String(run.code)}; stderr: ${run.stderr.slice(-2000)}`);
  }
  return JSON.parse(line.slice(RESULT_MARK.length)) as Record<string, number>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const target = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  const cloudWatch = cloudWatchStandIn();
  const targetUrl = await listen(target);
  const cloudWatchUrl = await listen(cloudWatch.server);
  try {
    const fleet = benchFleet(targetUrl);
    const shards = planShards(fleet, { maxChecksPerShard: CHECKS });
    const shard = shards.find((s) => s.targets.length === CHECKS)!;
    const small = shards.find((s) => s.targets.length === 1)!;
    const outDir = resolve('dist-lambda', 'bench', 'probe');
    const out = await bundleProbe({ entry: resolve('lambdas', 'probe.ts'), outDir, fleet: freezeFleet(fleet, 'eu-west-1', shards) });
    const bundleUrl = pathToFileURL(out.file).href;

    // The SDK's warning about Node 20 would be noise on stderr; Lambda runs Node 22.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      PROBE_CLOUDWATCH_ENDPOINT: cloudWatchUrl,
      NODE_NO_WARNINGS: '1',
    };

    const initScript = join(outDir, 'bench-init.mjs');
    await writeFile(
      initScript,
      `const t0 = performance.now();\nconst m = await import(${JSON.stringify(bundleUrl)});\nconst ms = performance.now() - t0;\nif (typeof m.handler !== 'function') throw new Error('no handler export');\nconsole.log(${JSON.stringify(RESULT_MARK)} + JSON.stringify({ ms }));\n`,
    );
    const inits: number[] = [];
    for (let i = 0; i < INIT_RUNS; i++) inits.push(resultOf(await runNode([initScript], env), 'init').ms!);

    const firstScript = join(outDir, 'bench-first-invoke.mjs');
    await writeFile(
      firstScript,
      [
        `const { handler } = await import(${JSON.stringify(bundleUrl)});`,
        'const end = Date.now() + 60_000;',
        'const t0 = performance.now();',
        `const summary = await handler({ shard: ${JSON.stringify(small.id)} }, { awsRequestId: 'bench-first', getRemainingTimeInMillis: () => end - Date.now() });`,
        'const ms = performance.now() - t0;',
        'if (summary.checks !== 1 || summary.passed !== 1 || !summary.publish.ok) throw new Error("unexpected summary " + JSON.stringify(summary));',
        `console.log(${JSON.stringify(RESULT_MARK)} + JSON.stringify({ ms }));`,
      ].join('\n'),
    );
    const firstInvokes: number[] = [];
    for (let i = 0; i < FIRST_INVOKE_RUNS; i++) firstInvokes.push(resultOf(await runNode([firstScript], env), 'first invocation').ms!);
    const callsBeforeShard = cloudWatch.calls();
    const datumsBeforeShard = cloudWatch.datums();

    const shardScript = join(outDir, 'bench-shard.mjs');
    await writeFile(
      shardScript,
      [
        `const { handler } = await import(${JSON.stringify(bundleUrl)});`,
        'const end = Date.now() + 300_000;',
        'const t0 = performance.now();',
        `const summary = await handler({ shard: ${JSON.stringify(shard.id)} }, { awsRequestId: 'bench', getRemainingTimeInMillis: () => end - Date.now() });`,
        'const ms = performance.now() - t0;',
        'if (summary.checks !== ' + String(CHECKS) + ' || summary.passed !== ' + String(CHECKS) + ') throw new Error("unexpected summary " + JSON.stringify(summary));',
        `console.log(${JSON.stringify(RESULT_MARK)} + JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, calls: summary.publish.calls }));`,
      ].join('\n'),
    );
    const shardRun = resultOf(await runNode(['--max-old-space-size=128', shardScript], env), 'shard100');

    process.stdout.write(
      `${JSON.stringify({
        bundleBytes: out.bytes,
        initMs: round(median(inits)),
        shard100Ms: round(shardRun.ms!),
        shard100PeakRssMb: round(shardRun.maxRssKb! / 1024),
        putMetricDataCalls: cloudWatch.calls() - callsBeforeShard,
        detail: {
          bundleJsBytes: out.jsBytes,
          bundleWasmBytes: out.wasmBytes,
          fleetJsonBytes: out.fleetBytes,
          initRunsMs: inits.map((ms) => round(ms)),
          firstInvokeMs: round(median(firstInvokes)),
          firstInvokeRunsMs: firstInvokes.map((ms) => round(ms)),
          datumsPublished: cloudWatch.datums() - datumsBeforeShard,
          node: process.version,
          budgets: { bundleBytes: PROBE_BUNDLE_BUDGET_BYTES, initMs: 150, heapLimitMb: 128 },
        },
      })}\n`,
    );
  } finally {
    await close(target);
    await close(cloudWatch.server);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:lambda: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
