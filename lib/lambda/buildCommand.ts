// The work behind `npm run build:lambda`: load and validate a fleet definition, plan its
// shards, freeze it for one region and bundle the probe with it.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadFleet, resolveConfigPath } from '../config/loadFleet.js';
import { cronPeriodSeconds } from '../config/schedule.js';
import { bundleProbe } from './bundle.js';
import type { BundleOutput } from './bundle.js';
import { freezeFleet, parseFrozenFleet } from './frozenFleet.js';
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

export type ParsedArgs = { ok: true; value: BuildLambdaArgs } | { ok: false; message: string };

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
        return { ok: false, message: `build-lambda: unknown argument ${JSON.stringify(flag)}; expected --config FILE, --region REGION, --out DIR, --max-checks-per-shard N, --fleet-json FILE, --out-dir DIR` };
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
    const frozen = parseFrozenFleet(await readFile(resolve(cwd, args.fleetJson), 'utf8'), args.fleetJson);
    const out = await bundleProbe({ entry: resolve(cwd, PROBE_ENTRY), outDir, fleet: frozen });
    return { ...out, region: frozen.region, shards: frozen.shards.length };
  }
  const fleet = await loadFleet(resolveConfigPath(cwd, args.config));
  const region = args.region ?? fleet.regions[0];
  if (region === undefined || !fleet.regions.includes(region)) {
    throw new Error(`--region: expected one of the fleet's regions (${fleet.regions.join(', ')}), received ${String(region)}`);
  }
  const shards = planShards(fleet, { cronPeriod: cronPeriodSeconds, ...(args.maxChecksPerShard ? { maxChecksPerShard: args.maxChecksPerShard } : {}) });
  const frozen = freezeFleet(fleet, region, shards);
  const out = await bundleProbe({ entry: resolve(cwd, PROBE_ENTRY), outDir, fleet: frozen });
  return { ...out, region, shards: frozen.shards.length };
}
