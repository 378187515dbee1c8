// `probe-fleet canary`: canary analysis with Argo Rollouts semantics. Each interval runs the
// selected checks against the canary and the baseline, measures each check's error rate against
// the baseline's, latency and any CloudWatch queries from the fleet, prints a line per interval,
// and exits 0 promote, 1 abort, 3 inconclusive, 4 baseline down. Before anything runs it prints
// what the schedule can detect (and picks --runs-per-interval when asked to). The judgement is
// lib/release/canary.ts and lib/release/proportions.ts; this file wires flags to them.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AnalysisLimits } from '../../release/analysis.js';
import type { CanaryReport, ErrorRateJudgement, IntervalReport, LatencyJudgement, Target } from '../../release/canary.js';
import { runCanary } from '../../release/canary.js';
import { cloudWatchAccessFrom, createCloudWatchFetcher } from '../../release/cloudwatchSource.js';
import type { Condition } from '../../release/condition.js';
import { parseCondition } from '../../release/condition.js';
import type { PowerSummary, ProcedurePlan } from '../../release/proportions.js';
import { DETECTION_POWER, powerSummary, procedureOdds, runsToDetect } from '../../release/proportions.js';
import { isCriticalPath } from '../../release/verify.js';
import { palette, shouldColor } from '../../reporters/colors.js';
import type { Palette } from '../../reporters/colors.js';
import { redactDeep } from '../../reporters/format.js';
import { rateLimitFor } from '../../config/resolve.js';
import { runPlan, selectChecks } from '../../runner/runPlan.js';
import { createRateLimiterRegistry } from '../../runner/tokenBucket.js';
import { parseDuration, parseFlags, urlFlag, usageError } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_USAGE, usageFailure } from '../command.js';
import { DEFAULT_REQUEST_LOG, prepareRun } from '../runSetup.js';

const FLAGS = {
  canary: { type: 'string' },
  baseline: { type: 'string' },
  config: { type: 'string', short: 'c' },
  env: { type: 'string', short: 'e' },
  tags: { type: 'string', short: 't', multiple: true },
  interval: { type: 'string' },
  count: { type: 'string' },
  'runs-per-interval': { type: 'string' },
  success: { type: 'string' },
  'min-effect': { type: 'string' },
  'failure-limit': { type: 'string' },
  'inconclusive-limit': { type: 'string' },
  'consecutive-error-limit': { type: 'string' },
  'initial-delay': { type: 'string' },
  'min-samples': { type: 'string' },
  'latency-ratio': { type: 'string' },
  'latency-min-delta': { type: 'string' },
  'no-latency': { type: 'boolean' },
  'mann-whitney': { type: 'boolean' },
  alpha: { type: 'string' },
  json: { type: 'string' },
  'cloudwatch-endpoint': { type: 'string' },
  'request-log': { type: 'string' },
} as const;

const HELP = `Usage: probe-fleet canary --canary URL --baseline URL [options]

Canary analysis with Argo Rollouts semantics. Every interval the selected checks run
--runs-per-interval times against the canary and the baseline (no retries); each metric
takes one measurement (Successful, Failed, Inconclusive or Error):
  success-rate   per check, the canary's errors against the baseline's, over the results
                 of every interval so far. Failed when the canary errs more often beyond
                 noise (one-sided Fisher exact test, p < --alpha) by at least --min-effect,
                 or when a check of the canary passed nothing this interval (down).
                 Inconclusive when both sides err significantly more than --success allows
                 (both degraded) or both are down. Error when the baseline passed nothing.
                 The worst check decides and is named.
  latency        per check, canary p95 / baseline p95 of passing exchanges against
                 --latency-ratio and --latency-min-delta (and, with --mann-whitney, only when a
                 one-sided Mann-Whitney U test is also significant at --alpha); the slowest
                 check decides
  cloudwatch:*   each GetMetricData query in fleet.release.canary.cloudwatch
A metric fails when its failed measurements exceed --failure-limit, is inconclusive when
inconclusive ones exceed --inconclusive-limit, and errs when consecutive errors exceed
--consecutive-error-limit. The analysis stops as soon as one metric decides.

Before the first request it prints its detection power: the smallest canary error rate it
catches with 80% probability beside a baseline at 0%, 0.5% and 2%, and its false-abort
rate when the canary is as good as the baseline. It warns when the schedule cannot catch a
canary at the error rate --success allows plus --min-effect (2% for '>=0.99').

Options:
      --canary URL                  base URL of the canary (required)
      --baseline URL                base URL of the baseline (required)
  -c, --config FILE                 fleet definition (default: probes.config.ts)
  -e, --env NAME                    environment whose variables and headers apply (needed when
                                    the fleet has several)
  -t, --tags TAGS                   checks with these tags (default: tagged smoke or critical);
                                    only http and flow checks, which target a base URL
      --interval TIME               time between measurements (default: 2m)
      --count N                     measurements to take before promoting (default: 5)
      --runs-per-interval N|auto    runs of each check per target per interval (default: auto,
                                    the fewest, at least --min-samples and at most 1000,
                                    that catch the threshold above with 80% probability)
      --success COND                floor on each check's success rate, '>=' or '>' (default:
                                    '>=0.99'); 1 minus it is the error rate both sides may have
      --min-effect D                the canary is worse only when its error rate exceeds the
                                    baseline's by D or more (default: 1 minus --success, 0.01)
      --alpha A                     significance level of the error-rate tests and of
                                    --mann-whitney (default: 0.05, 95% confidence)
      --failure-limit N             failed measurements tolerated (default: 2: abort on the 3rd)
      --inconclusive-limit N        inconclusive measurements tolerated (default: 0)
      --consecutive-error-limit N   consecutive errors tolerated (default: 4)
      --initial-delay TIME          wait before the first measurement (default: 0s)
      --min-samples N               fewer results of a check on either side are inconclusive
                                    (default: 10); --runs-per-interval must reach it
      --latency-ratio R             allowed canary/baseline p95 ratio (default: 1.2)
      --latency-min-delta TIME      p95 differences below this are noise (default: 10ms)
      --no-latency                  do not judge latency
      --mann-whitney                call the canary slower only when significant
      --json FILE                   write the full analysis (every interval, every check's
                                    counts and p-values, the detection power) as JSON
      --cloudwatch-endpoint URL     CloudWatch endpoint override (also AWS_ENDPOINT_URL_CLOUDWATCH)
      --request-log FILE            one JSON line per request; - for stderr
                                    (default: ${DEFAULT_REQUEST_LOG})
  -h, --help                        show this help

Exit codes:
  0  promote: every metric took --count measurements within its limits
  1  abort: a metric failed (or erred beyond its consecutive-error limit)
  2  usage or configuration error; nothing ran
  3  inconclusive: a person should look (Argo pauses the rollout here); e.g. both sides
     degraded or both down
  4  baseline down: the baseline passed nothing for more than --consecutive-error-limit
     intervals in a row; the canary could not be judged and the stable version needs a person

Example:
  probe-fleet canary --env production --canary https://canary.shop.example \\
    --baseline https://stable.shop.example --interval 2m --count 5 --success '>=0.99' --failure-limit 2
`;

interface CanaryFlags {
  canary: string;
  baseline: string;
  config?: string;
  env?: string;
  tags?: string[];
  intervalMs: number;
  initialDelayMs: number;
  /** 'auto': the fewest runs with which the analysis catches its own threshold (see chooseRuns). */
  runsPerInterval: number | 'auto';
  minSamples: number;
  success: Condition;
  errorRate: ErrorRateJudgement;
  limits: AnalysisLimits;
  latency: LatencyJudgement | null;
  json?: string;
  cloudwatchEndpoint?: string;
  requestLog?: string;
}

export const canaryCommand: Command = {
  name: 'canary',
  summary: 'Canary analysis against a baseline (Argo semantics); exit 0 promote, 1 abort, 3 inconclusive, 4 baseline down',
  help: HELP,
  run: runCanaryCommand,
};

async function runCanaryCommand(args: string[], io: CliIO): Promise<number> {
  const flags = parseOptions(args);
  if ('error' in flags) return usageFailure(io, 'canary', flags.error);
  const setup = await prepareRun(io, { config: flags.config, env: flags.env, requestLog: flags.requestLog });
  if (!setup.ok) return setup.exitCode;
  const fail = (message: string): number => {
    io.stderr.write(setup.redactor.redact(`probe-fleet canary: ${message}\n`));
    return EXIT_USAGE;
  };
  const fetcher = (setup.fleet.release?.canary?.cloudwatch?.length ?? 0) > 0 ? createCloudWatchFetcher(cloudWatchAccessFrom(io.env, setup.fleet.homeRegion, flags.cloudwatchEndpoint)) : null;
  try {
    if (setup.environments.length !== 1) {
      return fail(usageError('--env', `one environment of fleet ${setup.fleet.name} whose variables and headers apply (${setup.environments.join(', ')})`, flags.env ?? ''));
    }
    const environment = setup.environments[0]!;
    const selected = selectChecks(setup.fleet, { environments: [environment], ...(flags.tags ? { tags: flags.tags } : {}) }).filter(
      (p) => (flags.tags !== undefined || isCriticalPath(p.check)) && (p.check.kind === 'http' || p.check.kind === 'flow'),
    );
    if (selected.length === 0) {
      return fail(`no http or flow check of fleet ${setup.fleet.name} matches ${flags.tags ? `tags ${flags.tags.join(', ')}` : 'the critical path (tag smoke or severity critical)'}: expected at least one, received none; nothing ran`);
    }
    const chosen = chooseRuns(flags);
    const runsPerInterval = chosen.runs;
    const samplesProblem = unreachableMinSamples({ ...flags, runsPerInterval }, selected.length);
    if (samplesProblem !== null) return fail(samplesProblem);
    for (const source of setup.fleet.release?.canary?.cloudwatch ?? []) {
      const parsed = parseCondition(source.successCondition ?? '');
      if (!parsed.ok) return fail(`release.canary.cloudwatch '${source.name}'.successCondition: ${parsed.error}`);
    }

    const colors = palette(shouldColor(io.stdout, io.env));
    const rateLimiters = createRateLimiterRegistry(setup.fleet);
    const urls: Record<Target, string> = { canary: flags.canary, baseline: flags.baseline };
    const items = Array.from({ length: runsPerInterval }, () => selected).flat();
    const plan = procedurePlan(flags, runsPerInterval);
    // The exact power model costs seconds beyond this many results per check; past it the line says so instead.
    const computable = runsPerInterval * plan.count <= MAX_POWER_RESULTS;
    const power = computable ? powerSummary(plan, selected.length) : null;
    io.stdout.write(
      setup.redactor.redact(
        `Canary analysis of fleet ${setup.fleet.name} [${environment}] (run ${setup.runId})\n` +
          `  canary ${flags.canary}  vs  baseline ${flags.baseline}\n` +
          `  ${selected.length} check${selected.length === 1 ? '' : 's'} x ${runsPerInterval} runs per interval${chosen.auto ? ' (auto)' : ''}; every ${formatMs(flags.intervalMs)}, count ${flags.limits.count ?? '∞'}, success ${flags.success.text}, ` +
          `failure limit ${flags.limits.failureLimit}, inconclusive limit ${flags.limits.inconclusiveLimit}, consecutive error limit ${flags.limits.consecutiveErrorLimit}\n` +
          (power ? powerLines(power, flags) : `  detection power: not computed above ${MAX_POWER_RESULTS} results per check (runs per interval x count)\n`) +
          '\n',
      ),
    );
    const warning = computable ? thresholdWarning(flags, plan, chosen) : null;
    if (warning !== null) io.stderr.write(`probe-fleet canary: warning: ${warning}\n`);
    const requestsPerRound = runsPerInterval * selected.reduce((sum, p) => sum + (p.check.kind === 'flow' ? p.check.steps.length : 1), 0);
    const pace = roundOutlastsInterval(requestsPerRound, rateLimitFor(setup.fleet, environment), flags.intervalMs);
    if (pace !== null) io.stderr.write(`probe-fleet canary: warning: ${pace}\n`);

    const report = await runCanary({
      limits: flags.limits,
      intervalMs: flags.intervalMs,
      initialDelayMs: flags.initialDelayMs,
      errorRate: flags.errorRate,
      minSamples: flags.minSamples,
      latency: flags.latency,
      cloudwatch: fetcher ? { sources: setup.fleet.release?.canary?.cloudwatch ?? [], fetcher } : null,
      signal: io.signal,
      runRound: (target, signal) =>
        runPlan(items, {
          fleet: setup.fleet,
          runId: setup.runId,
          location: 'local',
          secrets: setup.secrets,
          redactor: setup.redactor,
          requestLog: setup.requestLog,
          baseUrlOverride: urls[target],
          // A retry would hide exactly the errors a canary exists to count.
          retriesOverride: { count: 0 },
          rateLimiters,
          // No run deadline: each check's own timeout bounds a round, and a slow round delays the
          // next interval rather than cutting this one's samples (which would skew the rate).
          signal,
        }),
      onInterval: (interval) => io.stdout.write(setup.redactor.redact(intervalLines(interval, flags.limits, colors))),
    });

    io.stdout.write(setup.redactor.redact(`\n${decisionLine(report, colors)}\n`));
    if (flags.json !== undefined) {
      const path = resolve(io.cwd, flags.json);
      const document = { fleet: setup.fleet.name, environment, runId: setup.runId, canary: flags.canary, baseline: flags.baseline, checks: selected.map((p) => p.check.id), runsPerInterval, runsPerIntervalChosen: chosen.auto, intervalMs: flags.intervalMs, success: flags.success.text, errorRate: flags.errorRate, latency: flags.latency, power, ...report };
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, `${JSON.stringify(redactDeep(document, setup.redactor), null, 2)}\n`);
      } catch (error) {
        io.stderr.write(`probe-fleet canary: could not write --json ${flags.json}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    return report.exitCode;
  } finally {
    fetcher?.close();
    await setup.close();
  }
}

/**
 * A schedule that can never reach --min-samples makes every measurement Inconclusive, so the
 * analysis would stop after its first interval with exit 3 having judged nothing. Error rate and
 * latency are both judged per check, so each check's runs must reach the minimum alone.
 */
export function unreachableMinSamples(flags: { runsPerInterval: number; minSamples: number }, _checks: number): string | null {
  const { runsPerInterval: runs, minSamples } = flags;
  if (runs >= minSamples) return null;
  return (
    `--runs-per-interval ${runs} < --min-samples ${minSamples}: every check is judged on its own runs, so every measurement would be inconclusive; ` +
    `expected --runs-per-interval ${minSamples} or more, or a lower --min-samples; nothing ran`
  );
}

/** Results per check (runs per interval x count) up to which the detection power is computed before the analysis starts (about 5 s at the limit). */
export const MAX_POWER_RESULTS = 30_000;

/** Runs per interval when --runs-per-interval is auto and no target can be computed (a tolerance and minimum effect of 0). */
const FALLBACK_RUNS = 20;
/** The most runs per interval auto picks: beyond it, more intervals are the cheaper way to power. */
export const MAX_AUTO_RUNS = 1000;

export function procedurePlan(flags: Pick<CanaryFlags, 'limits' | 'errorRate'>, runsPerInterval: number): ProcedurePlan {
  return {
    runsPerInterval,
    count: flags.limits.count ?? 1,
    failureLimit: flags.limits.failureLimit,
    inconclusiveLimit: flags.limits.inconclusiveLimit,
    rule: { tolerance: flags.errorRate.tolerance, minEffect: flags.errorRate.minEffect, alpha: flags.errorRate.alpha },
  };
}

/**
 * The canary error rate a schedule must catch to support its threshold: the rate the success
 * condition allows plus the minimum effect (2 % for >= 0.99), beside a baseline with no errors.
 */
export function thresholdTarget(errorRate: ErrorRateJudgement): number | null {
  const target = errorRate.tolerance + errorRate.minEffect;
  return target > 0 && target < 1 ? target : null;
}

/** --runs-per-interval auto: the fewest runs (at least --min-samples) that catch thresholdTarget with DETECTION_POWER. */
export function chooseRuns(flags: Pick<CanaryFlags, 'runsPerInterval' | 'limits' | 'errorRate' | 'minSamples'>): { runs: number; auto: boolean; capped: boolean } {
  if (flags.runsPerInterval !== 'auto') return { runs: flags.runsPerInterval, auto: false, capped: false };
  const target = thresholdTarget(flags.errorRate);
  if (target === null) return { runs: Math.max(flags.minSamples, FALLBACK_RUNS), auto: true, capped: false };
  const { runsPerInterval: _ignored, ...plan } = procedurePlan(flags, 1);
  // Long schedules need fewer runs per interval; the search stays where the power model is quick.
  const max = Math.max(flags.minSamples, Math.min(MAX_AUTO_RUNS, Math.floor(MAX_POWER_RESULTS / plan.count)));
  const runs = runsToDetect(plan, target, 0, max, flags.minSamples);
  return runs === null ? { runs: max, auto: true, capped: true } : { runs, auto: true, capped: false };
}

function percent(rate: number): string {
  if (rate === 0) return '0%';
  const digits = rate < 0.001 ? 3 : rate < 0.01 ? 2 : 1;
  return `${(rate * 100).toFixed(digits)}%`;
}

function powerLines(power: PowerSummary, flags: Pick<CanaryFlags, 'errorRate'>): string {
  const { alpha, minEffect, tolerance } = flags.errorRate;
  const caught = power.detectable.map((d) => `${d.canaryRate === null ? 'nothing' : `>= ${percent(d.canaryRate)}`} beside ${percent(d.baselineRate)}`).join(', ');
  const noise = power.falseAbort
    .map((f) => `${percent(f.perCheck)} per check at ${percent(f.rate)}${f.checks > 1 ? ` (${percent(f.anyOf)} for any of ${f.checks})` : ''}`)
    .join(', ');
  return (
    `  error rate per check: canary vs baseline by Fisher's exact test at alpha ${alpha}, min effect ${(minEffect * 100).toFixed(1)} points; ` +
    `both sides above ${percent(tolerance)} is inconclusive\n` +
    `  detection power (${Math.round(DETECTION_POWER * 100)}% chance to abort): canary error rate ${caught}\n` +
    `  false aborts (canary as good as the baseline): ${noise}\n`
  );
}

/**
 * A round that the rate limit stretches past the interval delays every later interval (they
 * never overlap); say so before it starts rather than let a 10-minute analysis take 30.
 */
export function roundOutlastsInterval(requests: number, limit: { requestsPerSecond: number; burst: number }, intervalMs: number): string | null {
  const seconds = Math.max(0, requests - limit.burst) / limit.requestsPerSecond;
  if (seconds * 1000 <= intervalMs) return null;
  return (
    `a round of ${requests} requests per target takes at least ${seconds.toFixed(0)} s at the environment's rate limit of ${limit.requestsPerSecond} requests/s, ` +
    `longer than --interval ${formatMs(intervalMs)}: each interval will take that long instead; raise the rate limit, lengthen --interval, or select fewer checks`
  );
}

/** A warning when the schedule cannot catch its own threshold; null when it can. */
export function thresholdWarning(flags: Pick<CanaryFlags, 'errorRate' | 'limits' | 'minSamples' | 'success'>, plan: ProcedurePlan, chosen: { runs: number; auto: boolean; capped: boolean }): string | null {
  const target = thresholdTarget(flags.errorRate);
  if (target === null) return null;
  const odds = procedureOdds(plan, target, 0).abort;
  if (odds >= DETECTION_POWER) return null;
  const { runsPerInterval: _ignored, ...rest } = plan;
  const limit = Math.max(flags.minSamples, Math.min(MAX_AUTO_RUNS, Math.floor(MAX_POWER_RESULTS / plan.count)));
  const needed = chosen.capped ? null : runsToDetect(rest, target, 0, limit, flags.minSamples);
  return (
    `${plan.runsPerInterval} runs per interval x ${plan.count} intervals cannot support ${flags.success.text}: a canary failing ${percent(target)} of a check's runs ` +
    `(the ${percent(flags.errorRate.tolerance)} the condition allows + the ${(flags.errorRate.minEffect * 100).toFixed(1)}-point minimum effect) beside a clean baseline is caught ` +
    `${percent(odds)} of the time, expected ${Math.round(DETECTION_POWER * 100)}%; ` +
    (needed !== null ? `--runs-per-interval ${needed} would (or raise --count)` : `not even ${limit} runs per interval would: raise --count, or lower --failure-limit`)
  );
}

const PHASE_WIDTH = 13;

function intervalLines(interval: IntervalReport, limits: AnalysisLimits, colors: Palette): string {
  const width = Math.max(...interval.measurements.map((m) => m.metric.length));
  const paint = (phase: string): string => {
    const padded = phase.padEnd(PHASE_WIDTH);
    if (phase === 'Successful') return colors.green(padded);
    if (phase === 'Failed' || phase === 'Error') return colors.red(padded);
    return colors.yellow(padded);
  };
  const lines = interval.measurements.map((m, i) => {
    const t = interval.tallies[m.metric]!;
    const counts = `failed ${t.failed}/${limits.failureLimit}, inconclusive ${t.inconclusive}/${limits.inconclusiveLimit}, errors in a row ${t.consecutiveError}/${limits.consecutiveErrorLimit}`;
    const head = i === 0 ? `interval ${String(interval.index).padStart(2)}` : ' '.repeat(11);
    return `${head}  ${m.metric.padEnd(width)}  ${paint(m.phase)}${m.detail}  ${colors.dim(`(${counts})`)}`;
  });
  return `${lines.join('\n')}\n`;
}

function decisionLine(report: CanaryReport, colors: Palette): string {
  const word =
    report.decision === 'promote'
      ? colors.green('promote')
      : report.decision === 'abort'
        ? colors.red('abort')
        : report.decision === 'baseline-down'
          ? colors.red('baseline down')
          : colors.yellow('inconclusive');
  return `Decision: ${word} (exit ${report.exitCode}) after ${report.intervals.length} interval${report.intervals.length === 1 ? '' : 's'}: ${report.reason}`;
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function parseOptions(args: string[]): CanaryFlags | { error: string } {
  const parsed = parseFlags(args, FLAGS);
  if (!parsed.ok) return { error: parsed.error };
  const v = parsed.values;
  if (parsed.positionals.length > 0) return { error: usageError('argument', 'options only (see --help)', parsed.positionals.join(' ')) };
  const url = (flag: string, text: string | undefined): string | { error: string } => {
    if (text === undefined) return { error: `${flag} is required: expected an absolute http:// or https:// URL, received nothing` };
    const parsedUrl = urlFlag(flag, text, { base: true });
    return 'error' in parsedUrl ? parsedUrl : parsedUrl.url;
  };
  const canary = url('--canary', v.canary);
  if (typeof canary !== 'string') return canary;
  const baseline = url('--baseline', v.baseline);
  if (typeof baseline !== 'string') return baseline;
  const errors: string[] = [];
  const duration = (flag: string, text: string | undefined, fallback: number, allowZero = false): number => {
    if (text === undefined) return fallback;
    if (allowZero && /^0+(ms|s|m|h)?$/.test(text.trim())) return 0;
    const ms = parseDuration(text);
    if (ms === null) errors.push(usageError(flag, `a ${allowZero ? '' : 'positive '}duration such as 200ms, 30s or 2m`, text));
    return ms ?? fallback;
  };
  const whole = (flag: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > 100_000) {
      errors.push(usageError(flag, `a whole number from ${min} to 100000`, text));
      return fallback;
    }
    return n;
  };
  const real = (flag: string, text: string | undefined, fallback: number, ok: (n: number) => boolean, expected: string): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) {
      errors.push(usageError(flag, expected, text));
      return fallback;
    }
    return n;
  };
  const intervalMs = duration('--interval', v.interval, 120_000);
  const initialDelayMs = duration('--initial-delay', v['initial-delay'], 0, true);
  const count = whole('--count', v.count, 5, 1);
  const runsPerInterval: number | 'auto' = v['runs-per-interval'] === undefined || v['runs-per-interval'].trim() === 'auto' ? 'auto' : whole('--runs-per-interval', v['runs-per-interval'], 20, 1);
  const minSamples = whole('--min-samples', v['min-samples'], 10, 1);
  const failureLimit = whole('--failure-limit', v['failure-limit'], 2, 0);
  const inconclusiveLimit = whole('--inconclusive-limit', v['inconclusive-limit'], 0, 0);
  const consecutiveErrorLimit = whole('--consecutive-error-limit', v['consecutive-error-limit'], 4, 0);
  const ratio = real('--latency-ratio', v['latency-ratio'], 1.2, (n) => n >= 1, 'a ratio of 1 or more, such as 1.2');
  const alpha = real('--alpha', v.alpha, 0.05, (n) => n > 0 && n < 1, 'a significance level between 0 and 1, such as 0.05');
  const minDeltaMs = duration('--latency-min-delta', v['latency-min-delta'], 10, true);
  const success = parseCondition(v.success ?? '>=0.99');
  if (!success.ok) errors.push(`invalid --success: ${success.error}`);
  else if ((success.condition.comparator !== '>=' && success.condition.comparator !== '>') || success.condition.threshold < 0 || success.condition.threshold > 1) {
    // The condition is a floor on each check's success rate: its complement is the error rate the canary may have.
    errors.push(usageError('--success', "a lower bound on the success rate, '>=' or '>' and a number from 0 to 1, such as '>=0.99'", v.success ?? ''));
  }
  const tolerance = success.ok ? Math.max(0, 1 - success.condition.threshold) : 0;
  const minEffect = real('--min-effect', v['min-effect'], Number((tolerance).toPrecision(12)), (n) => n >= 0 && n < 1, 'an error-rate difference from 0 to below 1, such as 0.01 (1 point)');
  let tags: string[] | undefined;
  if (v.tags !== undefined) {
    tags = v.tags.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
    if (tags.length === 0) errors.push(usageError('--tags', 'one or more tag names', v.tags.join(',')));
  }
  if (errors.length > 0 || !success.ok) return { error: errors.join('\n') };
  const flags: CanaryFlags = {
    canary,
    baseline,
    intervalMs,
    initialDelayMs,
    runsPerInterval,
    minSamples,
    success: success.condition,
    errorRate: { tolerance: Number(tolerance.toPrecision(12)), minEffect, alpha, successText: success.condition.text },
    limits: { count, failureLimit, inconclusiveLimit, consecutiveErrorLimit },
    latency: v['no-latency'] === true ? null : { ratio, minDeltaMs, mannWhitney: v['mann-whitney'] === true, alpha, percentile: 95 },
  };
  if (v.config !== undefined) flags.config = v.config;
  if (v.env !== undefined) flags.env = v.env;
  if (tags) flags.tags = tags;
  if (v.json !== undefined) flags.json = v.json;
  if (v['cloudwatch-endpoint'] !== undefined) flags.cloudwatchEndpoint = v['cloudwatch-endpoint'];
  if (v['request-log'] !== undefined) flags.requestLog = v['request-log'];
  return flags;
}
