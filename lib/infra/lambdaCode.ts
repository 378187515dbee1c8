// How a Lambda bundle is produced.
//
// `esbuild`, probe: the project's own bundler (`npm run build:lambda`, lib/lambda/bundle.ts)
// runs as CDK local bundling of an asset holding the frozen `fleet.json`. Why not a plain
// NodejsFunction bundle: NodejsFunction runs the esbuild CLI, which cannot load plugins, so
// it cannot apply `leanUndiciPlugin()`; the probe it produced was ~578 KB against a 200 KB
// budget, and would be a second, untested build of the same function. The function is still
// a NodejsFunction (runtime, handler and construct type as everywhere else); only its code
// comes from our bundler, exactly the bytes `build:lambda` and `bench:lambda` measure.
//
// `esbuild`, notify: NodejsFunction's own esbuild with the same LAMBDA_BUNDLE settings. The
// lean undici build does not apply: the notify code uses undici's `request` and its global
// dispatcher, which the lean facade leaves out on purpose.
//
// `skip` stages only the data files and a placeholder handler: synthesis of a large fleet
// (benchmarks, the 1000-check test) measures the templates, not esbuild, and a skipped
// bundle must never be deployed — its handler throws.
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ConfigError } from '../config/errors.js';
import { PROBE_ENTRY } from '../lambda/buildCommand.js';
import { LAMBDA_BUNDLE } from '../lambda/bundleOptions.js';
import { FROZEN_FLEET_FILE } from '../lambda/frozenFleet.js';
import { assetHashOf, copyCommands, depsFileOf, stageFiles } from './probeBundle.js';
import { runProbeBundler } from './projectBundler.js';
import { projectRoot } from './projectRoot.js';

export type BundlingMode = 'esbuild' | 'skip';

/**
 * The internal entry point to `bundling: 'skip'` (measureSynthesis, benchmarks): set on the
 * props object under this symbol, which the package does not export (lib/infra/index.ts).
 */
export const INTERNAL_SKIP_BUNDLING: unique symbol = Symbol('probe-fleet: skip bundling for measurement');

/**
 * Which bundling a ProbeFleet gets. `skip` deploys a handler that throws, so the public props
 * refuse it, unless the caller is a test run (vitest sets VITEST in its workers) or the
 * internal entry point above: a skipped bundle can never reach `cdk deploy` by accident.
 */
export function bundlingModeOf(props: { bundling?: BundlingMode; [INTERNAL_SKIP_BUNDLING]?: boolean }, env: NodeJS.ProcessEnv = process.env): BundlingMode | ConfigError {
  if (props[INTERNAL_SKIP_BUNDLING] === true) return 'skip';
  const mode = props.bundling ?? 'esbuild';
  if (mode === 'esbuild' || (mode === 'skip' && env['VITEST'] !== undefined)) return mode;
  const received = mode;
  const expected = "'esbuild' (or nothing): 'skip' stages a placeholder handler that throws and is for the project's tests and benchmarks only";
  return new ConfigError([{ path: 'bundling', expected, received: `'${received}'`, message: `ProbeFleet bundling: expected ${expected}, received '${received}'` }]);
}

export type LambdaCodeProps = Pick<NodejsFunctionProps, 'entry' | 'code' | 'handler' | 'bundling' | 'projectRoot' | 'depsLockFilePath'>;

const SKIPPED_HANDLER =
  "export const handler = async () => { throw new Error('probe-fleet: this bundle was synthesized with bundling: \"skip\" and cannot run; synthesize with bundling: \"esbuild\" to deploy'); };\n";

/** NodejsFunction props for the probe: `files` must hold the frozen `fleet.json`. */
export function probeCodeProps(mode: BundlingMode, files: Record<string, string>): LambdaCodeProps {
  if (mode === 'skip') return skippedCode(files);
  if (files[FROZEN_FLEET_FILE] === undefined) throw new Error(`probe-fleet: the probe bundle needs ${FROZEN_FLEET_FILE}, received ${Object.keys(files).join(', ') || 'no files'}`);
  const staged = stageFiles(files);
  return {
    code: Code.fromAsset(staged.dir, {
      // The staged directory holds only the frozen fleet; the sources the bundler reads are
      // outside it, so the hash is ours: the fleet's content plus every source file.
      assetHashType: AssetHashType.CUSTOM,
      assetHash: assetHashOf(staged, PROBE_ENTRY),
      bundling: {
        local: {
          tryBundle(outputDir: string): boolean {
            runProbeBundler(join(staged.dir, FROZEN_FLEET_FILE), outputDir);
            return true;
          },
        },
        // Required by the type, never used: tryBundle either bundles or throws (a Docker
        // fallback would need the whole package inside the container and network for npm).
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      },
    }),
    handler: LAMBDA_BUNDLE.handler,
  };
}

/** NodejsFunction props that put `entry` (relative to the package root) and `files` into the bundle. */
export function lambdaCodeProps(mode: BundlingMode, entry: string, files: Record<string, string>): LambdaCodeProps {
  if (mode === 'skip') return skippedCode(files);
  const root = projectRoot();
  const staged = stageFiles(files);
  const names = Object.keys(files);
  return {
    entry: join(root, entry),
    projectRoot: root,
    // NodejsFunction insists on a lock file; it only picks the package manager that runs
    // esbuild (the bundle installs no node_modules), and an installed package has none.
    depsLockFilePath: depsFileOf(root),
    handler: 'handler',
    bundling: {
      format: OutputFormat.ESM,
      target: LAMBDA_BUNDLE.target,
      minify: LAMBDA_BUNDLE.minify,
      sourceMap: LAMBDA_BUNDLE.sourcemap,
      externalModules: [...LAMBDA_BUNDLE.external],
      banner: LAMBDA_BUNDLE.banner,
      mainFields: [...LAMBDA_BUNDLE.mainFields],
      assetHash: assetHashOf(staged, entry),
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => copyCommands(staged, names, outputDir),
      },
    },
  };
}

function skippedCode(files: Record<string, string>): LambdaCodeProps {
  const staged = stageFiles({ ...files, [LAMBDA_BUNDLE.outFileName]: SKIPPED_HANDLER });
  return { code: Code.fromAsset(staged.dir), handler: LAMBDA_BUNDLE.handler };
}
