// `probe-fleet verify`: the post-deploy smoke gate. Critical-path checks against one or every
// environment, failures retried once (a pass on retry is reported flaky), the deployed version
// compared with the expected one, an audit line per run, and an exit code a pipeline can roll
// back on. The work is lib/release/verify.ts; this file wires flags, reporters and exit codes.
import type { WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckResult } from '../../model/result.js';
import type { Palette } from '../../reporters/colors.js';
import { appendAuditRecord, auditRecordPath, buildAuditRecord } from '../../release/auditRecord.js';
import type { EnvironmentSummary } from '../../release/verify.js';
import { DEFAULT_VERIFY_DEADLINE_MS, planVerify, runVerify, summarizeEnvironment } from '../../release/verify.js';
import { palette, shouldColor } from '../../reporters/colors.js';
import { REPORTER_NAMES } from '../../reporters/createReporter.js';
import type { ReporterName } from '../../reporters/createReporter.js';
import { planKey, summarize } from '../../reporters/reporter.js';
import type { PlannedCheck } from '../../runner/api.js';
import { parseFlags, usageError } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, usageFailure } from '../command.js';
import { directoryArtifacts } from '../../runner/browserArtifacts.js';
import { launchingBrowserProvider } from '../../runner/browserLaunch.js';
import { DEFAULT_REQUEST_LOG, prepareRun } from '../runSetup.js';
import { concurrencyFlag, deadlineFlag, openOutput, reporterFlag, runReporter, tagsFlag } from '../runFlags.js';

const FLAGS = {
  config: { type: 'string', short: 'c' },
  env: { type: 'string', short: 'e' },
  'base-url': { type: 'string' },
  tags: { type: 'string', short: 't', multiple: true },
  'expect-version': { type: 'string' },
  deadline: { type: 'string' },
  reporter: { type: 'string', short: 'r' },
  output: { type: 'string', short: 'o' },
  record: { type: 'string' },
  concurrency: { type: 'string' },
  'request-log': { type: 'string' },
  artifacts: { type: 'string' },
} as const;

/** The help text's statement of wrapUpMs. */
const WRAP_UP_NOTE = '2s (a tenth of one under 20s)';

const HELP = `Usage: probe-fleet verify --env NAME|all [options]

The post-deploy smoke gate: runs the critical-path checks (tagged smoke, or of severity
critical) against a freshly deployed environment within the smoke budget, and exits 0
when the release is healthy or 1 when it should be rolled back.

Options:
  -e, --env NAME          environment to verify: a name, several as a,b, or all (default: all);
                          with several, they run in parallel, each within its own rate limit,
                          and are reported one by one
  -c, --config FILE       fleet definition (default: probes.config.ts in the current directory)
      --base-url URL      verify this URL instead of the environment's baseUrl (one --env only)
  -t, --tags TAGS         run the checks with these tags instead of the critical path
      --expect-version V  read each service's version where fleet.versions says (e.g. /health at
                          $.version) and fail with kind version_mismatch when it is not V
      --deadline TIME     budget for the whole gate, counted from process start (default: 2m,
                          at most 24h); checks stop ${WRAP_UP_NOTE} before it, so
                          the verdict and the audit line are written in time; a check that never
                          started is skipped, one cut mid-flight failed (kind deadline)
  -r, --reporter NAME     ${REPORTER_NAMES.join(' | ')} (default: list)
  -o, --output FILE       write the json or junit report to FILE; progress stays on stdout
      --record FILE       append one audit line per run to FILE, creating its directories (who,
                          what, when, expected version, verdict, each check's result and duration);
                          a path ending in / or an existing directory means DIR/verify.jsonl
      --concurrency N     checks running at once per environment (default: the fleet's, or 8)
      --request-log FILE  one JSON line per request, appended to FILE; - for stderr
                          (default: ${DEFAULT_REQUEST_LOG})
      --artifacts DIR     where a failed browser check's screenshot goes
                          (default: probe-fleet-artifacts, created on the first failure)
  -h, --help              show this help

Every failing check is retried once; a check that passes on its retry is reported as flaky.

Exit codes:
  0  every environment is healthy (flaky and degraded results are reported, not fatal)
  1  a check failed, a version did not match, or the deadline passed: roll back
  2  usage or configuration error; nothing ran

Examples:
  probe-fleet verify --env production --expect-version "$GIT_SHA" --record audit/verify.jsonl
  probe-fleet verify --env all --reporter junit --output verify.xml
`;

interface VerifyOptions {
  config?: string;
  env?: string;
  baseUrl?: string;
  tags?: string[];
  expectVersion?: string;
  deadlineMs: number;
  reporter: ReporterName;
  output?: string;
  record?: string;
  concurrency?: number;
  requestLog?: string;
  artifacts?: string;
}

/**
 * How long before the deadline the checks are cut, so that the report, the verdict and the
 * audit line are written before it: 2 s, or a tenth of a deadline shorter than 20 s.
 */
export function wrapUpMs(deadlineMs: number): number {
  return Math.min(2000, Math.round(deadlineMs / 10));
}

export interface VerifyClock {
  /** Epoch ms when this process started: the gate's budget counts from there. */
  processStartedAt(): number;
}

/**
 * A CI step capped at 2 minutes counts from when the process started, not from when the
 * config finished loading; `performance.timeOrigin` is that moment. Tests that drive the
 * command in a long-lived process pass their own clock.
 */
export function createVerifyCommand(clock: VerifyClock = { processStartedAt: () => performance.timeOrigin }): Command {
  return {
    name: 'verify',
    summary: 'Post-deploy smoke gate: critical checks (and --expect-version) per environment; exit 1 to roll back',
    help: HELP,
    run: (args, io) => runVerifyCommand(args, io, clock),
  };
}

export const verifyCommand: Command = createVerifyCommand();

async function runVerifyCommand(args: string[], io: CliIO, clock: VerifyClock): Promise<number> {
  const options = parseOptions(args);
  if ('error' in options) return usageFailure(io, 'verify', options.error);
  const setup = await prepareRun(io, {
    config: options.config,
    env: options.env,
    baseUrl: options.baseUrl,
    requestLog: options.requestLog,
    plan: (fleet, environments) => planVerify(fleet, environments, options.tags, options.expectVersion).flatMap((p) => p.planned),
  });
  if (!setup.ok) return setup.exitCode;

  let output: { stream: WriteStream; close(): Promise<void> } | undefined;
  // Launched only if a browser check runs; one browser for the whole gate, closed at the end.
  const browser = launchingBrowserProvider(io.env);
  try {
    const plans = planVerify(setup.fleet, setup.environments, options.tags, options.expectVersion);
    const planned = plans.flatMap((p) => p.planned);
    const fail = (message: string): number => {
      io.stderr.write(setup.redactor.redact(`probe-fleet verify: ${message}\n`));
      return EXIT_USAGE;
    };
    const empty = plans.filter((p) => p.planned.length === 0).map((p) => p.environment);
    if (empty.length > 0) {
      const selection = options.tags ? `tags ${options.tags.join(', ')}` : 'the critical path (tag smoke or severity critical)';
      return fail(`no check of fleet ${setup.fleet.name} matches ${selection} in environment ${empty.join(', ')}: expected at least one, received none; nothing ran`);
    }
    if (options.expectVersion !== undefined && plans.some((p) => p.versionProbes.length === 0)) {
      const services = [...new Set(planned.map((p) => p.check.service))];
      return fail(
        `--expect-version needs a version source: expected fleet.versions to name one of the verified services (${services.join(', ')}) as { path, jsonPath }, received ${JSON.stringify(Object.keys(setup.fleet.versions ?? {}))}; nothing ran`,
      );
    }
    if (options.output !== undefined) {
      const opened = await openOutput(resolve(io.cwd, options.output));
      if ('error' in opened) return fail(`${usageError('--output', 'a file that can be written', options.output)} (${opened.error})`);
      output = opened;
    }
    const machineOnStdout = options.reporter !== 'list' && output === undefined;
    const reporter = runReporter(options.reporter, io, setup.redactor, output?.stream);
    const byKey = new Map<string, PlannedCheck>(planned.map((p) => [planKey(p.check.id, p.environment), p]));

    const startedAt = new Date();
    const started = performance.now();
    const processStartedAt = clock.processStartedAt();
    const hardDeadline = processStartedAt + options.deadlineMs;
    // The checks stop a little before the deadline: what follows (report, verdict, audit
    // line) must be on disk before a pipeline's step timeout kills the process.
    const deadline = hardDeadline - wrapUpMs(options.deadlineMs);
    const stop = new AbortController();
    let deadlinePassed = false;
    const timer = setTimeout(
      () => {
        deadlinePassed = true;
        stop.abort(new Error('deadline'));
      },
      Math.max(0, deadline - Date.now()),
    );
    const onInterrupt = (): void => stop.abort(io.signal.reason);
    if (io.signal.aborted) onInterrupt();
    else io.signal.addEventListener('abort', onInterrupt, { once: true });

    reporter.onBegin({ fleet: setup.fleet, runId: setup.runId, planned });
    let outcomes;
    try {
      outcomes = await runVerify(plans, {
        fleet: setup.fleet,
        runId: setup.runId,
        location: 'local',
        secrets: setup.secrets,
        redactor: setup.redactor,
        requestLog: setup.requestLog,
        deadline,
        signal: stop.signal,
        browser,
        artifacts: directoryArtifacts(resolve(io.cwd, options.artifacts ?? 'probe-fleet-artifacts')),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.expectVersion === undefined ? {} : { expectedVersion: options.expectVersion }),
        onCheckEnd: (result) => {
          const plan = byKey.get(planKey(result.checkId, result.environment));
          if (plan) reporter.onCheckEnd(result, plan);
        },
      });
    } finally {
      clearTimeout(timer);
      io.signal.removeEventListener('abort', onInterrupt);
    }
    // The runner's clock may cut the checks an instant before this command's timer fires: the
    // deadline still ended the gate, and the verdict must say so.
    if (Date.now() >= deadline) deadlinePassed = true;

    const results: CheckResult[] = outcomes.flatMap((o) => o.results);
    await reporter.onEnd(summarize(results, performance.now() - started), results);
    const summaries = outcomes.map((o, i) => summarizeEnvironment(o, plans[i]!));
    const interrupted = io.signal.aborted;
    const healthy = !interrupted && !deadlinePassed && summaries.every((s) => s.healthy);
    const sectionOut = machineOnStdout ? io.stderr : io.stdout;
    const colors = palette(!machineOnStdout && shouldColor(io.stdout, io.env));
    const run: RunEnd = {
      interrupted,
      deadlinePassed,
      deadlineMs: options.deadlineMs,
      skipped: results.filter((r) => r.skipped === true).length + outcomes.reduce((n, o) => n + o.missing, 0),
      cut: results.filter((r) => r.skipped !== true && !r.ok && r.failure?.kind === 'deadline').length,
    };
    const verdict = verdictOf(summaries, healthy, run);
    sectionOut.write(setup.redactor.redact(environmentSection(summaries, options.expectVersion, verdict, colors)));
    const exitCode = healthy ? EXIT_OK : EXIT_FAILED;

    if (options.record !== undefined) {
      const file = auditRecordPath(io.cwd, options.record);
      const record = buildAuditRecord({
        runId: setup.runId,
        fleet: setup.fleet.name,
        environments: setup.environments,
        baseUrls: Object.fromEntries(setup.environments.map((name) => [name, setup.fleet.environments[name]?.baseUrl ?? ''])),
        expectedVersion: options.expectVersion ?? null,
        startedAt,
        endedAt: new Date(),
        exitCode,
        verdict: verdict.text,
        deadline: { ms: options.deadlineMs, processStartedAt: new Date(processStartedAt), reached: deadlinePassed },
        env: io.env,
        results,
      });
      try {
        await appendAuditRecord(file, record, setup.redactor);
      } catch (error) {
        // The gate's verdict stands; a lost audit line is reported, loudly, but does not flip it.
        io.stderr.write(setup.redactor.redact(`probe-fleet verify: could not append the audit record to ${file}: ${error instanceof Error ? error.message : String(error)}\n`));
      }
    }
    return exitCode;
  } finally {
    await browser.close();
    await output?.close();
    await setup.close();
  }
}

interface RunEnd {
  interrupted: boolean;
  deadlinePassed: boolean;
  deadlineMs: number;
  /** Checks that never started (the deadline came first, or the rate limit starved them). */
  skipped: number;
  /** Checks the deadline cut while they were running. */
  cut: number;
}

interface Verdict {
  healthy: boolean;
  /** Without colour: the audit record keeps this text. */
  text: string;
}

function verdictOf(summaries: EnvironmentSummary[], healthy: boolean, run: RunEnd): Verdict {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (run.interrupted) return { healthy: false, text: 'interrupted: the gate did not finish; treat the release as unverified' };
  if (run.deadlinePassed) {
    return {
      healthy: false,
      text: `roll back: the gate exceeded its deadline of ${run.deadlineMs / 1000}s (counted from process start): ${run.skipped} skipped (never started), ${plural(run.cut, 'check')} cut mid-flight`,
    };
  }
  if (healthy) return { healthy: true, text: `healthy: ${summaries.length} of ${plural(summaries.length, 'environment')} passed` };
  const bad = summaries.filter((s) => !s.healthy).length;
  return { healthy: false, text: `roll back: ${bad} of ${plural(summaries.length, 'environment')} failed` };
}

function environmentSection(summaries: EnvironmentSummary[], expected: string | undefined, verdict: Verdict, colors: Palette): string {
  const width = Math.max(...summaries.map((s) => s.environment.length));
  const lines = ['', colors.bold('Per environment')];
  for (const s of summaries) {
    const mark = s.healthy ? colors.green('✓') : colors.red('✗');
    const counts = [`${s.passed} passed`, `${s.failed} failed`, `${s.flaky} flaky`, ...(s.skipped > 0 ? [`${s.skipped} skipped`] : [])].join(', ');
    const versions = Object.entries(s.versions).map(([service, version]) => {
      if (version === null) return `${service} version unknown`;
      return expected === undefined || version === expected ? `${service} ${version}` : `${service} ${version} (expected ${expected})`;
    });
    lines.push(`  ${mark} ${s.environment.padEnd(width)}  ${counts}${versions.length > 0 ? ` — ${versions.join(', ')}` : ''}`);
  }
  lines.push('', `Verdict: ${verdict.healthy ? colors.green(verdict.text) : colors.red(verdict.text)}`, '');
  return lines.join('\n');
}

function parseOptions(args: string[]): VerifyOptions | { error: string } {
  const parsed = parseFlags(args, FLAGS);
  if (!parsed.ok) return { error: parsed.error };
  const v = parsed.values;
  if (parsed.positionals.length > 0) return { error: usageError('argument', 'options only (see --help)', parsed.positionals.join(' ')) };
  const reporterValue = reporterFlag(v.reporter);
  if ('error' in reporterValue) return reporterValue;
  const reporter = reporterValue.value;
  const deadline = deadlineFlag(v.deadline, DEFAULT_VERIFY_DEADLINE_MS);
  if ('error' in deadline) return deadline;
  const deadlineMs = deadline.value;
  const concurrencyValue = concurrencyFlag(v.concurrency);
  if ('error' in concurrencyValue) return concurrencyValue;
  const concurrency = concurrencyValue.value;
  const tagsValue = tagsFlag(v.tags);
  if ('error' in tagsValue) return tagsValue;
  const tags = tagsValue.value;
  if (v.env !== undefined && v.env.trim() === '') return { error: usageError('--env', 'an environment name or all', v.env) };
  if (v['expect-version'] !== undefined && v['expect-version'].trim() === '') return { error: usageError('--expect-version', 'a version such as 1.5.0 or a commit id', v['expect-version']) };
  if (v.record !== undefined && v.record.trim() === '') return { error: usageError('--record', 'a file to append to (or a directory, for DIR/verify.jsonl)', v.record) };
  const options: VerifyOptions = { reporter, deadlineMs };
  if (v.config !== undefined) options.config = v.config;
  if (v.env !== undefined) options.env = v.env;
  if (v['base-url'] !== undefined) options.baseUrl = v['base-url'];
  if (tags) options.tags = tags;
  if (v['expect-version'] !== undefined) options.expectVersion = v['expect-version'].trim();
  if (v.output !== undefined) options.output = v.output;
  if (v.record !== undefined) options.record = v.record;
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (v['request-log'] !== undefined) options.requestLog = v['request-log'];
  if (v.artifacts !== undefined) {
    if (v.artifacts.trim() === '') return { error: usageError('--artifacts', 'a directory path', v.artifacts) };
    options.artifacts = v.artifacts;
  }
  return options;
}
