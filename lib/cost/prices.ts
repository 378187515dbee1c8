// The one table of prices `probe-fleet cost` uses. Everything else in lib/cost multiplies
// quantities by these figures; change a price here and nowhere else.
//
// US East (N. Virginia) list prices, on-demand, in USD. Other regions differ by up to ~25%;
// the estimate prices every region at these figures and says so.

/** When the figures below were read from the public price pages. */
export const PRICES_READ_ON = '2026-11-22';
export const PRICE_REGION = 'us-east-1';

/** A billing month is 730 hours (AWS's own convention: 8,760 hours ÷ 12). */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

export interface Price {
  /** USD per `per` units. */
  usd: number;
  /** How many units `usd` buys (1 for "per metric-month", 1,000,000 for "per million requests"). */
  per: number;
  /** What `per` counts, as in "$0.10 per alarm metric-month". */
  unit: string;
  /** The plural noun for a quantity of it, as in "300 alarm metrics". */
  counts: string;
  source: string;
  /** False when the figure could not be confirmed against a stored copy of the price page on PRICES_READ_ON. */
  confirmed: boolean;
  note?: string;
}

export interface Tier {
  /** Units in this tier; `Infinity` for the last one. */
  upTo: number;
  usd: number;
}

export interface TieredPrice {
  tiers: readonly Tier[];
  unit: string;
  counts: string;
  source: string;
  confirmed: boolean;
  note?: string;
}

const LAMBDA = 'aws.amazon.com/lambda/pricing (Arm, us-east-1)';
const CLOUDWATCH = 'aws.amazon.com/cloudwatch/pricing (paid tier, us-east-1)';

export const PRICES = {
  lambdaRequests: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'requests',
    counts: 'requests',
    source: LAMBDA,
    confirmed: true,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-second',
    counts: 'GB-s',
    source: LAMBDA,
    confirmed: true,
    note: 'first pricing tier (up to 7.5 billion GB-s a month); a probe fleet never reaches the next',
  },
  eventBridgeScheduledRule: {
    usd: 0,
    per: 1,
    unit: 'rule',
    counts: 'rules',
    source: 'aws.amazon.com/eventbridge/pricing (scheduled rules on the default bus are not charged)',
    confirmed: false,
  },
  putMetricDataRequests: {
    usd: 0.01,
    per: 1000,
    unit: 'requests',
    counts: 'requests',
    source: `${CLOUDWATCH}: API requests`,
    confirmed: false,
  },
  alarmMetric: {
    usd: 0.1,
    per: 1,
    unit: 'alarm metric-month',
    counts: 'alarm metrics',
    source: `${CLOUDWATCH}: standard-resolution alarm`,
    confirmed: true,
    note: 'a metric-math alarm is charged per metric it references',
  },
  compositeAlarm: {
    usd: 0.5,
    per: 1,
    unit: 'alarm-month',
    counts: 'alarms',
    source: `${CLOUDWATCH}: composite alarm`,
    confirmed: true,
  },
  dashboard: {
    usd: 3,
    per: 1,
    unit: 'dashboard-month',
    counts: 'dashboards',
    source: `${CLOUDWATCH}: dashboards`,
    confirmed: true,
  },
  logIngestion: {
    usd: 0.5,
    per: 1,
    unit: 'GB ingested',
    counts: 'GB',
    source: `${CLOUDWATCH}: Logs, standard collection`,
    confirmed: true,
  },
  logStorage: {
    usd: 0.03,
    per: 1,
    unit: 'GB-month stored',
    counts: 'GB-months',
    source: `${CLOUDWATCH}: Logs, archive storage (charged on compressed size)`,
    confirmed: false,
  },
  kmsKey: {
    usd: 1,
    per: 1,
    unit: 'key-month',
    counts: 'keys',
    source: 'aws.amazon.com/kms/pricing (customer managed key)',
    confirmed: false,
    note: 'each yearly rotation adds $1 a month for the first two rotations; requests are negligible (one per notification)',
  },
  snsPublish: {
    usd: 0,
    per: 1,
    unit: 'notification',
    counts: 'notifications',
    source: 'aws.amazon.com/sns/pricing',
    confirmed: false,
    note: 'negligible: alarms publish only on state changes; the first million publishes a month are free',
  },
  secret: {
    usd: 0.4,
    per: 1,
    unit: 'secret-month',
    counts: 'secrets',
    source: 'aws.amazon.com/secrets-manager/pricing',
    confirmed: true,
  },
  secretApiCalls: {
    usd: 0.05,
    per: 10_000,
    unit: 'API calls',
    counts: 'calls',
    source: 'aws.amazon.com/secrets-manager/pricing',
    confirmed: true,
  },
  syntheticsCanaryRun: {
    usd: 0.0012,
    per: 1,
    unit: 'canary run',
    counts: 'runs',
    source: `${CLOUDWATCH}: Synthetics canaries`,
    confirmed: true,
    note: 'the run charge only; the Lambda, S3, logs and alarms a canary uses are billed separately',
  },
} as const satisfies Record<string, Price>;

export const CUSTOM_METRICS: TieredPrice = {
  tiers: [
    { upTo: 10_000, usd: 0.3 },
    { upTo: 250_000, usd: 0.1 },
    { upTo: 1_000_000, usd: 0.05 },
    { upTo: Infinity, usd: 0.02 },
  ],
  unit: 'metric-month',
  counts: 'metrics',
  source: `${CLOUDWATCH}: custom metrics`,
  // The first two tiers were confirmed; the 0.05 and 0.02 tiers were not in the stored copy read.
  confirmed: false,
  note: 'a metric is one name + namespace + dimension set; all probe metrics land in the home region',
};

/**
 * Monthly free tiers, applied only with `--free-tier` (an account's free tier is shared with
 * everything else it runs, so it is not ours to spend by default).
 */
export const FREE_TIER = {
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  customMetrics: 10,
  cloudWatchApiRequests: 1_000_000,
  /** Only for standard alarms that list a metric directly — not metric-math alarms. */
  alarmMetrics: 10,
  /** Dashboards of up to 50 metrics each. */
  dashboards: 3,
  dashboardMaxMetrics: 50,
  /** Shared by ingestion and archive storage. */
  logGb: 5,
  syntheticsCanaryRuns: 100,
} as const;

/** USD for `quantity` units of a flat price. */
export function priceOf(price: Price, quantity: number): number {
  return (quantity / price.per) * price.usd;
}

/** USD for `quantity` units of a tiered price, each unit at the rate of the tier it falls in. */
export function tieredCost(price: TieredPrice, quantity: number): number {
  let remaining = quantity;
  let floor = 0;
  let usd = 0;
  for (const tier of price.tiers) {
    if (remaining <= 0) break;
    const inTier = Math.min(remaining, tier.upTo - floor);
    usd += inTier * tier.usd;
    remaining -= inTier;
    floor = tier.upTo;
  }
  return usd;
}
