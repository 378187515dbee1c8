// esbuild settings for every Lambda bundle, shared by `npm run build:lambda` and the CDK
// NodejsFunction. Plain values only: nothing at runtime or in the build imports aws-cdk-lib.

/**
 * ESM bundles cannot call `require`, yet some CommonJS dependencies do (node built-ins
 * through bundled CJS code). The banner gives the module a real `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __probeCreateRequire } from 'node:module'; const require = __probeCreateRequire(import.meta.url);";

export const LAMBDA_BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: false,
  /** The nodejs22.x runtime provides AWS SDK v3; bundling it would triple cold-start size. */
  external: ['@aws-sdk/*'],
  /** `.mjs` makes Node treat the file as ESM without a package.json next to it. */
  outFileName: 'index.mjs',
  /** Lambda handler string for a bundle named `index.mjs` exporting `handler`. */
  handler: 'index.handler',
  banner: ESM_REQUIRE_BANNER,
  /** Pure JavaScript: the same bundle runs on arm64 and x86_64. */
  architecture: 'arm64',
  runtime: 'nodejs22.x',
  mainFields: ['module', 'main'],
} as const;

export type LambdaBundleSettings = typeof LAMBDA_BUNDLE;
