// What every command that runs checks does first (test, verify, canary, watch, monitor):
// load and validate the fleet, pick the environments, wire secrets to the redactor, open the
// request log and mint a run id. Problems here are usage or config errors: exit 2, nothing ran.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { caFileDiagnostics } from '../config/caFiles.js';
import { formatDiagnostics, isConfigError } from '../config/errors.js';
import { loadFleet, resolveConfigPath } from '../config/loadFleet.js';
import type { Check, Fleet } from '../model/fleet.js';
import { redactDeep } from '../reporters/format.js';
import { secretsUsedBy } from '../config/secretsUsed.js';
import type { PlannedCheck, RequestLogSink } from '../runner/api.js';
import { jsonLinesRequestLog } from '../runner/requestLog.js';
import { selectChecks } from '../runner/runPlan.js';
import type { SecretProvider } from '../secrets/secrets.js';
import { envSecretProblem, EnvSecretProvider, Redactor, secretEnvName } from '../secrets/secrets.js';
import { urlFlag, usageError } from './args.js';
import type { CliIO } from './command.js';
import { EXIT_USAGE } from './command.js';

/** Where request log lines go when `--request-log` is not given, relative to the working directory. */
export const DEFAULT_REQUEST_LOG = '.probe-fleet/requests.jsonl';

/** The environment name `--base-url` creates when no `--env` is given. */
export const CUSTOM_ENVIRONMENT = 'custom';

export interface RunSetupFlags {
  config?: string;
  /** An environment name, several separated by commas, or `all`. */
  env?: string;
  baseUrl?: string;
  /** A file (appended), or `-` for stderr. */
  requestLog?: string;
  /**
   * The checks this run will execute, given the loaded fleet and the chosen environments
   * (default: every check of those environments). Every secret they use must be set before
   * anything runs.
   */
  plan?: (fleet: Fleet, environments: string[]) => readonly PlannedCheck[];
}

export interface PreparedRun {
  ok: true;
  /** The validated fleet, with `--base-url` already applied to its environments. */
  fleet: Fleet;
  configPath: string;
  /** The environments to run against; pass them on as `CheckFilter.environments`. */
  environments: string[];
  secrets: SecretProvider;
  redactor: Redactor;
  requestLog: RequestLogSink;
  runId: string;
  /** Flushes and closes the request log. */
  close(): Promise<void>;
}

export type RunSetup = PreparedRun | { ok: false; exitCode: 2 };

const FAILED: { ok: false; exitCode: 2 } = { ok: false, exitCode: EXIT_USAGE };

export async function prepareRun(io: CliIO, flags: RunSetupFlags): Promise<RunSetup> {
  const redactor = secretsRedactor(io.env);
  let configPath: string;
  let fleet: Fleet;
  try {
    configPath = resolveConfigPath(io.cwd, flags.config);
    fleet = await loadFleet(configPath);
  } catch (error) {
    io.stderr.write(redactor.redact(`${describeLoadError(error, flags.config ?? '')}\n`));
    return FAILED;
  }

  const chosen = chooseEnvironments(fleet, flags);
  if ('error' in chosen) {
    io.stderr.write(redactor.redact(`${chosen.error}\n`));
    return FAILED;
  }

  // A missing secret would fail every check that uses it as `internal` (exit 1), which a
  // pipeline reads as a broken deploy and rolls back; it is a setup error, so say so first.
  const planned = flags.plan ? flags.plan(chosen.fleet, chosen.environments) : selectChecks(chosen.fleet, { environments: chosen.environments });
  const secretProblems = unusableSecrets(chosen.fleet, planned, io.env);
  if (secretProblems !== undefined) {
    io.stderr.write(`${secretProblems}\n`);
    return FAILED;
  }
  const caProblems = caFileDiagnostics(chosen.fleet, planned, io.cwd);
  if (caProblems.length > 0) {
    io.stderr.write(`${configPath}\n${formatDiagnostics(caProblems)}\n`);
    return FAILED;
  }

  const log = await openRequestLog(io, flags.requestLog);
  if ('error' in log) {
    io.stderr.write(`${log.error}\n`);
    return FAILED;
  }
  const inner = jsonLinesRequestLog(log.out);
  // The runner redacts what it logs; this second pass makes the audit file safe even if a
  // secret reached a URL or error text by a path the runner did not foresee.
  const requestLog: RequestLogSink = { write: (entry) => inner.write(redactDeep(entry, redactor)) };

  return {
    ok: true,
    fleet: chosen.fleet,
    configPath,
    environments: chosen.environments,
    secrets: new EnvSecretProvider(io.env, redactor),
    redactor,
    requestLog,
    runId: newRunId(),
    close: () => log.close(),
  };
}

/** `20261122T003000Z-1a2b3c`: sortable by time, unique enough to tell two runs in one second apart. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * A redactor that already knows every `PROBE_SECRET_*` value in the environment, so a secret
 * is masked even in text written before (or without) the check that resolves it.
 */
export function secretsRedactor(env: NodeJS.ProcessEnv): Redactor {
  const redactor = new Redactor();
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('PROBE_SECRET_') && value) redactor.add(value);
  }
  return redactor;
}

/** Every secret the planned checks use that is missing or unusable, one per line; never a value. */
function unusableSecrets(fleet: Fleet, planned: readonly PlannedCheck[], env: NodeJS.ProcessEnv): string | undefined {
  const lines: string[] = [];
  const reported = new Set<string>();
  for (const use of secretsUsedBy(fleet, planned)) {
    const problem = envSecretProblem(use.name, env);
    // Two names can map to one variable (`db-password`, `db_password`): report it once.
    if (problem === undefined || reported.has(secretEnvName(use.name))) continue;
    reported.add(secretEnvName(use.name));
    const users = use.usedBy.length > 3 ? `${use.usedBy.slice(0, 3).join(', ')} and ${use.usedBy.length - 3} more` : use.usedBy.join(', ');
    lines.push(`  ${problem} (used by ${users})`);
  }
  if (lines.length === 0) return undefined;
  return `probe-fleet: ${lines.length} secret${lines.length === 1 ? '' : 's'} the selected checks use cannot be read; nothing ran:\n${lines.join('\n')}`;
}

function describeLoadError(error: unknown, flag: string): string {
  if (isConfigError(error)) {
    const file = error.file === undefined ? '' : `${error.file}\n`;
    return `${file}${formatDiagnostics(error.diagnostics)}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `probe-fleet: could not load the fleet definition${flag ? ` ${flag}` : ''}: ${message}`;
}

type Chosen = { fleet: Fleet; environments: string[] } | { error: string };

function chooseEnvironments(fleet: Fleet, flags: RunSetupFlags): Chosen {
  const known = Object.keys(fleet.environments);
  const requested = flags.env === undefined || flags.env === 'all' ? null : flags.env.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (requested !== null) {
    const unknown = requested.filter((name) => !known.includes(name));
    if (requested.length === 0 || unknown.length > 0) {
      return { error: usageError('--env', `an environment of fleet ${fleet.name} (${[...known, 'all'].join(', ')})`, flags.env ?? '') };
    }
  }

  if (flags.baseUrl === undefined) return { fleet, environments: requested ?? known };

  const parsedUrl = urlFlag('--base-url', flags.baseUrl, { base: true });
  if ('error' in parsedUrl) return parsedUrl;
  const baseUrl = parsedUrl.url;

  if (requested === null) {
    if (flags.env === 'all') return { error: usageError('--base-url', 'one --env NAME (or none) to point at one URL, not --env all', flags.baseUrl) };
    // Every check runs once, against the given URL: per-check environment lists name
    // environments that this run does not have.
    const checks = fleet.checks.map((check): Check => {
      const { environments: _ignored, ...rest } = check;
      return rest;
    });
    return { fleet: { ...fleet, environments: { [CUSTOM_ENVIRONMENT]: { baseUrl, sandbox: false } }, checks }, environments: [CUSTOM_ENVIRONMENT] };
  }
  if (requested.length !== 1) return { error: usageError('--base-url', 'exactly one --env NAME whose baseUrl it replaces', flags.env ?? '') };
  const name = requested[0]!;
  const environment = fleet.environments[name]!;
  // The environment's sandbox mark described its own URL, not this one: writes and forbidden
  // paths stay blocked against an arbitrary --base-url.
  return { fleet: { ...fleet, environments: { ...fleet.environments, [name]: { ...environment, baseUrl, sandbox: false } } }, environments: [name] };
}

type OpenedLog = { out: { write(text: string): unknown }; close(): Promise<void> } | { error: string };

async function openRequestLog(io: CliIO, flag: string | undefined): Promise<OpenedLog> {
  if (flag === '-') return { out: io.stderr, close: () => Promise.resolve() };
  const path = resolve(io.cwd, flag ?? DEFAULT_REQUEST_LOG);
  let stream: WriteStream;
  try {
    mkdirSync(dirname(path), { recursive: true });
    stream = createWriteStream(path, { flags: 'a' });
    await new Promise<void>((ready, fail) => {
      stream.once('open', () => ready());
      stream.once('error', fail);
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { error: usageError('--request-log', 'a file that can be appended to (or - for stderr)', flag ?? path) + ` (${reason})` };
  }
  return {
    out: stream,
    close: () =>
      new Promise<void>((done) => {
        stream.end(() => done());
      }),
  };
}
