// `probe-fleet cost`: what the configured fleet costs per month in AWS, beside the same checks
// run as CloudWatch Synthetics canaries. Reads the fleet definition; calls no AWS API.
import { formatDiagnostics, isConfigError } from '../../config/errors.js';
import { loadFleet, resolveConfigPath } from '../../config/loadFleet.js';
import { estimateFleetCost } from '../../cost/estimate.js';
import { DEFAULT_ASSUMPTIONS } from '../../cost/fleetUsage.js';
import { formatCostTable } from '../../cost/formatCost.js';
import { PRICES_READ_ON, PRICE_REGION } from '../../cost/prices.js';
import type { Fleet } from '../../model/fleet.js';
import { parseFlags, usageError } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_OK, EXIT_USAGE, usageFailure } from '../command.js';

const FLAGS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  'free-tier': { type: 'boolean' },
  'memory-mb': { type: 'string' },
  'avg-check-ms': { type: 'string' },
  'max-checks-per-shard': { type: 'string' },
  'log-retention-days': { type: 'string' },
} as const;

const HELP = `Usage: probe-fleet cost [--config FILE] [--json] [--free-tier] [--memory-mb N] [--avg-check-ms N]

What the configured fleet costs per month once deployed with \`cdk deploy\`, line by line:
Lambda requests and GB-seconds, EventBridge schedules, custom metrics, PutMetricData
requests, alarms (metric-math, standard, composite), the dashboard, CloudWatch Logs
ingestion and storage, Secrets Manager and SNS. Then the total, the cost per check
(total ÷ check×environment targets) with the breakdown of one typical check, the same
checks run as CloudWatch Synthetics canaries ($0.0012 per run) for comparison, and the
synthetic traffic each environment receives beside its rate limit.

Prices are ${PRICE_REGION} list prices read on ${PRICES_READ_ON}, kept in one table in the
code; a month is 730 hours. Nothing is sent to AWS.

Options:
  -c, --config FILE            Fleet definition (default: probes.config.ts in the current directory)
      --json                   Print the estimate as JSON (every line, count and assumption)
      --free-tier              Apply the monthly free tiers of Lambda, CloudWatch and Synthetics
                               (off by default: an account's free tier is shared with everything else)
      --memory-mb N            Memory of every probe function in MB, 128-10240 (default: per shard, as the
                               CDK app sizes it: 256 MB + 16 MB per check, in 64 MB steps, at most 1769)
      --avg-check-ms N         Average duration of one check in ms, network included (default ${DEFAULT_ASSUMPTIONS.avgCheckMs})
      --max-checks-per-shard N Checks per Lambda invocation, as given to the CDK app (default: the planner's)
      --log-retention-days N   Retention of the probe log groups in days (default ${DEFAULT_ASSUMPTIONS.logRetentionDays})
  -h, --help                   Show this help

Exit codes: 0 estimate printed; 2 usage or fleet definition error (all problems listed).

Examples:
  probe-fleet cost
  probe-fleet cost --config probes.config.ts --memory-mb 512 --avg-check-ms 800
  probe-fleet cost --json | jq .totalUsd
`;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function positiveInteger(flag: string, text: string | undefined, min: number, max: number): Parsed<number | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    return { ok: false, error: usageError(flag, `a whole number from ${min} to ${max}`, text) };
  }
  return { ok: true, value };
}

function describeLoadError(error: unknown, flag: string | undefined): string {
  if (isConfigError(error)) {
    const file = error.file === undefined ? '' : `${error.file}\n`;
    return `${file}${formatDiagnostics(error.diagnostics)}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `probe-fleet cost: could not load the fleet definition${flag ? ` ${flag}` : ''}: ${message}`;
}

export const costCommand: Command = {
  name: 'cost',
  summary: 'Monthly AWS cost of the fleet, per check, beside CloudWatch Synthetics',
  help: HELP,
  async run(args, io) {
    const parsed = parseFlags(args, FLAGS);
    if (!parsed.ok) return usageFailure(io, 'cost', parsed.error);
    if (parsed.positionals.length > 0) {
      return usageFailure(io, 'cost', usageError('arguments', 'none (use --config FILE)', parsed.positionals.join(' ')));
    }
    const flags = parsed.values;
    const numbers = {
      memoryMb: positiveInteger('--memory-mb', flags['memory-mb'], 128, 10_240),
      avgCheckMs: positiveInteger('--avg-check-ms', flags['avg-check-ms'], 1, 900_000),
      maxChecksPerShard: positiveInteger('--max-checks-per-shard', flags['max-checks-per-shard'], 1, 10_000),
      logRetentionDays: positiveInteger('--log-retention-days', flags['log-retention-days'], 1, 3653),
    };
    const errors = Object.values(numbers).flatMap((n) => (n.ok ? [] : [n.error]));
    if (errors.length > 0) {
      return usageFailure(io, 'cost', errors.join('; '));
    }
    const assumptions: Record<string, number> = {};
    for (const [key, n] of Object.entries(numbers)) if (n.ok && n.value !== undefined) assumptions[key] = n.value;

    let fleet: Fleet;
    try {
      fleet = await loadFleet(resolveConfigPath(io.cwd, flags.config));
    } catch (error) {
      io.stderr.write(`${describeLoadError(error, flags.config)}\n`);
      return EXIT_USAGE;
    }

    const estimate = estimateFleetCost(fleet, { freeTier: flags['free-tier'] === true, assumptions });
    io.stdout.write(flags.json ? `${JSON.stringify(estimate, null, 2)}\n` : formatCostTable(estimate));
    return EXIT_OK;
  },
};
