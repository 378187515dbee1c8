// Runs the project's own probe bundler (bin/build-lambda.ts → lib/lambda/bundle.ts, the
// `npm run build:lambda` code) from CDK local bundling. CDK calls `tryBundle` synchronously,
// while esbuild plugins (the lean undici plugin) only run in esbuild's asynchronous API, so
// the bundler runs in a child Node process that CDK waits for.
//
// The child runs the builder compiled from the sources next to the probe's own sources
// (esbuild, TypeScript only stripped), never a previously built `dist/`: the builder that
// runs is always the one the asset hash was computed from, whether the CDK app runs compiled
// (`cdk synth`) or from TypeScript (tests).
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { sourceHash } from './probeBundle.js';
import { projectRoot } from './projectRoot.js';

/** The builder's source, relative to the package root (also part of the asset hash). */
export const BUILDER_SOURCE = 'bin/build-lambda.ts';

let builderCache: string | undefined;

/**
 * Compiles the builder into the package's `node_modules/.cache` (so the child resolves
 * esbuild and undici from the package's own node_modules), once per process and source
 * state. Written under a temporary name and renamed: parallel syntheses never read half a file.
 */
function compiledBuilder(): string {
  if (builderCache) return builderCache;
  const root = projectRoot();
  const dir = join(root, 'node_modules', '.cache', 'probe-fleet');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `build-lambda-${sourceHash().slice(0, 16)}.mjs`);
  const result = buildSync({
    entryPoints: [join(root, BUILDER_SOURCE)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`probe-fleet: compiling the bundler ${BUILDER_SOURCE} produced no output`);
  const partial = `${file}.${String(process.pid)}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  builderCache = file;
  return file;
}

export interface BundlerRun {
  /** The builder's one JSON line: bundleBytes, jsBytes, wasmBytes, fleetBytes, region, shards. */
  report: Record<string, unknown>;
}

/**
 * Bundles the probe for an already frozen fleet file into exactly `outputDir`
 * (`index.mjs`, `llhttp.wasm`, `fleet.json`). Throws with the builder's own message when
 * it fails: CDK would otherwise fall back to Docker, which this bundle never needs.
 */
export function runProbeBundler(fleetJson: string, outputDir: string): BundlerRun {
  const builder = compiledBuilder();
  const run = spawnSync(process.execPath, [builder, '--fleet-json', fleetJson, '--out-dir', outputDir], {
    cwd: projectRoot(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  if (run.error) throw new Error(`probe-fleet: could not run the probe bundler (${builder}): ${run.error.message}; safe to retry`);
  if (run.status !== 0) {
    throw new Error(`probe-fleet: the probe bundler exited with ${String(run.status ?? run.signal)} for ${fleetJson}, expected 0: ${run.stderr.trim() || run.stdout.trim()}`);
  }
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { report: JSON.parse(line) as Record<string, unknown> };
  } catch {
    throw new Error(`probe-fleet: the probe bundler succeeded but printed ${JSON.stringify(line.slice(0, 200))}, expected one JSON line`);
  }
}
