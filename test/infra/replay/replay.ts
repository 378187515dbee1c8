// Replays the alarms read from the templates against scripted metric streams, minute by
// minute, and records every state change and every notification a topic would carry.
// CloudWatch's rules, from "Using Amazon CloudWatch alarms":
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
// - one datapoint per period; an alarm compares each with Threshold by ComparisonOperator;
// - missing data follows the evaluation range and TreatMissingData: lib/alerting/evaluate.ts
//   `evaluateDatapoints` reproduces every example of that page's tables (its own tests, and
//   replay.test.ts here, check it against the table), so the state evaluation reuses it rather
//   than writing the table a third time;
// - actions run on a state change only: AlarmActions on entering ALARM, OKActions on entering
//   OK, InsufficientDataActions on entering INSUFFICIENT_DATA; a new alarm starts in
//   INSUFFICIENT_DATA (PutMetricAlarm:
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
// Composite alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html)
// are ALARM while their rule is TRUE and OK otherwise, re-evaluated whenever a child changes.
// Modelling choices, not documented by AWS in this detail: a metric alarm is evaluated at every
// whole minute and judges periods that have ended by then (aligned to the epoch, as
// GetMetricData aligns them); the evaluation range is evaluationPeriods + 2 periods, as in the
// documentation's examples (5 datapoints for 3 periods).
import type { AlarmRule, AlarmStateValue, DatapointValue } from '../../../lib/alerting/evaluate.js';
import { evaluateDatapoints, evaluationRange } from '../../../lib/alerting/evaluate.js';
import { evaluate, idsIn, parseExpression, type Node, type Value } from './metricMath.js';
import type { MetricSelector, MetricStore } from './metricStore.js';
import type { CompositeAlarmDef, MetricAlarmDef, ReadTemplates, RuleNode } from './templateAlarms.js';

export type Audience = 'on-call page' | 'chat' | 'fleet operator';

export interface Notification {
  audience: Audience;
  topicArn: string;
  alarm: string;
  state: AlarmStateValue;
  from: AlarmStateValue;
  atMs: number;
}

export interface Transition {
  alarm: string;
  from: AlarmStateValue;
  to: AlarmStateValue;
  atMs: number;
  /** The datapoints judged (metric alarms), oldest first. */
  datapoints?: DatapointValue[];
}

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** Maps a topic ARN to who reads it; throws for a topic the replay does not know, so no action goes unaccounted. */
export type AudienceOf = (topicArn: string) => Audience;

/**
 * pager → on-call page, chat → chat, operator or fleet-health → fleet operator, by the topic's
 * name after the fleet's prefix. Anything else is an error: a new route needs a decision here.
 */
export function audienceByTopicName(topics: ReadTemplates['topics']): AudienceOf {
  const byArn = new Map(topics.map((t) => [t.arn, t.name]));
  return (arn) => {
    const name = byArn.get(arn) ?? /:sns:[^:]*:[^:]*:(.+)$/.exec(arn)?.[1];
    if (name === undefined) throw new ReplayError(`alarm action ${arn} is not an SNS topic: the replay cannot say who is told`);
    if (/-pager$/.test(name)) return 'on-call page';
    if (/-chat$/.test(name)) return 'chat';
    if (/-(operator|fleet-health|operations|ops)$/.test(name)) return 'fleet operator';
    throw new ReplayError(`topic ${name} (${arn}) has no known audience: expected a name ending in -pager, -chat or -operator`);
  };
}

interface CompiledQuery {
  id: string;
  node: Node | null;
}

interface MetricAlarmState {
  def: MetricAlarmDef;
  selectors: MetricSelector[];
  state: AlarmStateValue;
  createdAtMs: number;
  compiled: CompiledQuery[];
  rule: AlarmRule;
}

interface CompositeState {
  def: CompositeAlarmDef;
  state: AlarmStateValue;
  createdAtMs: number;
}

export interface ReplayOptions {
  /** When each alarm exists (deployed); default: `fromMs` for every alarm. */
  createdAtMs?: (alarm: string) => number;
  stepMs?: number;
  /**
   * Periods CloudWatch reads beyond EvaluationPeriods (default 2, as in the documentation's
   * examples; the documentation says the number depends on the period). For sensitivity runs.
   */
  extraRange?: number;
}

export interface ReplayResult {
  notifications: Notification[];
  transitions: Transition[];
  /** Final states by alarm name. */
  states: Map<string, AlarmStateValue>;
}

function breaches(def: MetricAlarmDef, value: number): boolean {
  switch (def.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= def.threshold;
    case 'GreaterThanThreshold':
      return value > def.threshold;
    case 'LessThanThreshold':
      return value < def.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= def.threshold;
  }
}

/** Expressions before the ones that read them. */
function compile(def: MetricAlarmDef): CompiledQuery[] {
  const nodes = new Map<string, Node>();
  for (const q of def.queries) if (q.kind === 'expression') nodes.set(q.id, parseExpression(q.expression));
  const known = new Set(def.queries.map((q) => q.id));
  for (const [id, node] of nodes) for (const used of idsIn(node)) if (!known.has(used)) throw new ReplayError(`${def.name}: expression ${id} reads "${used}", which is no query of the alarm`);
  return def.queries.map((q) => ({ id: q.id, node: nodes.get(q.id) ?? null }));
}

/** The returned datapoints of one metric alarm over its evaluation range, as of `asOfMs`. */
export function alarmDatapoints(def: MetricAlarmDef, store: MetricStore, asOfMs: number, compiled: CompiledQuery[] = compile(def), rangeLength = evaluationRange(def)): { grid: number[]; values: DatapointValue[]; raw: (number | null)[] } {
  const periodMs = def.periodSeconds * 1000;
  const lastStart = Math.floor(asOfMs / periodMs) * periodMs - periodMs;
  const grid = Array.from({ length: rangeLength }, (_, i) => lastStart - (rangeLength - 1 - i) * periodMs);
  const cache = new Map<string, Value>();
  const lookup = (id: string): Value => {
    const cached = cache.get(id);
    if (cached) return cached;
    const q = def.queries.find((x) => x.id === id);
    if (!q) throw new ReplayError(`${def.name}: no query ${id}`);
    let v: Value;
    if (q.kind === 'metric') {
      v = { kind: 'series', series: store.periodSeries({ namespace: q.namespace, name: q.metricName, dimensions: q.dimensions, region: def.region }, q.stat, periodMs, grid, asOfMs) };
    } else {
      const node = compiled.find((c) => c.id === id)?.node;
      if (!node) throw new ReplayError(`${def.name}: expression ${id} was not compiled`);
      v = evaluate(node, { grid, lookup }, q.expression);
    }
    cache.set(id, v);
    return v;
  };
  const returned = def.queries.find((q) => q.returnData)!;
  const result = lookup(returned.id);
  if (result.kind !== 'series') throw new ReplayError(`${def.name}: the returned query ${returned.id} gives a ${result.kind}, expected one time series`);
  const raw = grid.map((t) => result.series.get(t) ?? null);
  const values = raw.map((v): DatapointValue => (v === null ? 'missing' : breaches(def, v) ? 'breaching' : 'ok'));
  return { grid, values, raw };
}

function ruleTrue(node: RuleNode, stateOf: (name: string) => AlarmStateValue): boolean {
  switch (node.type) {
    case 'const':
      return node.value;
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'not':
      return !ruleTrue(node.operand, stateOf);
    case 'and':
      return ruleTrue(node.left, stateOf) && ruleTrue(node.right, stateOf);
    case 'or':
      return ruleTrue(node.left, stateOf) || ruleTrue(node.right, stateOf);
  }
}

function childrenOf(node: RuleNode): string[] {
  switch (node.type) {
    case 'state':
      return [node.alarm];
    case 'not':
      return childrenOf(node.operand);
    case 'and':
    case 'or':
      return [...childrenOf(node.left), ...childrenOf(node.right)];
    default:
      return [];
  }
}

export class AlarmReplay {
  private readonly audienceOf: AudienceOf;

  constructor(
    readonly read: ReadTemplates,
    audienceOf?: AudienceOf,
  ) {
    this.audienceOf = audienceOf ?? audienceByTopicName(read.topics);
    const names = new Set<string>();
    for (const a of [...read.alarms, ...read.composites]) {
      if (names.has(a.name)) throw new ReplayError(`two alarms named ${a.name}`);
      names.add(a.name);
    }
    for (const c of read.composites) {
      for (const child of childrenOf(c.rule)) if (!names.has(child)) throw new ReplayError(`composite ${c.name} names ${child}, which no template defines (rule: ${c.ruleText})`);
    }
    // Every action must reach someone the replay knows: fail at construction, not mid-scenario.
    for (const a of [...read.alarms, ...read.composites]) for (const arn of [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions]) this.audienceOf(arn);
  }

  run(store: MetricStore, fromMs: number, toMs: number, options: ReplayOptions = {}): ReplayResult {
    const step = options.stepMs ?? 60_000;
    const createdAt = options.createdAtMs ?? (() => fromMs);
    const metric: MetricAlarmState[] = this.read.alarms.map((def) => ({
      def,
      selectors: def.queries.flatMap((q) => (q.kind === 'metric' ? [{ namespace: q.namespace, name: q.metricName, dimensions: q.dimensions, region: def.region }] : [])),
      state: 'INSUFFICIENT_DATA',
      createdAtMs: createdAt(def.name),
      compiled: compile(def),
      rule: { periodMs: def.periodSeconds * 1000, evaluationPeriods: def.evaluationPeriods, datapointsToAlarm: def.datapointsToAlarm, treatMissingData: def.treatMissingData },
    }));
    const composites: CompositeState[] = this.read.composites.map((def) => ({ def, state: 'INSUFFICIENT_DATA', createdAtMs: createdAt(def.name) }));
    const states = new Map<string, AlarmStateValue>();
    for (const a of [...metric, ...composites]) states.set(a.def.name, a.state);
    const notifications: Notification[] = [];
    const transitions: Transition[] = [];

    const change = (def: MetricAlarmDef | CompositeAlarmDef, from: AlarmStateValue, to: AlarmStateValue, atMs: number, datapoints?: DatapointValue[]): void => {
      transitions.push({ alarm: def.name, from, to, atMs, ...(datapoints ? { datapoints } : {}) });
      states.set(def.name, to);
      if (!def.actionsEnabled) return;
      const actions = to === 'ALARM' ? def.alarmActions : to === 'OK' ? def.okActions : def.insufficientDataActions;
      for (const arn of actions) notifications.push({ audience: this.audienceOf(arn), topicArn: arn, alarm: def.name, state: to, from, atMs });
    };

    for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) {
      for (const a of metric) {
        if (t < a.createdAtMs) continue;
        // The judged datapoints change only when a period ends or a datum arrives: skipping the
        // other minutes gives the same states, much faster over days of replay.
        const fresh = t - step < a.createdAtMs || t % a.rule.periodMs === 0 || a.selectors.some((sel) => store.arrivedBetween(sel, t - step, t));
        if (!fresh) continue;
        const range = a.def.evaluationPeriods + (options.extraRange ?? 2);
        const { values } = alarmDatapoints(a.def, store, t, a.compiled, range);
        // evaluateDatapoints reads the last evaluationPeriods + 2 values; a shorter range is
        // padded with missing periods in front, which it then treats as missing data.
        const padded = range < evaluationRange(a.rule) ? [...Array<DatapointValue>(evaluationRange(a.rule) - range).fill('missing'), ...values] : values.slice(-evaluationRange(a.rule));
        const next = evaluateDatapoints(padded, a.rule, a.state);
        if (next !== a.state) {
          change(a.def, a.state, next, t, values);
          a.state = next;
        }
      }
      // Composites may watch composites: settle until nothing changes.
      for (let round = 0; round <= composites.length; round++) {
        let changed = false;
        for (const c of composites) {
          if (t < c.createdAtMs) continue;
          const next: AlarmStateValue = ruleTrue(c.def.rule, (name) => states.get(name) ?? 'INSUFFICIENT_DATA') ? 'ALARM' : 'OK';
          if (next !== c.state) {
            change(c.def, c.state, next, t);
            c.state = next;
            changed = true;
          }
        }
        if (!changed) break;
        if (round === composites.length) throw new ReplayError('composite alarms do not settle: a cycle in their rules');
      }
    }
    return { notifications, transitions, states };
  }
}
