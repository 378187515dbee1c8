// `probe-fleet watch`: the post-deploy watch. Runs a plan's timeline (the built-in one is
// T+0 error rate, T+2m p95 latency, T+5m memory trend, T+10m DB pool, T+30m memory creep),
// probing continuously and sampling series, printing each step as it is judged and stopping at
// the first unhealthy one. The timeline logic is lib/release/watch.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { resolveSettings } from '../../config/resolve.js';
import { cloudWatchAccessFrom, createCloudWatchFetcher } from '../../release/cloudwatchSource.js';
import type { MetricFetcher } from '../../release/cloudwatchSource.js';
import { formatOffset, parseOffset } from '../../release/duration.js';
import { cloudWatchReader, DURATION_HISTOGRAMS, prometheusReader, REQUEST_COUNTERS, serviceMetricsReader, STATUS_LABELS } from '../../release/seriesReaders.js';
import type { SeriesReader, ServiceMetricsReader } from '../../release/seriesReaders.js';
import { isCriticalPath } from '../../release/verify.js';
import type { StepJudgement } from '../../release/watch.js';
import { runWatch } from '../../release/watch.js';
import type { ResolvedPlan } from '../../release/watchPlan.js';
import { DEFAULT_MAX_PROBE_ERROR_RATE, DEFAULT_MAX_SERVICE_ERROR_RATE, DEFAULT_PLAN_NAME, resolvePlan } from '../../release/watchPlan.js';
import { palette, shouldColor } from '../../reporters/colors.js';
import type { Palette } from '../../reporters/colors.js';
import { redactDeep } from '../../reporters/format.js';
import { joinUrl } from '../../runner/http.js';
import { runPlan, selectChecks } from '../../runner/runPlan.js';
import { createRateLimiterRegistry } from '../../runner/tokenBucket.js';
import { parseFlags, urlFlag, usageError } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_USAGE, usageFailure } from '../command.js';
import { DEFAULT_REQUEST_LOG, prepareRun } from '../runSetup.js';

const FLAGS = {
  plan: { type: 'string', short: 'p' },
  env: { type: 'string', short: 'e' },
  config: { type: 'string', short: 'c' },
  'base-url': { type: 'string' },
  since: { type: 'string' },
  'time-scale': { type: 'string' },
  'metrics-url': { type: 'string' },
  json: { type: 'string' },
  'cloudwatch-endpoint': { type: 'string' },
  'request-log': { type: 'string' },
} as const;

const HELP = `Usage: probe-fleet watch [--plan NAME] [--env NAME] [options]

The post-deploy watch. Follows a plan's timeline from the deploy: probes run continuously
(no retries), memory and pool series and the service's own /metrics are scraped, and each
step is judged when it falls due and printed. The first unhealthy step ends the watch with
exit 1. The built-in plan:
  T+0    error rate baseline          no probe may fail (per check); the service's own 5xx
                                      share <= 1% (when it exports a request counter)
  T+2m   p95 latency within SLO       per check, p95 of the PASSING probes of the last
                                      2 minutes <= its degradedMs (else maxMs); the service's
                                      own p95 (histogram_quantile) <= the largest check SLO
  T+5m   memory trend stable          slope <= 1% of the median per minute
  T+10m  DB connection pool not growing  slope <= 0.5 connections per minute
  T+30m  no memory creep              slope <= 0.2% of the median per minute
Every step also judges its window: per check at most ${DEFAULT_MAX_PROBE_ERROR_RATE * 100}% failed probes, and at
most ${DEFAULT_MAX_SERVICE_ERROR_RATE * 100}% 5xx in the service's own request counter (maxProbeErrorRate, maxServiceErrorRate).
A slope is the repeated median of the later half of the step's window, so a warm-up that
has flattened passes and steady growth fails.

The service's own metrics (Prometheus text format at <baseUrl>/metrics or --metrics-url) are
used when the page has them: a request counter with a status label (${REQUEST_COUNTERS[0]}{code=~"5.."}
and others; labels ${STATUS_LABELS.slice(0, 3).join(', ')} ...), read as increase() over the window with
counter resets, and a latency histogram (${DURATION_HISTOGRAMS[0]!.metric}_bucket and others),
read with histogram_quantile. release.watch.serviceMetrics names others, or false to read none.
Plans and series are defined in the fleet's release.watch (see docs/release.md).

Options:
  -p, --plan NAME            plan to run (default: ${DEFAULT_PLAN_NAME})
  -e, --env NAME             environment to watch (needed when the fleet has several)
  -c, --config FILE          fleet definition (default: probes.config.ts)
      --base-url URL         watch this URL instead of the environment's baseUrl
      --since TIME           when the deploy started: an ISO-8601 time, or a duration ago
                             such as 4m (default: now); steps already due are judged on the
                             data collected from now on (CloudWatch series: their own history)
      --time-scale F         run the timeline F times faster (60: 30 minutes in 30 seconds)
      --metrics-url URL      Prometheus text-format endpoint for series without their own url
                             and for the service's own metrics (default: <baseUrl>/metrics)
      --json FILE            write every step's judgement as JSON
      --cloudwatch-endpoint URL  CloudWatch endpoint override (also AWS_ENDPOINT_URL_CLOUDWATCH)
      --request-log FILE     one JSON line per probe request; - for stderr
                             (default: ${DEFAULT_REQUEST_LOG})
  -h, --help                 show this help

Exit codes:
  0  every step was healthy: the deployment is healthy
  1  a step was unhealthy (roll back), or the watch was interrupted
  2  usage or configuration error; nothing ran
  3  a step could not be judged: its data never arrived or could not be read (e.g. /metrics
     unreachable, CloudWatch access denied)
`;

interface WatchFlags {
  plan: string;
  env?: string;
  config?: string;
  baseUrl?: string;
  since?: number;
  timeScale: number;
  metricsUrl?: string;
  json?: string;
  cloudwatchEndpoint?: string;
  requestLog?: string;
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'Post-deploy watch: a timeline of error rate, latency and memory/pool trends; exit 1 at the first unhealthy step',
  help: HELP,
  run: runWatchCommand,
};

async function runWatchCommand(args: string[], io: CliIO): Promise<number> {
  const flags = parseOptions(args, Date.now());
  if ('error' in flags) return usageFailure(io, 'watch', flags.error);
  const setup = await prepareRun(io, { config: flags.config, env: flags.env, baseUrl: flags.baseUrl, requestLog: flags.requestLog });
  if (!setup.ok) return setup.exitCode;
  const fail = (message: string): number => {
    io.stderr.write(setup.redactor.redact(`probe-fleet watch: ${message}\n`));
    return EXIT_USAGE;
  };
  let fetcher: MetricFetcher | null = null;
  try {
    const fleet = setup.fleet;
    if (setup.environments.length !== 1) {
      return fail(usageError('--env', `one environment of fleet ${fleet.name} to watch (${setup.environments.join(', ')})`, flags.env ?? ''));
    }
    const environment = setup.environments[0]!;
    const resolved = resolvePlan(fleet, flags.plan);
    if (!resolved.ok) return fail(resolved.errors.join('\n'));
    const plan = resolved.plan;
    const selected = selectChecks(fleet, { environments: [environment], ...(plan.tags ? { tags: plan.tags } : {}) }).filter((p) => plan.tags !== undefined || isCriticalPath(p.check));
    if (selected.length === 0) return fail(`no check of fleet ${fleet.name} matches ${plan.tags ? `tags ${plan.tags.join(', ')}` : 'the critical path (tag smoke or severity critical)'}: expected at least one probe to run during the watch, received none`);

    // The latency objective is degradedMs (slower than it still passes); maxMs fails the probe
    // outright, so a check with only maxMs is judged against that.
    const slo = new Map(selected.map((p) => {
      const settings = resolveSettings(fleet, p.check);
      return [p.check.id, settings.degradedMs ?? settings.maxMs];
    }));
    for (const step of plan.steps) {
      if (step.judge.kind === 'latency' && step.judge.maxMs === undefined && [...slo.values()].every((v) => v === null)) {
        return fail(`step '${step.name}' judges latency against an SLO: expected maxMs on the step, or degradedMs or maxMs on the watched checks or in fleet.defaults, received none`);
      }
    }

    const baseUrl = fleet.environments[environment]!.baseUrl;
    const defaultMetricsUrl = flags.metricsUrl ?? joinUrl(baseUrl, '/metrics').toString();
    const series: Record<string, SeriesReader> = {};
    for (const name of new Set(plan.steps.flatMap((s) => (s.judge.kind === 'trend' ? [s.judge.series] : [])))) {
      const source = plan.series[name]!;
      if ('prometheus' in source) series[name] = prometheusReader(name, source.prometheus, defaultMetricsUrl, setup.runId);
      else {
        fetcher ??= createCloudWatchFetcher(cloudWatchAccessFrom(io.env, fleet.homeRegion, flags.cloudwatchEndpoint));
        series[name] = cloudWatchReader(name, source.cloudwatch, fetcher);
      }
    }
    const serviceConfig = fleet.release?.watch?.serviceMetrics;
    const service = serviceConfig === false ? undefined : serviceMetricsReader(serviceConfig ?? {}, defaultMetricsUrl, setup.runId);
    // The service's own percentile mixes every route, so without a step maxMs it is held to the
    // most lenient SLO among the watched checks: it flags a regression, not a slow route.
    const sloValues = [...slo.values()].filter((v): v is number => v !== null);
    const serviceSloMs = sloValues.length > 0 ? Math.max(...sloValues) : null;

    const colors = palette(shouldColor(io.stdout, io.env));
    const deployStartedAt = flags.since ?? Date.now();
    io.stdout.write(setup.redactor.redact(header(fleet.name, environment, plan, flags.timeScale, deployStartedAt, setup.runId, selected.length, series, service)));
    const rateLimiters = createRateLimiterRegistry(fleet);
    const outcome = await runWatch({
      plan,
      timeScale: flags.timeScale,
      deployStartedAt,
      series,
      ...(service ? { service, serviceSloMs } : {}),
      signal: io.signal,
      sloFor: (checkId) => slo.get(checkId) ?? null,
      probe: (signal) =>
        runPlan(selected, {
          fleet,
          runId: setup.runId,
          location: 'local',
          secrets: setup.secrets,
          redactor: setup.redactor,
          requestLog: setup.requestLog,
          // The watch measures the error rate; a retry would hide the errors it is there to see.
          retriesOverride: { count: 0 },
          rateLimiters,
          signal,
        }),
      onStep: (judgement) => io.stdout.write(setup.redactor.redact(stepLine(judgement, colors))),
      onNote: (text) => io.stderr.write(setup.redactor.redact(`probe-fleet watch: ${text}\n`)),
    });

    const last = outcome.steps[outcome.steps.length - 1];
    let verdict: string;
    switch (outcome.verdict) {
      case 'healthy':
        verdict = colors.green(`healthy: all ${outcome.steps.length} steps of plan ${plan.name} passed`);
        break;
      case 'unhealthy':
        verdict = colors.red(`unhealthy at T+${formatOffset(last?.atMs ?? 0)} '${last?.step ?? ''}': roll back`);
        break;
      case 'no_data':
        verdict = colors.yellow(`could not judge T+${formatOffset(last?.atMs ?? 0)} '${last?.step ?? ''}': its data never arrived or could not be read`);
        break;
      case 'interrupted':
        verdict = colors.red('interrupted before the plan completed: the deployment is not known to be healthy');
        break;
    }
    io.stdout.write(`\nWatch: ${verdict} (exit ${outcome.exitCode}; ${outcome.probeRounds} probe rounds)\n`);
    if (service) io.stdout.write(setup.redactor.redact(`  service metrics read: ${service.describe()}\n`));
    if (flags.json !== undefined) {
      const path = resolve(io.cwd, flags.json);
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, `${JSON.stringify(redactDeep({ fleet: fleet.name, environment, runId: setup.runId, deployStartedAt: new Date(deployStartedAt).toISOString(), timeScale: flags.timeScale, ...outcome }, setup.redactor), null, 2)}\n`);
      } catch (error) {
        io.stderr.write(`probe-fleet watch: could not write --json ${flags.json}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    return outcome.exitCode;
  } finally {
    fetcher?.close();
    await setup.close();
  }
}

function header(fleet: string, environment: string, plan: ResolvedPlan, timeScale: number, since: number, runId: string, probes: number, series: Record<string, SeriesReader>, service: ServiceMetricsReader | undefined): string {
  const lines = [
    `Watching fleet ${fleet} [${environment}] with plan ${plan.name} (run ${runId})`,
    `  deploy at ${new Date(since).toISOString()}${timeScale === 1 ? '' : `, time x${timeScale}`}; ${probes} probe${probes === 1 ? '' : 's'} every ${formatOffset(plan.probeIntervalMs)}`,
    ...Object.values(series).map((s) => `  series ${s.name}: ${s.describe}${s.kind === 'instant' ? ` every ${formatOffset(plan.scrapeIntervalMs)}` : ''}`),
    `  every step: at most ${(plan.maxProbeErrorRate * 100).toFixed(1)}% failed probes per check${service ? `, at most ${(plan.maxServiceErrorRate * 100).toFixed(1)}% 5xx in the service's own counter` : ''}`,
    ...(service ? [`  service metrics: ${service.describe()} every ${formatOffset(plan.scrapeIntervalMs)}`] : []),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function stepLine(j: StepJudgement, colors: Palette): string {
  const mark = j.verdict === 'healthy' ? colors.green('✓') : j.verdict === 'unhealthy' ? colors.red('✗') : colors.yellow('?');
  const late = j.judgedAtMs - j.atMs > 1000 ? colors.dim(` (judged at T+${formatOffset(Math.round(j.judgedAtMs / 1000) * 1000)})`) : '';
  return `  ${mark} T+${formatOffset(j.atMs).padEnd(4)} ${j.step.padEnd(31)} ${j.detail}${late}\n`;
}

function parseOptions(args: string[], now: number): WatchFlags | { error: string } {
  const parsed = parseFlags(args, FLAGS);
  if (!parsed.ok) return { error: parsed.error };
  const v = parsed.values;
  if (parsed.positionals.length > 0) return { error: usageError('argument', 'options only (see --help)', parsed.positionals.join(' ')) };
  const flags: WatchFlags = { plan: v.plan ?? DEFAULT_PLAN_NAME, timeScale: 1 };
  if (v['time-scale'] !== undefined) {
    const scale = Number(v['time-scale']);
    if (v['time-scale'].trim() === '' || !Number.isFinite(scale) || scale <= 0 || scale > 100_000) {
      return { error: usageError('--time-scale', 'a factor above 0, such as 60 (30 minutes in 30 seconds)', v['time-scale']) };
    }
    flags.timeScale = scale;
  }
  if (v.since !== undefined) {
    const since = parseSince(v.since, now);
    if (since === null) return { error: usageError('--since', 'an ISO-8601 time in the past (2026-11-22T10:00:00Z) or a duration ago (4m)', v.since) };
    flags.since = since;
  }
  if (v['metrics-url'] !== undefined) {
    const parsedUrl = urlFlag('--metrics-url', v['metrics-url']);
    if ('error' in parsedUrl) return parsedUrl;
    flags.metricsUrl = parsedUrl.url;
  }
  if (v.env !== undefined) flags.env = v.env;
  if (v.config !== undefined) flags.config = v.config;
  if (v['base-url'] !== undefined) flags.baseUrl = v['base-url'];
  if (v.json !== undefined) flags.json = v.json;
  if (v['cloudwatch-endpoint'] !== undefined) flags.cloudwatchEndpoint = v['cloudwatch-endpoint'];
  if (v['request-log'] !== undefined) flags.requestLog = v['request-log'];
  return flags;
}

/** An ISO-8601 time, or a duration meaning "that long ago"; never in the future. */
export function parseSince(text: string, now: number): number | null {
  const ago = parseOffset(text);
  if (ago !== null) return now - ago;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at) || at > now + 1000) return null;
  return at;
}

