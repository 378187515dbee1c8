// Loads a fleet definition file (`probes.config.ts` by default): TypeScript and JavaScript
// are bundled with esbuild and imported, JSON is read. Every failure — a missing file, a
// syntax error, a throwing config, an invalid fleet — becomes a ConfigError, never a stack trace.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Message, Plugin } from 'esbuild';
import type { Fleet } from '../model/fleet.js';
import { ConfigError } from './errors.js';
import type { Diagnostic } from './errors.js';
import { validateFleet } from './validate.js';

export const DEFAULT_CONFIG_FILE = 'probes.config.ts';

const BUNDLED = new Set(['.ts', '.mts', '.js', '.mjs']);
const FILE = '(file)';

/** The config file to load: `--config` (relative to `cwd`) or `probes.config.ts` in `cwd`. */
export function resolveConfigPath(cwd: string, flag?: string): string {
  return resolve(cwd, flag === undefined || flag === '' ? DEFAULT_CONFIG_FILE : flag);
}

function fileProblem(file: string, problem: string, expected: string, received: string): ConfigError {
  const diagnostic: Diagnostic = { path: FILE, expected, received, message: `${problem}: expected ${expected}, received ${received}` };
  return new ConfigError([diagnostic], file);
}

/**
 * Where `import … from 'probe-fleet'` points: this project's own sources. From `lib/config`
 * (tests, ts runners) that is `lib/index.ts`; from `dist/lib/config` it is the repository's
 * `lib/index.ts` when the sources are there, else the built `dist/lib/index.js` beside us.
 */
export function probeFleetEntry(subpath = ''): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const name = subpath === '' ? 'index' : `${subpath}/index`;
  const candidates = [
    join(here, '..', `${name}.ts`),
    join(here, '..', '..', '..', 'lib', `${name}.ts`),
    join(here, '..', `${name}.js`),
  ];
  return candidates.find((candidate) => existsSync(candidate)) ?? join(here, '..', `${name}.js`);
}

/** Resolves `probe-fleet` to this project and leaves every other package and node builtin external. */
const probeFleetPlugin: Plugin = {
  name: 'probe-fleet-alias',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^probe-fleet(\/.*)?$/ }, (args) => {
      const subpath = args.path.slice('probe-fleet'.length).replace(/^\//, '');
      return { path: probeFleetEntry(subpath) };
    });
    // Bare specifiers other than probe-fleet: packages and builtins, imported at run time.
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path, external: true }));
  },
};

function describeBuildMessage(message: Message, file: string): string {
  const location = message.location;
  if (!location) return message.text;
  const where = resolve(dirname(file), location.file) === file ? basename(file) : relative(dirname(file), resolve(dirname(file), location.file));
  return `${where}:${location.line}:${location.column + 1}: ${message.text}`;
}

async function bundle(file: string): Promise<string> {
  try {
    const result = await build({
      entryPoints: [file],
      absWorkingDir: dirname(file),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [probeFleetPlugin],
    });
    return result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) throw error;
    throw new ConfigError(
      errors.map((message) => {
        const received = describeBuildMessage(message, file);
        return { path: FILE, expected: 'a TypeScript or JavaScript module that compiles', received, message: `could not compile the fleet definition: ${received}` };
      }),
      file,
    );
  }
}

/**
 * Imports bundled code. The file sits beside the config so that packages the config imports
 * resolve from the config's own node_modules; a read-only directory falls back to the temp dir.
 */
async function importBundle(code: string, file: string): Promise<Record<string, unknown>> {
  const name = `.${basename(file)}.${randomBytes(6).toString('hex')}.mjs`;
  let target = join(dirname(file), name);
  try {
    await writeFile(target, code, { flag: 'wx' });
  } catch {
    target = join(tmpdir(), name);
    await writeFile(target, code, { flag: 'wx' });
  }
  try {
    return (await import(pathToFileURL(target).href)) as Record<string, unknown>;
  } finally {
    await rm(target, { force: true });
  }
}

async function readModule(file: string): Promise<unknown> {
  const code = await bundle(file);
  let exports: Record<string, unknown>;
  try {
    exports = await importBundle(code, file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // The config's own code threw while loading: its message, without our stack.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw fileProblem(file, 'the fleet definition threw while loading', 'a module that evaluates without throwing', reason.split('\n')[0] ?? reason);
  }
  const exported = exports.default ?? exports.fleet;
  // A config may compute its fleet asynchronously (`export default loadChecks().then(defineFleet)`).
  let value: unknown;
  try {
    value = await exported;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw fileProblem(file, 'the exported fleet promise rejected', 'a fleet definition', reason.split('\n')[0] ?? reason);
  }
  if (value === undefined) {
    const names = Object.keys(exports);
    throw fileProblem(
      file,
      'no fleet exported',
      'export default defineFleet({ … }) or export const fleet = defineFleet({ … })',
      names.length === 0 ? 'a module without exports' : `exports ${names.join(', ')}`,
    );
  }
  return value;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw fileProblem(file, 'cannot read the fleet definition', 'a readable file', typeof code === 'string' ? code : String(error));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw fileProblem(file, 'the fleet definition is not valid JSON', 'a JSON object', reason);
  }
}

/** Loads and validates a fleet definition; throws ConfigError with every problem at once. */
export async function loadFleet(file: string): Promise<Fleet> {
  const path = resolve(file);
  if (!existsSync(path)) throw fileProblem(path, 'fleet definition not found', 'a file at this path', 'no such file');
  const extension = extname(path).toLowerCase();
  let value: unknown;
  if (extension === '.json') value = await readJson(path);
  else if (BUNDLED.has(extension)) value = await readModule(path);
  else throw fileProblem(path, 'unsupported fleet definition file', 'a .ts, .mts, .js, .mjs or .json file', JSON.stringify(extension || basename(path)));
  const result = validateFleet(value);
  if (!result.ok) throw new ConfigError(result.diagnostics, path);
  return result.fleet;
}
