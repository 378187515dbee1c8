// The fleet definition: pure data that a user writes in `probes.config.ts`.
// Nothing here performs I/O; validation lives in lib/config, execution in lib/runner.

/** A reference to a secret. Locally it resolves from `PROBE_SECRET_<NAME>`, in AWS from Secrets Manager. */
export interface SecretRef {
  readonly $secret: string;
}

export type Severity = 'critical' | 'warning' | 'info';

/** Fixed periods, or an EventBridge cron expression such as `cron(0/5 * * * ? *)`. */
export type Schedule = '1m' | '2m' | '5m' | '10m' | '15m' | '30m' | '1h' | `cron(${string})`;

export interface RateLimit {
  /** Sustained requests per second to one target origin. */
  requestsPerSecond: number;
  /** Requests that may go at once before the rate applies. */
  burst: number;
}

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  count: number;
  /** Wait before the first retry; doubles on each further retry. */
  backoffMs: number;
  /** `network`: retry only failures whose kind is retry-safe; `any`: retry every failure. */
  onlyOn: 'network' | 'any';
}

export interface FleetDefaults {
  timeoutMs?: number;
  retries?: Partial<RetryPolicy>;
  schedule?: Schedule;
  rateLimit?: RateLimit;
  headers?: Record<string, string | SecretRef>;
  degradedMs?: number;
  maxMs?: number;
  /** Bodies are read up to this many bytes and no further (default 1 MiB). */
  maxBodyBytes?: number;
  /** Checks run at once in one run (default 8). */
  concurrency?: number;
  /**
   * The User-Agent of every synthetic request, for a WAF allow-list (default
   * `probe-fleet/<version> (+synthetic)`); ` probe-fleet/<version>` is appended when the
   * value does not name probe-fleet, so the service can still tell synthetic traffic apart.
   */
  userAgent?: string;
}

/**
 * Extra trusted CA certificates for internal services signed by a private CA: a PEM file,
 * the PEM text itself, or a secret holding it. A CA certificate is public; a file is read
 * into the Lambda bundle as `{ pem }` when the fleet is frozen.
 */
export type CaSource = { file: string } | { pem: string } | SecretRef;

export interface Environment {
  baseUrl: string;
  /** Only a sandbox may receive checks with `sideEffects: { kind: 'sandbox' }` or touch forbidden paths. */
  sandbox?: boolean;
  /** Values for `{{name}}` placeholders in URLs, headers, query and bodies. */
  variables?: Record<string, string | SecretRef>;
  rateLimit?: RateLimit;
  headers?: Record<string, string | SecretRef>;
  caCertificates?: CaSource[];
  /**
   * Whether this environment's critical alarms page (the pager topic) or post to chat.
   * Default: true only for an environment named `production` or `prod`; every other
   * environment posts to chat unless it sets `pages: true` (see docs/deploy.md, "Who is paged").
   */
  pages?: boolean;
}

/** Where a service reports its deployed version (used by `probe-fleet verify --expect-version`). */
export interface VersionSource {
  path: string;
  jsonPath: string;
}

export interface SlackChannel {
  /** AWS Chatbot Slack workspace id (team id). */
  workspaceId: string;
  channelId: string;
  name?: string;
}

export interface Webhook {
  kind: 'slack' | 'teams' | 'googleChat';
  url: SecretRef;
}

export interface AlertRoute {
  emails?: string[];
  /**
   * @deprecated Refused by validation: an integration URL resolved into an SNS subscription is
   * readable through the SNS API and not refreshed when the secret rotates. Use `integrationUrl`.
   */
  httpsEndpoints?: SecretRef[];
  /**
   * A PagerDuty or Opsgenie "Amazon CloudWatch" integration URL, as `secret('name')` holding the
   * https:// URL (it embeds the integration key). The notify function reads it from Secrets
   * Manager when it delivers and posts each notification of the route to it as SNS would.
   * At most one of `integrationUrl` and `pagerDutyRoutingKey` per route: both open an incident.
   */
  integrationUrl?: SecretRef;
  slackChannels?: SlackChannel[];
  /** Chat webhooks delivered by the notify function (formatted messages, not raw alarm JSON). */
  webhooks?: Webhook[];
  /** PagerDuty Events API v2 routing key, delivered by the notify function. */
  pagerDutyRoutingKey?: SecretRef;
}

export interface AlarmPolicyConfig {
  /** Regions that must fail in the same period (default 2 when a check runs in 2+ regions, else 1). */
  quorum?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  latencyStatistic?: 'p50' | 'p90' | 'p95' | 'p99' | 'Maximum' | 'Average';
  /** Window for the latency statistic (default: 15 minutes or 3 schedule periods, whichever is longer, so it holds several samples). */
  latencyPeriodMinutes?: number;
  certificateDays?: { chat: number; pager: number };
}

/**
 * Who runs the fleet itself: fleet-health notices (a probe shard gone silent, probe Lambda
 * errors or throttles, failed schedule deliveries, publish and secret-lookup failures, alerts
 * that could not be delivered) go here, never to a service's pager. Delivered through one
 * operator topic per region (CloudWatch alarms publish only to topics of their own region):
 * each email address confirms one subscription per region; Slack channels get every
 * region's topic through one AWS Chatbot configuration. Without it, the chat route's emails
 * and Slack channels receive these notices.
 */
export interface OperatorRoute {
  /** The team or person that owns the probes, named in every fleet-health alarm. */
  owner: string;
  emails?: string[];
  slackChannels?: SlackChannel[];
}

export interface Alerting {
  pager?: AlertRoute;
  chat?: AlertRoute;
  /** Fleet-health notices (the probes themselves); see OperatorRoute. */
  operator?: OperatorRoute;
  policy?: AlarmPolicyConfig;
}

export type SideEffects =
  /** Writes nothing the service keeps, e.g. a failed login. The reason is required. */
  | { kind: 'none'; reason: string }
  /** Really writes; allowed only against an environment marked `sandbox`. */
  | { kind: 'sandbox'; reason: string };

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RequestBody =
  | { json: unknown }
  | { text: string; contentType?: string }
  | { form: Record<string, string | SecretRef> };

export type Auth =
  | { bearer: SecretRef }
  | { basic: { username: string | SecretRef; password: SecretRef } };

export type Assertion =
  | { type: 'status'; equals?: number; in?: number[]; min?: number; max?: number }
  | { type: 'header'; name: string; equals?: string; matches?: string; exists?: boolean }
  | {
      type: 'json';
      /** `$.a.b[0].c` */
      path: string;
      equals?: unknown;
      contains?: unknown;
      exists?: boolean;
      isType?: 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
      gt?: number;
      gte?: number;
      lt?: number;
      lte?: number;
      length?: number | { min?: number; max?: number };
    }
  | { type: 'body'; contains?: string; matches?: string }
  | { type: 'responseTime'; lessThanMs: number }
  | { type: 'contentType'; equals: string };

export interface HttpRequestSpec {
  /** Default GET. Anything but GET/HEAD/OPTIONS needs `sideEffects`. */
  method?: HttpMethod;
  /** An absolute URL, or a path relative to the environment's `baseUrl`. May hold `{{name}}` placeholders. */
  url: string;
  headers?: Record<string, string | SecretRef>;
  query?: Record<string, string | number | boolean>;
  body?: RequestBody;
  auth?: Auth;
  /** Follow up to this many redirects (default 0: a redirect is the response). */
  followRedirects?: number;
  sideEffects?: SideEffects;
  assertions?: Assertion[];
}

export type Extractor =
  | { from: 'json'; path: string }
  | { from: 'header'; name: string }
  | { from: 'body'; regex: string; group?: number };

export interface FlowStep extends HttpRequestSpec {
  name: string;
  /** Values taken from this step's response, available to later steps as `{{name}}`. */
  extract?: Record<string, Extractor>;
}

export interface CheckCommon {
  /** Stable, lowercase, unique: `[a-z0-9][a-z0-9-]*`. Metric dimensions and alarm names derive from it. */
  id: string;
  name: string;
  service: string;
  owner: string;
  runbook: string;
  rollbackNote: string;
  /** One sentence: the expected result. */
  expect: string;
  severity: Severity;
  tags?: string[];
  schedule?: Schedule;
  regions?: string[];
  environments?: string[];
  retries?: number | Partial<RetryPolicy>;
  timeoutMs?: number;
  degradedMs?: number;
  maxMs?: number;
  /** Publish per-phase timing metrics too (each metric costs money every month). */
  detailedTimings?: boolean;
  caCertificates?: CaSource[];
  alarm?: AlarmPolicyConfig;
}

export interface HttpCheck extends CheckCommon, HttpRequestSpec {
  kind: 'http';
}

export interface FlowCheck extends CheckCommon {
  kind: 'flow';
  steps: FlowStep[];
}

export interface TlsCheck extends CheckCommon {
  kind: 'tls';
  /** Default: the environment's `baseUrl` host. */
  host?: string;
  /** Default 443 (or the `baseUrl` port). */
  port?: number;
  /** Default 14. */
  minDaysRemaining?: number;
  /** Default TLSv1.2. */
  minProtocol?: 'TLSv1.2' | 'TLSv1.3';
}

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX';

export interface DnsCheck extends CheckCommon {
  kind: 'dns';
  /** The name to resolve. */
  hostname: string;
  recordType: DnsRecordType;
  /** IP address of a resolver, with an optional port (`10.0.0.2`, `10.0.0.2:5353`, `[::1]:53`); default: the system's. */
  resolver?: string;
  /** Every listed value must be among the answers. */
  answersInclude?: string[];
  /** The name must not exist (NXDOMAIN). */
  expectNxdomain?: boolean;
}

export interface TcpCheck extends CheckCommon {
  kind: 'tcp';
  host?: string;
  port: number;
  /** Bytes to send after connecting (UTF-8). */
  send?: string;
  reply?: { contains?: string; matches?: string };
}

/**
 * A browser journey's script as plain data, so it travels with the fleet (through the config
 * worker and into the Lambda bundle) like every other field: the JavaScript source of
 * `async ({ page, values, expect, step }) => …`. Write it with `browserScript(fn)`, which takes
 * a typed TypeScript function and keeps its compiled source; the function must not close over
 * imports or variables of the config file, because only its own text is kept.
 */
export interface BrowserScriptSource {
  code: string;
}

export interface BrowserCheck extends CheckCommon {
  kind: 'browser';
  /** Where the page starts, relative to the environment's `baseUrl` or absolute (default `/`). */
  url?: string;
  script: BrowserScriptSource;
  /**
   * Secrets the script may read with `values.secret(name)`: declared here so the probe's role
   * is granted exactly these, and an undeclared name is refused before anything is typed.
   */
  secrets?: string[];
  /**
   * Without it, every request the page makes other than GET, HEAD or OPTIONS is aborted in the
   * browser before it is sent (a form post, a fetch POST); with `none` or `sandbox` as for http.
   */
  sideEffects?: SideEffects;
  /** Default 1280 x 720. */
  viewport?: { width: number; height: number };
  /** Also keep a Playwright trace of a failed run (larger than a screenshot; default false). */
  trace?: boolean;
}

export type Check = HttpCheck | FlowCheck | TlsCheck | DnsCheck | TcpCheck | BrowserCheck;
export type CheckKind = Check['kind'];

export interface Fleet {
  name: string;
  homeRegion: string;
  regions: string[];
  /** Namespace of the CloudWatch metrics (default `ProbeFleet`). */
  namespace?: string;
  defaults?: FleetDefaults;
  environments: Record<string, Environment>;
  /** Path prefixes or regular expressions (`/^\/pay/`) that only a sandbox may receive. */
  forbiddenPaths?: string[];
  /** Per service: where it reports its deployed version. */
  versions?: Record<string, VersionSource>;
  alerting?: Alerting;
  checks: Check[];
  /** Release verification plans and sources (see lib/release). Left open so later features extend it. */
  release?: ReleaseConfig;
  /** Planned maintenance: checks keep running and publishing, notifications about them are held (lib/config/maintenance.ts). */
  maintenance?: MaintenanceWindow[];
}

/**
 * A maintenance window over the checks it names (every list given must match): one-off with
 * `start` and `end` (ISO 8601 with offset), or recurring with `cron` (EventBridge syntax, read
 * as wall-clock time in `timeZone`, default UTC) and `durationMinutes`.
 */
export interface MaintenanceWindow {
  name: string;
  reason?: string;
  services?: string[];
  environments?: string[];
  checks?: string[];
  start?: string;
  end?: string;
  cron?: string;
  timeZone?: string;
  durationMinutes?: number;
}

/** One query of a CloudWatch `GetMetricData` call: a metric with a statistic, or a metric-math expression. */
export type MetricDataQuerySpec =
  | {
      /** Lowercase id, referenced by expressions (`[a-z][a-zA-Z0-9_]*`). */
      id: string;
      metric: { namespace: string; metricName: string; dimensions?: Record<string, string> };
      /** `Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount` or a percentile such as `p95`. */
      stat: string;
      /** Seconds; default: the source's `periodSeconds`. */
      periodSeconds?: number;
      unit?: string;
      label?: string;
      /** Whether this query's values are the ones judged (default: only the last query is returned). */
      returnData?: boolean;
    }
  | { id: string; expression: string; label?: string; returnData?: boolean; periodSeconds?: number };

/** A CloudWatch `GetMetricData` measurement, as in Argo Rollouts' CloudWatch provider. */
export interface CloudWatchMetricSource {
  /** Shown in reports, e.g. `canary-5xx-rate`. */
  name: string;
  /** Default: the fleet's `homeRegion`. */
  region?: string;
  /** The query whose values are judged is the one with `returnData: true`, else the last one. */
  queries: MetricDataQuerySpec[];
  /** Default 60. */
  periodSeconds?: number;
  /** How far back the query looks, e.g. `5m` (default: the canary interval, or the watch step's window). */
  lookback?: string;
  /** How the returned datapoints become one value (default `last`: the newest datapoint). */
  reduce?: 'last' | 'max' | 'min' | 'avg' | 'sum';
  /** Condition on the value, e.g. `<=0.01` (required for canary metrics). */
  successCondition?: string;
}

/** Where the watch reads a series such as memory or the DB pool. */
export type SeriesSource =
  | {
      prometheus: {
        /** Series name in the text exposition format, e.g. `process_resident_memory_bytes`. */
        metric: string;
        /** Only samples whose labels all match. */
        labels?: Record<string, string>;
        /** How several matching samples become one value (default `sum`). */
        aggregate?: 'sum' | 'max' | 'min' | 'avg';
        /** Default: `--metrics-url`, else `<environment baseUrl>/metrics`. */
        url?: string;
      };
    }
  | { cloudwatch: CloudWatchMetricSource };

/** What one watch step judges. */
export type WatchJudgement =
  /**
   * Per check, the share of failed probe results in the window, at most `max` (0 means none may
   * fail); and the service's own 5xx share, when it exports a request counter, at most the plan's
   * `maxServiceErrorRate`.
   */
  | { kind: 'errorRate'; max: number }
  /**
   * Per check, the percentile of the durations of passing probes in the window within the SLO
   * (`maxMs`, else each check's `degradedMs` or `maxMs`); and, when the service exports a latency
   * histogram, its own percentile (histogram_quantile) within `maxMs`, else the largest check SLO.
   */
  | { kind: 'latency'; percentile?: number; maxMs?: number }
  /**
   * Robust slope of a series per minute: the repeated median (Siegel) of the later half of the
   * window, so a warm-up that has flattened is not a trend. Healthy when the slope is at most
   * `maxSlopePerMinute` (in the series' unit) and/or `maxRelativeSlopePerMinute` (a fraction of
   * the later half's median).
   */
  | { kind: 'trend'; series: string; maxSlopePerMinute?: number; maxRelativeSlopePerMinute?: number };

export interface WatchStep {
  name: string;
  /** Offset from the deploy, e.g. `0s`, `2m`, `30m`. */
  at: string;
  /** The data judged: from `at - window` to `at` (default: since the previous step, or everything so far). */
  window?: string;
  judge: WatchJudgement;
}

export interface WatchPlan {
  steps: WatchStep[];
  /** How often probes run during the watch (default `15s`). */
  probeInterval?: string;
  /** How often series are sampled (default `15s`). */
  scrapeInterval?: string;
  /** Probe selection; default: the checks tagged `smoke` or with severity `critical`. */
  tags?: string[];
  /**
   * Judged at every step over the step's window, besides the step's own judgement: the share of
   * failed probes of each check (default 0.05) and the service's own 5xx share from its request
   * counter, when it exports one (default 0.01).
   */
  maxProbeErrorRate?: number;
  maxServiceErrorRate?: number;
}

/** What the watch reads from the service's own Prometheus `/metrics` (see docs/release.md). */
export interface ServiceMetrics {
  /** Default: `--metrics-url`, else `<environment baseUrl>/metrics`. */
  url?: string;
  /** A request counter with a status-code label; default: detected (`http_requests_total{code}` …). `false`: not read. */
  requests?: { metric: string; statusLabel?: string; labels?: Record<string, string> } | false;
  /** A latency histogram (family name, without `_bucket`); default: detected (`http_request_duration_seconds` …). `false`: not read. */
  duration?: { metric: string; unit?: 'seconds' | 'milliseconds'; labels?: Record<string, string> } | false;
}

/** Configuration for verify, canary and watch (see lib/release and docs/release.md). Everything is optional. */
export interface ReleaseConfig {
  canary?: {
    /** Extra measurements taken every canary interval, e.g. the canary target group's 5xx rate. */
    cloudwatch?: CloudWatchMetricSource[];
  };
  watch?: {
    /** Named plans; `default` replaces the built-in plan. */
    plans?: Record<string, WatchPlan>;
    /** Series that trend steps name, e.g. `memory` and `dbPool`. */
    series?: Record<string, SeriesSource>;
    /** The service's own request counter and latency histogram; `false` reads neither. */
    serviceMetrics?: ServiceMetrics | false;
  };
}
