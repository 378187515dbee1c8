// Builds the probe's Lambda bundle: `index.mjs` (esbuild, LAMBDA_BUNDLE settings) and the
// frozen `fleet.json` beside it. Used by `npm run build:lambda` and the Lambda benchmark.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import { LAMBDA_BUNDLE } from './bundleOptions.js';
import type { FrozenFleet } from './frozenFleet.js';
import { FROZEN_FLEET_FILE, serializeFrozenFleet } from './frozenFleet.js';
import { packageVersion } from '../runner/userAgent.js';

/**
 * The probe bundle's size budget (JavaScript + WebAssembly): a cold start reads and compiles
 * all of it before the first check, so growth is a decision, not a drift. 240 KB leaves room
 * for the scheduled-time, per-endpoint certificate and rate-limit code added since 200 KB.
 */
export const PROBE_BUNDLE_BUDGET_BYTES = 240 * 1024;

/** What the runner takes from undici. A name missing here fails the build, not the probe. */
export const UNDICI_EXPORTS = ['Client', 'Dispatcher', 'buildConnector', 'errors'] as const;

/**
 * undici files the probe never executes, replaced in the bundle (each would cost 10–70 KB):
 * - the SIMD build of the HTTP parser: undici falls back to the plain WebAssembly build,
 *   which it loads anyway when SIMD is unavailable;
 * - the HTTP/2 client: the runner's connector offers only `http/1.1` over ALPN;
 * - fetch's body extraction, used only for FormData request bodies, which the runner never sends.
 * The HTTP parser itself (WebAssembly) ships as a binary file beside the bundle instead of
 * undici's base64 string: 54 KB instead of 72 KB, and read only when the first request is made.
 */
export const LLHTTP_WASM_FILE = 'llhttp.wasm';

const LEFT_OUT: Record<string, string> = {
  '../llhttp/llhttp-wasm.js': `module.exports = require('node:fs').readFileSync(require('node:path').join(__probeBundleDir, '${LLHTTP_WASM_FILE}'))`,
  '../llhttp/llhttp_simd-wasm.js': "throw new Error('the SIMD HTTP parser is left out of the probe bundle')",
  './client-h2.js': "module.exports = function connectH2 () { throw new Error('HTTP/2 is left out of the probe bundle') }",
  '../web/fetch/body.js': "module.exports.extractBody = function () { throw new Error('FormData bodies are left out of the probe bundle') }",
};

/**
 * undici's index loads fetch, WebSocket, caches and mocks: 520 KB minified, and CommonJS,
 * so esbuild cannot shake it. The probe only needs `Client` and its `dispatch`, so the bundle
 * takes them from undici's own files. The ESM facade lists names explicitly so that esbuild
 * rejects an import the facade does not provide. It deliberately leaves out undici's global
 * dispatcher, which would replace the one behind Node's own fetch in the AWS runtime.
 */
function undiciDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('undici/package.json'));
}

export function leanUndiciPlugin(): Plugin {
  const undiciDir = undiciDirectory();
  const facade = `import lean from 'undici-lean-cjs';\nexport const { ${UNDICI_EXPORTS.join(', ')} } = lean;\nexport default lean;\n`;
  const cjs = [
    "'use strict'",
    "const Dispatcher = require('./lib/dispatcher/dispatcher')",
    // The runner drives Client#dispatch with its own handler: none of undici's API methods
    // (request, stream, pipeline and their body readers) are needed.
    'module.exports = {',
    '  Dispatcher,',
    "  Client: require('./lib/dispatcher/client'),",
    "  buildConnector: require('./lib/core/connect'),",
    "  errors: require('./lib/core/errors'),",
    '}',
  ].join('\n');
  const leftOut = new RegExp(`^(${Object.keys(LEFT_OUT).map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'probe-fleet-lean-undici',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: 'undici-lean' }));
      pluginBuild.onResolve({ filter: /^undici-lean-cjs$/ }, () => ({ path: 'undici-lean-cjs', namespace: 'undici-lean' }));
      pluginBuild.onResolve({ filter: leftOut }, (args) =>
        args.importer.startsWith(undiciDir) ? { path: args.path, namespace: 'undici-left-out' } : undefined,
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'undici-lean' }, (args) => ({
        contents: args.path === 'undici' ? facade : cjs,
        loader: 'js',
        resolveDir: undiciDir,
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'undici-left-out' }, (args) => ({ contents: LEFT_OUT[args.path] ?? '', loader: 'js' }));
    },
  };
}

export interface BundleProbeOptions {
  /** The handler source, e.g. `lambdas/probe.ts`. */
  entry: string;
  outDir: string;
  fleet: FrozenFleet;
}

/** Defines the bundle's own directory for the parser file; `require` comes from LAMBDA_BUNDLE.banner. */
const DIR_BANNER =
  "import { dirname as __probeDirname } from 'node:path'; import { fileURLToPath as __probeFileURLToPath } from 'node:url'; const __probeBundleDir = __probeDirname(__probeFileURLToPath(import.meta.url));";

export interface BundleOutput {
  file: string;
  /** Code shipped: index.mjs plus the parser's WebAssembly file (fleet.json is data, counted apart). */
  bytes: number;
  jsBytes: number;
  wasmBytes: number;
  fleetFile: string;
  fleetBytes: number;
}

export async function bundleProbe(options: BundleProbeOptions): Promise<BundleOutput> {
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, LAMBDA_BUNDLE.outFileName);
  await build({
    entryPoints: [options.entry],
    outfile: file,
    bundle: true,
    format: LAMBDA_BUNDLE.format,
    platform: LAMBDA_BUNDLE.platform,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    external: [...LAMBDA_BUNDLE.external],
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: `${LAMBDA_BUNDLE.banner} ${DIR_BANNER}` },
    plugins: [leanUndiciPlugin()],
    // A bundle has no package.json beside it: the version its User-Agent names is fixed at build time.
    define: { 'process.env.PROBE_FLEET_VERSION': JSON.stringify(packageVersion()) },
    logLevel: 'silent',
    legalComments: 'none',
  });
  const wasm = createRequire(import.meta.url)(join(undiciDirectory(), 'lib', 'llhttp', 'llhttp-wasm.js')) as Buffer;
  await writeFile(join(options.outDir, LLHTTP_WASM_FILE), wasm);
  const fleetFile = join(options.outDir, FROZEN_FLEET_FILE);
  await writeFile(fleetFile, serializeFrozenFleet(options.fleet));
  const jsBytes = (await stat(file)).size;
  return { file, bytes: jsBytes + wasm.length, jsBytes, wasmBytes: wasm.length, fleetFile, fleetBytes: (await stat(fleetFile)).size };
}
