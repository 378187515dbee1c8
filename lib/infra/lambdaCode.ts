// How a Lambda bundle is produced. `esbuild` is the real thing (NodejsFunction, local
// esbuild, settings mirrored from lib/lambda/bundleOptions.ts). `skip` stages only the
// data files and a placeholder handler: synthesis of a large fleet (benchmarks, the
// 1000-check test) measures the templates, not esbuild, and a skipped bundle must never
// be deployed — its handler throws.
import { join } from 'node:path';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LAMBDA_BUNDLE } from '../lambda/bundleOptions.js';
import { assetHashOf, copyCommands, stageFiles } from './probeBundle.js';
import { projectRoot } from './projectRoot.js';

export type BundlingMode = 'esbuild' | 'skip';

const SKIPPED_HANDLER =
  "export const handler = async () => { throw new Error('probe-fleet: this bundle was synthesized with bundling: \"skip\" and cannot run; synthesize with bundling: \"esbuild\" to deploy'); };\n";

/** NodejsFunction props that put `entry` (relative to the package root) and `files` into the bundle. */
export function lambdaCodeProps(mode: BundlingMode, entry: string, files: Record<string, string>): Pick<NodejsFunctionProps, 'entry' | 'code' | 'handler' | 'bundling' | 'projectRoot' | 'depsLockFilePath'> {
  if (mode === 'skip') {
    const staged = stageFiles({ ...files, [LAMBDA_BUNDLE.outFileName]: SKIPPED_HANDLER });
    return { code: Code.fromAsset(staged.dir), handler: LAMBDA_BUNDLE.handler };
  }
  const root = projectRoot();
  const staged = stageFiles(files);
  const names = Object.keys(files);
  return {
    entry: join(root, entry),
    projectRoot: root,
    depsLockFilePath: join(root, 'package-lock.json'),
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
