// The work behind `npm run build:lambda`: load and validate a fleet definition, plan its
// shards, freeze it for one region and bundle the probe with it.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isConfigError } from '../config/errors.js';
import { loadFleet, resolveConfigPath } from '../config/loadFleet.js';
import { cronPeriodSeconds } from '../config/schedule.js';
import { bundleProbe } from './bundle.js';
import type { BundleOutput } from './bundle.js';
import { FrozenFleetError, freezeFleet, parseFrozenFleet } from './frozenFleet.js';
import { planShards } from './shards.js';

export const DEFAULT_BUILD_CONFIG = 'demo/probes.config.ts';
export const DEFAULT_OUT_DIR = 'dist-lambda';
export const PROBE_ENTRY = 'lambdas/probe.ts';

export interface BuildLambdaArgs {
  config: string;
  region?: string;
  out: string;
  maxChecksPerShard?: number;
  /** An already frozen fleet.json to bundle instead of loading a config (for CDK local bundling). */
  fleetJson?: string;
  /** Write the bundle into exactly this directory (default `<out>/probe`). */
  outDir?: string;
}

export type ParsedArgs = { ok: true; value: BuildLambdaArgs } | { ok: true; help: string } | { ok: false; message: string };

export const BUILD_LAMBDA_USAGE = `Usage: npm run build:lambda -- [options]
       node dist/bin/build-lambda.js [options]

Bundles the probe Lambda into <out>/probe/index.mjs with the fleet frozen for one region,
and prints one JSON line: bundle, bundleBytes, jsBytes, wasmBytes, fleet, fleetBytes,
region, shards.

Options:
  --config FILE               fleet definition (default: ${DEFAULT_BUILD_CONFIG})
  --region REGION             region to freeze the fleet for (default: the fleet's first region)
  --out DIR                   output directory (default: ${DEFAULT_OUT_DIR}); the bundle goes to DIR/probe
  --max-checks-per-shard N    split the checks into shards of at most N
  --fleet-json FILE           bundle this already frozen fleet.json instead of loading --config
  --out-dir DIR               write the bundle into exactly DIR
  -h, --help                  show this help

Exit codes:
  0  bundled
  1  bundling failed (esbuild or the file system); a retry may help
  2  usage or configuration error (bad flag, invalid fleet, unknown region); nothing was built
`;

/** A problem with what the build was given (flags, fleet definition, frozen fleet): exit 2, a retry will not help. */
export class BuildInputError extends Error {
  readonly kind = 'build_input';
}

/** 2 for a usage or configuration problem, 1 for a failure of the build itself. */
export function buildExitCode(error: unknown): 1 | 2 {
  return isConfigError(error) || error instanceof FrozenFleetError || error instanceof BuildInputError ? 2 : 1;
}

export function parseBuildLambdaArgs(argv: readonly string[]): ParsedArgs {
  const value: BuildLambdaArgs = { config: DEFAULT_BUILD_CONFIG, out: DEFAULT_OUT_DIR };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const next = argv[i + 1];
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const take = (): string | undefined => {
      if (inline !== undefined) return inline;
      i++;
      return next;
    };
    let given: string | undefined;
    switch (name) {
      case '--help':
      case '-h':
        return { ok: true, help: BUILD_LAMBDA_USAGE };
      case '--config':
        given = take();
        if (given === undefined) return { ok: false, message: 'build-lambda: --config expects a file, received nothing' };
        value.config = given;
        break;
      case '--region':
        given = take();
        if (given === undefined) return { ok: false, message: 'build-lambda: --region expects a region, received nothing' };
        value.region = given;
        break;
      case '--out':
        given = take();
        if (given === undefined) return { ok: false, message: 'build-lambda: --out expects a directory, received nothing' };
        value.out = given;
        break;
      case '--fleet-json':
        given = take();
        if (given === undefined) return { ok: false, message: 'build-lambda: --fleet-json expects a frozen fleet.json file, received nothing' };
        value.fleetJson = given;
        break;
      case '--out-dir':
        given = take();
        if (given === undefined) return { ok: false, message: 'build-lambda: --out-dir expects a directory, received nothing' };
        value.outDir = given;
        break;
      case '--max-checks-per-shard': {
        given = take();
        const n = Number(given);
        if (!Number.isInteger(n) || n < 1) return { ok: false, message: `build-lambda: --max-checks-per-shard expects a positive integer, received ${String(given)}` };
        value.maxChecksPerShard = n;
        break;
      }
      default:
        return { ok: false, message: `build-lambda: unknown argument ${JSON.stringify(flag)}; expected --config FILE, --region REGION, --out DIR, --max-checks-per-shard N, --fleet-json FILE, --out-dir DIR or --help` };
    }
  }
  return { ok: true, value };
}

export async function buildProbeBundleFromConfig(
  args: BuildLambdaArgs,
  cwd: string,
): Promise<BundleOutput & { region: string; shards: number }> {
  const outDir = args.outDir === undefined ? join(resolve(cwd, args.out), 'probe') : resolve(cwd, args.outDir);
  if (args.fleetJson !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(cwd, args.fleetJson), 'utf8');
    } catch (error) {
      throw new BuildInputError(`--fleet-json: expected a readable frozen fleet.json, could not read ${resolve(cwd, args.fleetJson)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const frozen = parseFrozenFleet(text, args.fleetJson);
    const out = await bundleProbe({ entry: resolve(cwd, PROBE_ENTRY), outDir, fleet: frozen });
    return { ...out, region: frozen.region, shards: frozen.shards.length };
  }
  const fleet = await loadFleet(resolveConfigPath(cwd, args.config));
  const region = args.region ?? fleet.regions[0];
  if (region === undefined || !fleet.regions.includes(region)) {
    throw new BuildInputError(`--region: expected one of the fleet's regions (${fleet.regions.join(', ')}), received ${String(region)}`);
  }
  const shards = planShards(fleet, { cronPeriod: cronPeriodSeconds, ...(args.maxChecksPerShard ? { maxChecksPerShard: args.maxChecksPerShard } : {}) });
  const frozen = freezeFleet(fleet, region, shards);
  const out = await bundleProbe({ entry: resolve(cwd, PROBE_ENTRY), outDir, fleet: frozen });
  return { ...out, region, shards: frozen.shards.length };
}
