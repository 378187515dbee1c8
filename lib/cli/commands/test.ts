// `probe-fleet test`: run the fleet's checks once, locally or from CI, and say with the exit
// code whether they passed. Loading, secrets and the request log come from runSetup; the run
// itself is the runner's; this file wires flags to both and turns results into an exit code.
import type { WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckResult } from '../../model/result.js';
import { REPORTER_NAMES } from '../../reporters/createReporter.js';
import type { ReporterName } from '../../reporters/createReporter.js';
import { planKey, summarize } from '../../reporters/reporter.js';
import type { CheckFilter, PlannedCheck } from '../../runner/api.js';
import { directoryArtifacts } from '../../runner/browserArtifacts.js';
import { launchingBrowserProvider } from '../../runner/browserLaunch.js';
import { runPlan, selectChecks } from '../../runner/runPlan.js';
import { parseFlags, usageError } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, usageFailure } from '../command.js';
import { DEFAULT_REQUEST_LOG, prepareRun } from '../runSetup.js';
import { concurrencyFlag, deadlineFlag, openOutput, reporterFlag, runReporter, tagsFlag } from '../runFlags.js';

/** The smoke budget: a post-deploy gate that takes longer than this is not a gate. */
export const DEFAULT_TEST_DEADLINE_MS = 120_000;

/** How long after the deadline the run is stopped outright if the runner has not ended it. */
const DEADLINE_BACKSTOP_MS = 250;

const FLAGS = {
  config: { type: 'string', short: 'c' },
  env: { type: 'string', short: 'e' },
  'base-url': { type: 'string' },
  tags: { type: 'string', short: 't', multiple: true },
  grep: { type: 'string', short: 'g' },
  reporter: { type: 'string', short: 'r' },
  output: { type: 'string', short: 'o' },
  deadline: { type: 'string' },
  concurrency: { type: 'string' },
  'request-log': { type: 'string' },
  artifacts: { type: 'string' },
} as const;

/** Beside the reports of the working directory; created only when a browser check fails. */
const DEFAULT_ARTIFACTS_DIR = 'probe-fleet-artifacts';

const HELP = `Usage: probe-fleet test [options]

Runs the fleet's checks once against one or more environments and exits with
0 when every check passed, so a deploy pipeline can gate (or roll back) on it.

Options:
  -c, --config FILE      fleet definition (default: probes.config.ts in the current directory)
  -e, --env NAME         environment to test: a name, several as a,b, or all (default: all)
      --base-url URL     run against this URL: replaces the --env environment's baseUrl,
                         or, without --env, runs every check once as environment "custom"
  -t, --tags TAGS        only checks with one of these tags (repeatable, or comma-separated)
  -g, --grep PATTERN     only checks whose id or name matches this regular expression
  -r, --reporter NAME    ${REPORTER_NAMES.join(' | ')} (default: list)
  -o, --output FILE      write the json or junit report to FILE; live progress still
                         goes to stdout with the list reporter
      --deadline TIME    budget for the whole run, e.g. 90s, 2m (default: 2m, at most 24h); checks that
                         cannot start in time are reported as skipped and fail the run
      --concurrency N    checks running at once (default: the fleet's, or 8)
      --request-log FILE one JSON line per request made, appended to FILE; - for stderr
                         (default: ${DEFAULT_REQUEST_LOG})
      --artifacts DIR    where a failed browser check's screenshot (and trace) go
                         (default: ${DEFAULT_ARTIFACTS_DIR}, created on the first failure)
  -h, --help             show this help

Exit codes:
  0  every check passed (degraded and flaky results pass, and are reported)
  1  a check failed or was skipped, the deadline passed, or the run was interrupted
  2  usage or configuration error; nothing ran

Secrets named with secret('name') are read from PROBE_SECRET_<NAME> and never printed;
one the selected checks use that is unset or shorter than 4 characters is a
configuration error (exit 2), found before anything runs.

Examples:
  probe-fleet test --env staging --tags smoke
  probe-fleet test --base-url https://pr-123.preview.example --reporter junit --output junit.xml
`;

interface TestOptions {
  config?: string;
  env?: string;
  baseUrl?: string;
  tags?: string[];
  grep?: string;
  reporter: ReporterName;
  output?: string;
  deadlineMs: number;
  concurrency?: number;
  requestLog?: string;
  artifacts?: string;
}

export const testCommand: Command = {
  name: 'test',
  summary: 'Run the checks once and exit 0 (passed), 1 (failed) or 2 (usage/config error)',
  help: HELP,
  run: runTest,
};

async function runTest(args: string[], io: CliIO): Promise<number> {
  const options = parseOptions(args);
  if ('error' in options) return usageFailure(io, 'test', options.error);

  const filterFor = (environments: string[]): CheckFilter => ({
    environments,
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.grep !== undefined ? { grep: options.grep } : {}),
  });
  const setup = await prepareRun(io, {
    config: options.config,
    env: options.env,
    baseUrl: options.baseUrl,
    requestLog: options.requestLog,
    plan: (fleet, environments) => selectChecks(fleet, filterFor(environments)),
  });
  if (!setup.ok) return setup.exitCode;

  let output: { stream: WriteStream; close(): Promise<void> } | undefined;
  // Launched only if a browser check runs; one browser for the whole run, closed at the end.
  const browser = launchingBrowserProvider(io.env);
  try {
    const filter = filterFor(setup.environments);
    const planned = selectChecks(setup.fleet, filter);
    if (planned.length === 0) {
      io.stderr.write(
        setup.redactor.redact(`probe-fleet test: no check of fleet ${setup.fleet.name} matches ${describeFilter(filter)}: expected at least one, received none; nothing ran\n`),
      );
      return EXIT_USAGE;
    }

    if (options.output !== undefined) {
      const opened = await openOutput(resolve(io.cwd, options.output));
      if ('error' in opened) {
        io.stderr.write(`probe-fleet test: ${usageError('--output', 'a file that can be written', options.output)} (${opened.error})\n`);
        return EXIT_USAGE;
      }
      output = opened;
    }
    const reporter = runReporter(options.reporter, io, setup.redactor, output?.stream);

    const byKey = new Map<string, PlannedCheck>(planned.map((p) => [planKey(p.check.id, p.environment), p]));
    const started = performance.now();
    const deadline = Date.now() + options.deadlineMs;
    // The runner cuts checks at the deadline itself (reporting them as `deadline`); this
    // backstop stops the run shortly after, so the gate never overruns its budget by much.
    const stop = new AbortController();
    let deadlinePassed = false;
    const timer = setTimeout(() => {
      deadlinePassed = true;
      stop.abort(new Error('deadline'));
    }, options.deadlineMs + DEADLINE_BACKSTOP_MS);
    const onInterrupt = (): void => stop.abort(io.signal.reason);
    if (io.signal.aborted) onInterrupt();
    else io.signal.addEventListener('abort', onInterrupt, { once: true });

    reporter.onBegin({ fleet: setup.fleet, runId: setup.runId, planned });
    let results: CheckResult[];
    try {
      results = await runPlan(planned, {
        fleet: setup.fleet,
        runId: setup.runId,
        location: 'local',
        secrets: setup.secrets,
        redactor: setup.redactor,
        requestLog: setup.requestLog,
        deadline,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        signal: stop.signal,
        browser,
        artifacts: directoryArtifacts(resolve(io.cwd, options.artifacts ?? DEFAULT_ARTIFACTS_DIR)),
        onCheckEnd: (result) => {
          const plan = byKey.get(planKey(result.checkId, result.environment));
          if (plan) reporter.onCheckEnd(result, plan);
        },
      });
    } catch (error) {
      // The runner promises never to throw; if it does, say so instead of printing a stack.
      io.stderr.write(setup.redactor.redact(`probe-fleet test: internal error in the runner: ${error instanceof Error ? error.message : String(error)}; nothing to report\n`));
      return EXIT_FAILED;
    } finally {
      clearTimeout(timer);
      io.signal.removeEventListener('abort', onInterrupt);
    }

    const overran = deadlinePassed || Date.now() >= deadline;
    const summary = summarize(results, performance.now() - started);
    await reporter.onEnd(summary, results);
    const interrupted = io.signal.aborted;
    const notRun = planned.length - results.length;
    if (interrupted) {
      const ran = results.filter((r) => r.skipped !== true).length;
      io.stderr.write(`probe-fleet test: interrupted; ${ran} of ${planned.length} checks ran, the others are reported as skipped\n`);
    } else if (overran) {
      io.stderr.write(`probe-fleet test: the run exceeded its deadline of ${formatMs(options.deadlineMs)}; checks cut short or not started count as failed\n`);
    }
    const allPassed = !interrupted && !overran && notRun === 0 && summary.failed === 0 && summary.skipped === 0;
    return allPassed ? EXIT_OK : EXIT_FAILED;
  } finally {
    await browser.close();
    await output?.close();
    await setup.close();
  }
}

function parseOptions(args: string[]): TestOptions | { error: string } {
  const parsed = parseFlags(args, FLAGS);
  if (!parsed.ok) return { error: parsed.error };
  const v = parsed.values;
  if (parsed.positionals.length > 0) return { error: usageError('argument', 'options only (see --help)', parsed.positionals.join(' ')) };

  const reporterValue = reporterFlag(v.reporter);
  if ('error' in reporterValue) return reporterValue;
  const reporter = reporterValue.value;
  const deadline = deadlineFlag(v.deadline, DEFAULT_TEST_DEADLINE_MS);
  if ('error' in deadline) return deadline;
  const deadlineMs = deadline.value;
  const concurrencyValue = concurrencyFlag(v.concurrency);
  if ('error' in concurrencyValue) return concurrencyValue;
  const concurrency = concurrencyValue.value;

  if (v.grep !== undefined) {
    try {
      new RegExp(v.grep);
    } catch (error) {
      return { error: `${usageError('--grep', 'a valid regular expression', v.grep)} (${error instanceof Error ? error.message : String(error)})` };
    }
  }

  const tagsValue = tagsFlag(v.tags);
  if ('error' in tagsValue) return tagsValue;
  const tags = tagsValue.value;

  if (v.env !== undefined && v.env.trim() === '') return { error: usageError('--env', 'an environment name or all', v.env) };
  if (v.output !== undefined && v.output.trim() === '') return { error: usageError('--output', 'a file path', v.output) };
  if (v['request-log'] !== undefined && v['request-log'].trim() === '') return { error: usageError('--request-log', 'a file path or -', v['request-log']) };

  const options: TestOptions = { reporter, deadlineMs };
  if (v.config !== undefined) options.config = v.config;
  if (v.env !== undefined) options.env = v.env;
  if (v['base-url'] !== undefined) options.baseUrl = v['base-url'];
  if (tags) options.tags = tags;
  if (v.grep !== undefined) options.grep = v.grep;
  if (v.output !== undefined) options.output = v.output;
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (v['request-log'] !== undefined) options.requestLog = v['request-log'];
  if (v.artifacts !== undefined) {
    if (v.artifacts.trim() === '') return { error: usageError('--artifacts', 'a directory path', v.artifacts) };
    options.artifacts = v.artifacts;
  }
  return options;
}

function describeFilter(filter: CheckFilter): string {
  const parts = [`environments ${filter.environments?.join(', ') ?? 'all'}`];
  if (filter.tags) parts.push(`tags ${filter.tags.join(', ')}`);
  if (filter.grep !== undefined) parts.push(`grep /${filter.grep}/`);
  return parts.join(', ');
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
