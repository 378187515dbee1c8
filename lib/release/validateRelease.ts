// Validation of `fleet.release` (canary CloudWatch sources, watch plans and series), called by
// the fleet validator so a broken plan is a config error before anything runs, with every
// problem at once and the exact path of each.
import type { Diagnostic } from '../config/errors.js';
import { parseCondition } from './condition.js';
import { parseOffset } from './duration.js';
import { DEFAULT_SERIES } from './watchPlan.js';

type Report = (path: string, expected: string, value: unknown, problem?: string) => void;

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const STATISTIC = /^(SampleCount|Average|Sum|Minimum|Maximum|(p|tm|wm|tc|ts|pr)\d{1,2}(\.\d+)?|IQM)$/;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} ${value.length === 1 ? 'item' : 'items'}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function key(path: string, name: string | number): string {
  if (typeof name === 'number') return `${path}[${name}]`;
  return /^[A-Za-z0-9_$-]+$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

export function validateReleaseConfig(value: unknown, path: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (where, expected, received, problem) => {
    const base = `expected ${expected}, received ${describe(received)}`;
    diagnostics.push({ path: where, expected, received: describe(received), message: problem === undefined ? base : `${problem}: ${base}` });
  };
  if (value === undefined) return diagnostics;
  const release = object(report, path, value, ['canary', 'watch'], 'an object with canary and/or watch');
  if (!release) return diagnostics;

  if (release.canary !== undefined) {
    const canary = object(report, key(path, 'canary'), release.canary, ['cloudwatch'], 'an object with cloudwatch');
    if (canary?.cloudwatch !== undefined) {
      const where = key(key(path, 'canary'), 'cloudwatch');
      if (!Array.isArray(canary.cloudwatch)) report(where, 'an array of CloudWatch sources', canary.cloudwatch);
      else {
        const names = new Set<string>();
        canary.cloudwatch.forEach((source, i) => {
          const name = validateCloudWatchSource(report, key(where, i), source, true);
          if (name !== null && names.has(name)) report(key(key(where, i), 'name'), 'a name unique among the canary sources', name);
          if (name !== null) names.add(name);
        });
      }
    }
  }

  if (release.watch !== undefined) {
    const wherewatch = key(path, 'watch');
    const watch = object(report, wherewatch, release.watch, ['plans', 'series', 'serviceMetrics'], 'an object with plans, series and/or serviceMetrics');
    if (watch) {
      if (watch.serviceMetrics !== undefined) validateServiceMetrics(report, key(wherewatch, 'serviceMetrics'), watch.serviceMetrics);
      const seriesNames = new Set(Object.keys(DEFAULT_SERIES));
      if (watch.series !== undefined) {
        const where = key(wherewatch, 'series');
        if (!isRecord(watch.series)) report(where, 'an object of named series sources', watch.series);
        else {
          for (const [name, source] of Object.entries(watch.series)) {
            seriesNames.add(name);
            validateSeriesSource(report, key(where, name), source);
          }
        }
      }
      if (watch.plans !== undefined) {
        const where = key(wherewatch, 'plans');
        if (!isRecord(watch.plans)) report(where, 'an object of named watch plans', watch.plans);
        else for (const [name, plan] of Object.entries(watch.plans)) validatePlan(report, key(where, name), plan, seriesNames);
      }
    }
  }
  return diagnostics;
}

function object(report: Report, path: string, value: unknown, keys: readonly string[], expected: string): Record<string, unknown> | null {
  if (!isRecord(value)) {
    report(path, expected, value);
    return null;
  }
  for (const name of Object.keys(value)) {
    if (!keys.includes(name)) report(key(path, name), `one of the keys ${keys.join(', ')}`, name, 'unknown key');
  }
  return value;
}

function requireString(report: Report, path: string, value: unknown, pattern?: RegExp, expected = 'a non-empty string'): value is string {
  if (typeof value !== 'string' || value.trim() === '' || (pattern !== undefined && !pattern.test(value))) {
    report(path, expected, value);
    return false;
  }
  return true;
}

function duration(report: Report, path: string, value: unknown, positive: boolean): void {
  const ms = typeof value === 'string' ? parseOffset(value) : null;
  if (ms === null || (positive && ms === 0)) report(path, `a ${positive ? 'positive ' : ''}duration such as ${positive ? '' : '0s, '}30s, 2m or 1h`, value);
}

function number(report: Report, path: string, value: unknown, ok: (n: number) => boolean, expected: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) report(path, expected, value);
}

function period(report: Report, path: string, value: unknown): void {
  number(report, path, value, (n) => Number.isInteger(n) && ([1, 5, 10, 30].includes(n) || (n >= 60 && n % 60 === 0)), 'a CloudWatch period in seconds: 1, 5, 10, 30 or a multiple of 60');
}

function validateCloudWatchSource(report: Report, path: string, value: unknown, needsCondition: boolean): string | null {
  const source = object(report, path, value, ['name', 'region', 'queries', 'periodSeconds', 'lookback', 'reduce', 'successCondition'], 'a CloudWatch source { name, queries, … }');
  if (!source) return null;
  const named = requireString(report, key(path, 'name'), source.name);
  if (source.region !== undefined) requireString(report, key(path, 'region'), source.region, /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like eu-west-1');
  if (source.periodSeconds !== undefined) period(report, key(path, 'periodSeconds'), source.periodSeconds);
  if (source.lookback !== undefined) duration(report, key(path, 'lookback'), source.lookback, true);
  if (source.reduce !== undefined && !['last', 'max', 'min', 'avg', 'sum'].includes(source.reduce as string)) report(key(path, 'reduce'), 'one of last, max, min, avg, sum', source.reduce);
  if (source.successCondition !== undefined || needsCondition) {
    const text = source.successCondition;
    const parsed = typeof text === 'string' ? parseCondition(text) : null;
    if (!parsed?.ok) report(key(path, 'successCondition'), "a comparison such as '<=0.01' or '>=0.99'", text);
  }
  const where = key(path, 'queries');
  if (!Array.isArray(source.queries) || source.queries.length === 0) {
    report(where, 'a non-empty array of GetMetricData queries', source.queries);
  } else {
    const ids = new Set<string>();
    source.queries.forEach((raw, i) => {
      const qPath = key(where, i);
      if (!isRecord(raw)) {
        report(qPath, 'a query { id, metric, stat } or { id, expression }', raw);
        return;
      }
      const isExpression = 'expression' in raw;
      const query = object(report, qPath, raw, isExpression ? ['id', 'expression', 'label', 'returnData', 'periodSeconds'] : ['id', 'metric', 'stat', 'periodSeconds', 'unit', 'label', 'returnData'], 'a query');
      if (!query) return;
      if (requireString(report, key(qPath, 'id'), query.id, QUERY_ID, 'an id starting with a lowercase letter ([a-z][a-zA-Z0-9_]*)')) {
        if (ids.has(query.id)) report(key(qPath, 'id'), 'an id unique within the source', query.id);
        ids.add(query.id);
      }
      if (query.periodSeconds !== undefined) period(report, key(qPath, 'periodSeconds'), query.periodSeconds);
      if (query.returnData !== undefined && typeof query.returnData !== 'boolean') report(key(qPath, 'returnData'), 'true or false', query.returnData);
      if (isExpression) {
        requireString(report, key(qPath, 'expression'), query.expression);
        return;
      }
      if (typeof query.stat !== 'string' || !STATISTIC.test(query.stat)) report(key(qPath, 'stat'), 'a statistic: Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p95', query.stat);
      const metric = object(report, key(qPath, 'metric'), query.metric, ['namespace', 'metricName', 'dimensions'], 'a metric { namespace, metricName, dimensions? }');
      if (metric) {
        requireString(report, key(key(qPath, 'metric'), 'namespace'), metric.namespace);
        requireString(report, key(key(qPath, 'metric'), 'metricName'), metric.metricName);
        if (metric.dimensions !== undefined) {
          const dPath = key(key(qPath, 'metric'), 'dimensions');
          if (!isRecord(metric.dimensions)) report(dPath, 'an object of dimension names to values', metric.dimensions);
          else for (const [name, v] of Object.entries(metric.dimensions)) if (typeof v !== 'string') report(key(dPath, name), 'a string value', v);
        }
      }
    });
  }
  return named ? (source.name as string) : null;
}

function validateSeriesSource(report: Report, path: string, value: unknown): void {
  if (!isRecord(value) || Object.keys(value).length !== 1 || !('prometheus' in value || 'cloudwatch' in value)) {
    report(path, 'exactly one of { prometheus: { metric, … } } or { cloudwatch: { name, queries, … } }', value);
    return;
  }
  if ('cloudwatch' in value) {
    validateCloudWatchSource(report, key(path, 'cloudwatch'), value.cloudwatch, false);
    return;
  }
  const where = key(path, 'prometheus');
  const prom = object(report, where, value.prometheus, ['metric', 'labels', 'aggregate', 'url'], 'a Prometheus series { metric, labels?, aggregate?, url? }');
  if (!prom) return;
  requireString(report, key(where, 'metric'), prom.metric, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name such as process_resident_memory_bytes');
  if (prom.labels !== undefined) {
    if (!isRecord(prom.labels)) report(key(where, 'labels'), 'an object of label names to values', prom.labels);
    else for (const [name, v] of Object.entries(prom.labels)) if (typeof v !== 'string') report(key(key(where, 'labels'), name), 'a string value', v);
  }
  if (prom.aggregate !== undefined && !['sum', 'max', 'min', 'avg'].includes(prom.aggregate as string)) report(key(where, 'aggregate'), 'one of sum, max, min, avg', prom.aggregate);
  if (prom.url !== undefined) requireString(report, key(where, 'url'), prom.url, /^https?:\/\/[^\s]+$/, 'an absolute http:// or https:// URL');
}

/** `release.watch.serviceMetrics`: false, or which request counter and latency histogram to read. */
function validateServiceMetrics(report: Report, path: string, value: unknown): void {
  if (value === false) return;
  const config = object(report, path, value, ['url', 'requests', 'duration'], 'false, or { url?, requests?, duration? }');
  if (!config) return;
  if (config.url !== undefined) requireString(report, key(path, 'url'), config.url, /^https?:\/\/[^\s]+$/, 'an absolute http:// or https:// URL');
  const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  const labels = (where: string, v: unknown): void => {
    if (v === undefined) return;
    if (!isRecord(v)) report(where, 'an object of label names to values', v);
    else for (const [name, l] of Object.entries(v)) if (typeof l !== 'string') report(key(where, name), 'a string value', l);
  };
  if (config.requests !== undefined && config.requests !== false) {
    const where = key(path, 'requests');
    const requests = object(report, where, config.requests, ['metric', 'statusLabel', 'labels'], 'false, or a request counter { metric, statusLabel?, labels? }');
    if (requests) {
      requireString(report, key(where, 'metric'), requests.metric, metricName, 'a Prometheus counter name such as http_requests_total');
      if (requests.statusLabel !== undefined) requireString(report, key(where, 'statusLabel'), requests.statusLabel, /^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name such as code');
      labels(key(where, 'labels'), requests.labels);
    }
  }
  if (config.duration !== undefined && config.duration !== false) {
    const where = key(path, 'duration');
    const duration = object(report, where, config.duration, ['metric', 'unit', 'labels'], 'false, or a latency histogram { metric, unit?, labels? }');
    if (duration) {
      requireString(report, key(where, 'metric'), duration.metric, metricName, 'a Prometheus histogram name (without _bucket) such as http_request_duration_seconds');
      if (typeof duration.metric === 'string' && /_bucket$/.test(duration.metric)) report(key(where, 'metric'), 'the histogram family name without _bucket', duration.metric);
      if (duration.unit !== undefined && !['seconds', 'milliseconds'].includes(duration.unit as string)) report(key(where, 'unit'), 'seconds or milliseconds', duration.unit);
      labels(key(where, 'labels'), duration.labels);
    }
  }
}

function validatePlan(report: Report, path: string, value: unknown, seriesNames: ReadonlySet<string>): void {
  const plan = object(report, path, value, ['steps', 'probeInterval', 'scrapeInterval', 'tags', 'maxProbeErrorRate', 'maxServiceErrorRate'], 'a watch plan { steps, probeInterval?, scrapeInterval?, tags?, maxProbeErrorRate?, maxServiceErrorRate? }');
  if (!plan) return;
  for (const name of ['maxProbeErrorRate', 'maxServiceErrorRate'] as const) {
    if (plan[name] !== undefined) number(report, key(path, name), plan[name], (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1');
  }
  if (plan.probeInterval !== undefined) duration(report, key(path, 'probeInterval'), plan.probeInterval, true);
  if (plan.scrapeInterval !== undefined) duration(report, key(path, 'scrapeInterval'), plan.scrapeInterval, true);
  if (plan.tags !== undefined && (!Array.isArray(plan.tags) || plan.tags.length === 0 || plan.tags.some((t) => typeof t !== 'string'))) report(key(path, 'tags'), 'a non-empty array of tag names', plan.tags);
  const where = key(path, 'steps');
  if (!Array.isArray(plan.steps) || plan.steps.length === 0) {
    report(where, 'a non-empty array of steps', plan.steps);
    return;
  }
  let previous = -1;
  plan.steps.forEach((raw, i) => {
    const sPath = key(where, i);
    const step = object(report, sPath, raw, ['name', 'at', 'window', 'judge'], 'a step { name, at, window?, judge }');
    if (!step) return;
    requireString(report, key(sPath, 'name'), step.name);
    duration(report, key(sPath, 'at'), step.at, false);
    const at = typeof step.at === 'string' ? parseOffset(step.at) : null;
    if (at !== null) {
      if (at < previous) report(key(sPath, 'at'), `a time at or after the previous step's`, step.at, 'steps must be in time order');
      previous = at;
    }
    if (step.window !== undefined) duration(report, key(sPath, 'window'), step.window, true);
    validateJudge(report, key(sPath, 'judge'), step.judge, seriesNames);
  });
}

function validateJudge(report: Report, path: string, value: unknown, seriesNames: ReadonlySet<string>): void {
  if (!isRecord(value) || !['errorRate', 'latency', 'trend'].includes(value.kind as string)) {
    report(path, "a judgement with kind 'errorRate', 'latency' or 'trend'", isRecord(value) ? value.kind : value);
    return;
  }
  switch (value.kind) {
    case 'errorRate': {
      const judge = object(report, path, value, ['kind', 'max'], 'an errorRate judgement { kind, max }');
      if (judge) number(report, key(path, 'max'), judge.max, (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1 (0 means no probe may fail)');
      return;
    }
    case 'latency': {
      const judge = object(report, path, value, ['kind', 'percentile', 'maxMs'], 'a latency judgement { kind, percentile?, maxMs? }');
      if (judge?.percentile !== undefined) number(report, key(path, 'percentile'), judge.percentile, (n) => n > 0 && n <= 100, 'a percentile above 0 and at most 100');
      if (judge?.maxMs !== undefined) number(report, key(path, 'maxMs'), judge.maxMs, (n) => n > 0, 'a positive number of milliseconds');
      return;
    }
    default: {
      const judge = object(report, path, value, ['kind', 'series', 'maxSlopePerMinute', 'maxRelativeSlopePerMinute'], 'a trend judgement { kind, series, maxSlopePerMinute?, maxRelativeSlopePerMinute? }');
      if (!judge) return;
      if (typeof judge.series !== 'string' || !seriesNames.has(judge.series)) report(key(path, 'series'), `a series name: one of ${[...seriesNames].join(', ')}`, judge.series);
      if (judge.maxSlopePerMinute === undefined && judge.maxRelativeSlopePerMinute === undefined) {
        report(path, 'maxSlopePerMinute and/or maxRelativeSlopePerMinute', undefined, 'a trend needs a tolerance');
      }
      if (judge.maxSlopePerMinute !== undefined) number(report, key(path, 'maxSlopePerMinute'), judge.maxSlopePerMinute, () => true, 'a number (units of the series per minute)');
      if (judge.maxRelativeSlopePerMinute !== undefined) number(report, key(path, 'maxRelativeSlopePerMinute'), judge.maxRelativeSlopePerMinute, (n) => n >= 0, 'a fraction of the mean per minute, such as 0.01');
    }
  }
}
