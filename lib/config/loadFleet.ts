// Loads a fleet definition file (`probes.config.ts` by default): TypeScript and JavaScript
// are bundled with esbuild and evaluated in a worker thread, JSON is read. Every failure — a
// missing file, a syntax error, a throwing config, a config that exits, an invalid fleet —
// becomes a ConfigError, never a stack trace and never the end of the process.
//
// Why a worker thread: a config is code, and code can call process.exit(0) (a deploy gate
// that "passes" with nothing run), leave a promise rejecting with no handler (Node then ends
// the process with exit 1, the "checks failed" code), start timers that keep the CLI alive,
// or build a value too deep to walk. In a worker, process.exit ends only the worker, an
// unhandled rejection is the worker's error, and terminating it stops whatever the config
// started. A child process would isolate as well but costs a whole Node start-up (and a
// second esbuild run or a bundle handed over); trapping process.exit in-process would miss
// the unhandled rejection and the config's timers. What comes back is structured-cloned
// plain data, checked for depth first, so the rest of the CLI never walks a hostile value.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { Message, Plugin } from 'esbuild';
import type { Fleet } from '../model/fleet.js';
import { ConfigError } from './errors.js';
import type { Diagnostic } from './errors.js';
import { validateFleet } from './validate.js';

export const DEFAULT_CONFIG_FILE = 'probes.config.ts';

const BUNDLED = new Set(['.ts', '.mts', '.js', '.mjs']);
const FILE = '(file)';

/**
 * The deepest nesting a fleet definition may have. The fleet's own structure takes about six
 * levels (fleet → checks[i] → steps[j] → body → json → …); a request body a hundred levels
 * deep is already far beyond any real API. Deeper values are refused before anything walks them.
 */
export const MAX_CONFIG_DEPTH = 128;

/** How long a config may take to evaluate (it may await remote data, e.g. a service catalogue). */
export const CONFIG_LOAD_TIMEOUT_MS = 60_000;

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

export interface PlainDataProblem {
  path: string;
  expected: string;
  received: string;
}

/**
 * The first place where `root` is nested deeper than `maxDepth` or holds something that is not
 * plain data, or null. Iterative, so a value a million levels deep cannot overflow the stack.
 * Self-contained (no imports, no closures): its source also runs inside the config worker.
 */
export function plainDataProblem(root: unknown, maxDepth: number): PlainDataProblem | null {
  const stack: [unknown, string, number][] = [[root, '', 0]];
  // An object reached twice (shared, or a cycle) is walked again only when reached deeper,
  // which keeps shared sub-trees from multiplying the work and still finds cycles by depth.
  const deepest = new Map<object, number>();
  const show = (path: string): string => (path.length > 160 ? `${path.slice(0, 100)}…${path.slice(-40)}` : path) || '(fleet)';
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop() as [unknown, string, number];
    const type = typeof value;
    if (type === 'function' || type === 'symbol' || type === 'bigint') {
      return { path: show(path), expected: 'plain data (objects, arrays, strings, numbers, booleans, null)', received: `a ${type}` };
    }
    if (value === null || type !== 'object') continue;
    const object = value as object;
    if (depth >= maxDepth) return { path: show(path), expected: `at most ${maxDepth} levels of nesting`, received: 'a value nested deeper (or one that contains itself)' };
    const seen = deepest.get(object);
    if (seen !== undefined && seen >= depth) continue;
    deepest.set(object, depth);
    if (Array.isArray(object)) {
      for (let i = object.length - 1; i >= 0; i--) stack.push([object[i] as unknown, `${path}[${i}]`, depth + 1]);
    } else {
      for (const [key, item] of Object.entries(object)) stack.push([item, /^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`, depth + 1]);
    }
  }
  return null;
}

/** A message from the config worker: the fleet as plain data, or why there is none. */
type WorkerReport = { ok: true; value: unknown } | { ok: false; path?: string; problem: string; expected: string; received: string };

// Runs in the worker (CommonJS, eval'd). Reports exactly once; everything the config does
// wrong — throw, reject, export nothing, export something that is not plain data — is a report.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const plainDataProblem = ${plainDataProblem.toString()};
let reported = false;
const report = (message) => {
  if (reported) return;
  reported = true;
  parentPort.postMessage(message);
};
const reason = (error) => (error instanceof Error ? error.name + ': ' + error.message : String(error)).split('\\n')[0];
process.on('unhandledRejection', (error) => report({ ok: false, problem: 'a promise in the fleet definition rejected and nothing handled it', expected: 'a module whose promises are awaited or handled', received: reason(error) }));
process.on('uncaughtException', (error) => report({ ok: false, problem: 'the fleet definition threw while loading', expected: 'a module that evaluates without throwing', received: reason(error) }));
(async () => {
  let exports;
  try {
    exports = await import(workerData.url);
  } catch (error) {
    report({ ok: false, problem: 'the fleet definition threw while loading', expected: 'a module that evaluates without throwing', received: reason(error) });
    return;
  }
  const exported = exports.default !== undefined ? exports.default : exports.fleet;
  let value;
  try {
    value = await exported;
  } catch (error) {
    report({ ok: false, problem: 'the exported fleet promise rejected', expected: 'a fleet definition', received: reason(error) });
    return;
  }
  if (value === undefined) {
    const names = Object.keys(exports);
    report({ ok: false, problem: 'no fleet exported', expected: 'export default defineFleet({ … }) or export const fleet = defineFleet({ … })', received: names.length === 0 ? 'a module without exports' : 'exports ' + names.join(', ') });
    return;
  }
  const problem = plainDataProblem(value, workerData.maxDepth);
  if (problem) {
    report({ ok: false, path: problem.path, problem: 'the fleet definition is not plain data', expected: problem.expected, received: problem.received });
    return;
  }
  try {
    report({ ok: true, value });
  } catch (error) {
    reported = false;
    report({ ok: false, problem: 'the fleet definition cannot be copied out of the config', expected: 'plain data', received: reason(error) });
  }
})();
`;

/**
 * Writes the bundle where the config's own imports resolve (beside the config; the temp dir
 * when that directory is read-only), evaluates it in a worker, and always removes it.
 */
async function evaluateBundle(code: string, file: string): Promise<unknown> {
  const name = `.${basename(file)}.${randomBytes(6).toString('hex')}.mjs`;
  let target = join(dirname(file), name);
  try {
    await writeFile(target, code, { flag: 'wx' });
  } catch {
    target = join(tmpdir(), name);
    await writeFile(target, code, { flag: 'wx' });
  }
  try {
    return await runConfigWorker(pathToFileURL(target).href, file);
  } finally {
    await rm(target, { force: true });
  }
}

function runConfigWorker(url: string, file: string): Promise<unknown> {
  return new Promise((resolveValue, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url, maxDepth: MAX_CONFIG_DEPTH } });
    let settled = false;
    const finish = (outcome: { value: unknown } | ConfigError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Whatever the config started (servers, timers) ends with its worker; the bundle is
      // removed only after that.
      void worker.terminate().finally(() => {
        if (outcome instanceof ConfigError) reject(outcome);
        else resolveValue(outcome.value);
      });
    };
    const timer = setTimeout(() => {
      finish(fileProblem(file, 'the fleet definition did not finish loading', `a module that exports its fleet within ${CONFIG_LOAD_TIMEOUT_MS / 1000} s`, 'still running; it was stopped'));
    }, CONFIG_LOAD_TIMEOUT_MS);
    worker.once('message', (report: WorkerReport) => {
      if (report.ok) {
        finish({ value: report.value });
        return;
      }
      const path = report.path ?? FILE;
      const diagnostic: Diagnostic = { path, expected: report.expected, received: report.received, message: `${report.problem}: expected ${report.expected}, received ${report.received}` };
      finish(new ConfigError([diagnostic], file));
    });
    worker.once('error', (error: unknown) => {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      finish(fileProblem(file, 'the fleet definition threw while loading', 'a module that evaluates without throwing', reason.split('\n')[0] ?? reason));
    });
    worker.once('exit', (code: number) => {
      finish(
        fileProblem(
          file,
          'the fleet definition ended its own loading',
          'a module that exports a fleet and leaves the process alone',
          `process.exit(${code}) before a fleet was exported; nothing ran, and the exit code is not the run's`,
        ),
      );
    });
  });
}

async function readModule(file: string): Promise<unknown> {
  return evaluateBundle(await bundle(file), file);
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
    throw fileProblem(file, 'the fleet definition is not valid JSON', 'a JSON object', `${basename(file)}:${jsonErrorLocation(text, reason)}: ${reason}`);
  }
}

/**
 * `line:column` (1-based) of a JSON.parse error: V8 names an offset (`at position 42`) or
 * none for a text that ends too soon, which is the end of the text. An editor jumps to it.
 */
export function jsonErrorLocation(text: string, reason: string): string {
  const match = /at position (\d+)/.exec(reason);
  const offset = Math.min(match ? Number(match[1]) : text.length, text.length);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${line}:${column}`;
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
  // A JSON file can nest as deep as a module can; refuse it before validation walks it.
  const problem = plainDataProblem(value, MAX_CONFIG_DEPTH);
  if (problem) throw new ConfigError([{ ...problem, message: `the fleet definition is not plain data: expected ${problem.expected}, received ${problem.received}` }], path);
  const result = validateFleet(value);
  if (!result.ok) throw new ConfigError(result.diagnostics, path);
  return result.fleet;
}
