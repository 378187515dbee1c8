#!/usr/bin/env node
// npm run build:lambda [-- --config FILE] [--region REGION] [--out DIR] [--fleet-json FILE --out-dir DIR] [--help]
// Bundles the probe into <out>/probe/index.mjs with the fleet frozen for one region. Exit 2 for usage or
// configuration problems (nothing built), 1 when the build itself fails.
import { relative } from 'node:path';
import { buildExitCode, buildProbeBundleFromConfig, parseBuildLambdaArgs } from '../lib/lambda/buildCommand.js';

const args = parseBuildLambdaArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`${args.message}\n`);
  process.exit(2);
}
if ('help' in args) {
  process.stdout.write(args.help);
  process.exit(0);
}
try {
  const out = await buildProbeBundleFromConfig(args.value, process.cwd());
  process.stdout.write(
    `${JSON.stringify({ bundle: relative(process.cwd(), out.file), bundleBytes: out.bytes, jsBytes: out.jsBytes, wasmBytes: out.wasmBytes, fleet: relative(process.cwd(), out.fleetFile), fleetBytes: out.fleetBytes, region: out.region, shards: out.shards })}\n`,
  );
} catch (error) {
  process.stderr.write(`build-lambda: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(buildExitCode(error));
}
