// Reads every CloudWatch alarm, composite alarm, SNS topic and scheduled rule from synthesized
// CloudFormation templates — the JSON CloudFormation would deploy, not the objects that built
// it. Intrinsic functions are resolved for one fixed account, as CloudFormation would:
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
// Return values used: Ref of an SNS topic is its ARN; GetAtt Arn of an alarm is
// arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>; Ref of a Lambda function is its name.
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html#aws-resource-sns-topic-return-values
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html#aws-resource-cloudwatch-alarm-return-values
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html#aws-resource-lambda-function-return-values
// Alarm properties: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html
// Composite alarm rules: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html

export const ACCOUNT = '111111111111';
export const PARTITION = 'aws';

export interface StackTemplate {
  stackName: string;
  region: string;
  template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

export interface MetricQuery {
  id: string;
  kind: 'metric';
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  periodSeconds: number;
  stat: string;
  returnData: boolean;
}

export interface ExpressionQuery {
  id: string;
  kind: 'expression';
  expression: string;
  periodSeconds: number | null;
  returnData: boolean;
}

export type Query = MetricQuery | ExpressionQuery;

export type Comparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type TreatMissing = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

interface AlarmBase {
  name: string;
  stackName: string;
  region: string;
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
}

export interface MetricAlarmDef extends AlarmBase {
  kind: 'metric';
  queries: Query[];
  threshold: number;
  comparison: Comparison;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissing;
  /** The period of the returned datapoints. */
  periodSeconds: number;
}

export type RuleNode =
  | { type: 'state'; state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'; alarm: string }
  | { type: 'const'; value: boolean }
  | { type: 'not'; operand: RuleNode }
  | { type: 'and' | 'or'; left: RuleNode; right: RuleNode };

export interface CompositeAlarmDef extends AlarmBase {
  kind: 'composite';
  rule: RuleNode;
  ruleText: string;
}

export interface TopicDef {
  arn: string;
  name: string;
  stackName: string;
}

export interface ScheduledRuleDef {
  stackName: string;
  region: string;
  ruleName: string;
  scheduleExpression: string;
  enabled: boolean;
  /** Function names the rule invokes, with the rule's constant input. */
  targets: { functionName: string; input: unknown }[];
}

export interface ReadTemplates {
  alarms: MetricAlarmDef[];
  composites: CompositeAlarmDef[];
  topics: TopicDef[];
  rules: ScheduledRuleDef[];
}

export class TemplateReadError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'TemplateReadError';
  }
}

type Resources = NonNullable<StackTemplate['template']['Resources']>;

interface ResolveContext {
  stack: StackTemplate;
  resources: Resources;
  where: string;
}

function physicalName(ctx: ResolveContext, logicalId: string, property: string): string {
  const resource = ctx.resources[logicalId];
  if (!resource) throw new TemplateReadError(ctx.where, `reference to ${logicalId}, which is not in stack ${ctx.stack.stackName}`);
  const name = resource.Properties?.[property];
  // Without an explicit name CloudFormation generates one; the replay only needs it stable.
  return name === undefined ? `${ctx.stack.stackName}-${logicalId}` : String(resolve(name, ctx));
}

function ref(ctx: ResolveContext, name: string): string {
  switch (name) {
    case 'AWS::AccountId':
      return ACCOUNT;
    case 'AWS::Partition':
      return PARTITION;
    case 'AWS::Region':
      return ctx.stack.region;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return ctx.stack.stackName;
  }
  const resource = ctx.resources[name];
  if (!resource) throw new TemplateReadError(ctx.where, `Ref ${name}: no such resource or pseudo parameter in ${ctx.stack.stackName}`);
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      return `arn:${PARTITION}:sns:${ctx.stack.region}:${ACCOUNT}:${physicalName(ctx, name, 'TopicName')}`;
    case 'AWS::Lambda::Function':
      return physicalName(ctx, name, 'FunctionName');
    case 'AWS::CloudWatch::Alarm':
    case 'AWS::CloudWatch::CompositeAlarm':
      return physicalName(ctx, name, 'AlarmName');
    case 'AWS::Events::Rule':
      return physicalName(ctx, name, 'Name');
    case 'AWS::SQS::Queue':
      return `https://sqs.${ctx.stack.region}.amazonaws.com/${ACCOUNT}/${physicalName(ctx, name, 'QueueName')}`;
    default:
      return name;
  }
}

function getAtt(ctx: ResolveContext, logicalId: string, attribute: string): string {
  const resource = ctx.resources[logicalId];
  if (!resource) throw new TemplateReadError(ctx.where, `GetAtt ${logicalId}.${attribute}: no such resource in ${ctx.stack.stackName}`);
  const { region } = ctx.stack;
  switch (`${resource.Type}.${attribute}`) {
    case 'AWS::CloudWatch::Alarm.Arn':
    case 'AWS::CloudWatch::CompositeAlarm.Arn':
      return `arn:${PARTITION}:cloudwatch:${region}:${ACCOUNT}:alarm:${physicalName(ctx, logicalId, 'AlarmName')}`;
    case 'AWS::SNS::Topic.TopicArn':
      return ref(ctx, logicalId);
    case 'AWS::SNS::Topic.TopicName':
      return physicalName(ctx, logicalId, 'TopicName');
    case 'AWS::Lambda::Function.Arn':
      return `arn:${PARTITION}:lambda:${region}:${ACCOUNT}:function:${physicalName(ctx, logicalId, 'FunctionName')}`;
    case 'AWS::SQS::Queue.QueueName':
      return physicalName(ctx, logicalId, 'QueueName');
    case 'AWS::SQS::Queue.Arn':
      return `arn:${PARTITION}:sqs:${region}:${ACCOUNT}:${physicalName(ctx, logicalId, 'QueueName')}`;
    case 'AWS::Events::Rule.Arn':
      return `arn:${PARTITION}:events:${region}:${ACCOUNT}:rule/${physicalName(ctx, logicalId, 'Name')}`;
    default:
      throw new TemplateReadError(ctx.where, `GetAtt ${logicalId}.${attribute} of ${resource.Type}: not modelled by the replay`);
  }
}

/** Resolves intrinsic functions to plain values. */
export function resolve(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    switch (fn) {
      case 'Ref':
        return ref(ctx, String(arg));
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        return getAtt(ctx, String(id), String(attr));
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts, ctx) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (resolve(list, ctx) as unknown[])[Number(resolve(index, ctx))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return String(resolve(source, ctx)).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in vars) return String(resolve(vars[name], ctx));
          if (name.includes('.') && !name.startsWith('AWS::')) {
            const [id, attr] = name.split('.') as [string, string];
            return getAtt(ctx, id, attr);
          }
          return ref(ctx, name);
        });
      }
      case 'Fn::ImportValue':
      case 'Fn::If':
      case 'Fn::FindInMap':
        throw new TemplateReadError(ctx.where, `${fn} is not modelled by the replay (the fleet's stacks use none)`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, ctx)]));
}

function strings(value: unknown, ctx: ResolveContext): string[] {
  if (value === undefined) return [];
  return (resolve(value, ctx) as unknown[]).map(String);
}

/** A resolved scalar property as text; anything else is a template the replay cannot read. */
function text(value: unknown, where: string, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value}`;
  throw new TemplateReadError(where, `${what}: expected a string, received ${JSON.stringify(value)}`);
}

function dimensionsOf(list: unknown, where: string): Record<string, string> {
  return Object.fromEntries(((list as { Name: unknown; Value: unknown }[] | undefined) ?? []).map((d) => [text(d.Name, where, 'dimension name'), text(d.Value, where, 'dimension value')]));
}

const COMPARISONS: readonly Comparison[] = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'];
const TREATMENTS: readonly TreatMissing[] = ['breaching', 'notBreaching', 'ignore', 'missing'];

function metricAlarm(props: Record<string, unknown>, base: AlarmBase, where: string): MetricAlarmDef {
  const comparison = props.ComparisonOperator as Comparison;
  if (!COMPARISONS.includes(comparison)) throw new TemplateReadError(where, `ComparisonOperator ${JSON.stringify(comparison)} is not modelled (anomaly-detection bands are not replayed)`);
  if (props.Threshold === undefined) throw new TemplateReadError(where, 'no Threshold (ThresholdMetricId is not modelled)');
  // PutMetricAlarm's default for TreatMissingData is `missing`; DatapointsToAlarm defaults to EvaluationPeriods.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
  const treatMissingData = (props.TreatMissingData ?? 'missing') as TreatMissing;
  if (!TREATMENTS.includes(treatMissingData)) throw new TemplateReadError(where, `TreatMissingData ${JSON.stringify(treatMissingData)}`);
  const evaluationPeriods = Number(props.EvaluationPeriods);
  const datapointsToAlarm = props.DatapointsToAlarm === undefined ? evaluationPeriods : Number(props.DatapointsToAlarm);
  let queries: Query[];
  if (props.Metrics !== undefined) {
    queries = (props.Metrics as Record<string, unknown>[]).map((m) => {
      const id = String(m.Id);
      const returnData = m.ReturnData === undefined ? true : Boolean(m.ReturnData);
      if (m.Expression !== undefined) return { id, kind: 'expression', expression: text(m.Expression, where, `query ${id} Expression`), periodSeconds: m.Period === undefined ? null : Number(m.Period), returnData };
      const stat = m.MetricStat as { Metric: { Namespace: string; MetricName: string; Dimensions?: unknown }; Period: number; Stat: string } | undefined;
      if (!stat) throw new TemplateReadError(where, `query ${id} has neither Expression nor MetricStat`);
      if (m.AccountId !== undefined) throw new TemplateReadError(where, `query ${id} reads another account's metric`);
      return { id, kind: 'metric', namespace: stat.Metric.Namespace, metricName: stat.Metric.MetricName, dimensions: dimensionsOf(stat.Metric.Dimensions, where), periodSeconds: stat.Period, stat: stat.Stat, returnData };
    });
  } else {
    const stat = (props.Statistic ?? props.ExtendedStatistic) as string | undefined;
    if (!stat || props.MetricName === undefined || props.Namespace === undefined) throw new TemplateReadError(where, 'a single-metric alarm needs Namespace, MetricName and Statistic or ExtendedStatistic');
    queries = [{ id: 'm1', kind: 'metric', namespace: text(props.Namespace, where, 'Namespace'), metricName: text(props.MetricName, where, 'MetricName'), dimensions: dimensionsOf(props.Dimensions, where), periodSeconds: Number(props.Period), stat, returnData: true }];
  }
  const returned = queries.filter((q) => q.returnData);
  if (returned.length !== 1) throw new TemplateReadError(where, `expected exactly one query with ReturnData true, received ${returned.length}`);
  const metricPeriods = [...new Set(queries.filter((q): q is MetricQuery => q.kind === 'metric').map((q) => q.periodSeconds))];
  const r = returned[0]!;
  const periodSeconds = r.kind === 'metric' ? r.periodSeconds : (r.periodSeconds ?? metricPeriods[0] ?? NaN);
  if (!Number.isFinite(periodSeconds) || metricPeriods.some((p) => p !== periodSeconds)) throw new TemplateReadError(where, `periods must agree across the alarm's metrics, received ${[periodSeconds, ...metricPeriods].join(', ')}`);
  return { ...base, kind: 'metric', queries, threshold: Number(props.Threshold), comparison, evaluationPeriods, datapointsToAlarm, treatMissingData, periodSeconds };
}

/** `arn:…:alarm:<name>` or a plain name → the alarm name. */
export function alarmNameOf(reference: string): string {
  const m = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(reference);
  return m ? m[1]! : reference;
}

/** Parses an AlarmRule: ALARM/OK/INSUFFICIENT_DATA(name), TRUE, FALSE, AND, OR, NOT, parentheses. */
export function parseAlarmRule(text: string): RuleNode {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)/y;
  let at = 0;
  while (at < text.length && !/^\s*$/.test(text.slice(at))) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new TemplateReadError('AlarmRule', `cannot read "${text.slice(at, at + 20)}"`);
    tokens.push(m[1]!);
    at = re.lastIndex;
  }
  let i = 0;
  const fail = (what: string): never => {
    throw new TemplateReadError('AlarmRule', `${what} at token ${i} ("${tokens[i] ?? 'end'}") of: ${text}`);
  };
  const or = (): RuleNode => {
    let left = and();
    while (tokens[i]?.toUpperCase() === 'OR') {
      i++;
      left = { type: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): RuleNode => {
    let left = not();
    while (tokens[i]?.toUpperCase() === 'AND') {
      i++;
      left = { type: 'and', left, right: not() };
    }
    return left;
  };
  const not = (): RuleNode => {
    if (tokens[i]?.toUpperCase() === 'NOT') {
      i++;
      return { type: 'not', operand: not() };
    }
    return atom();
  };
  const atom = (): RuleNode => {
    const t = tokens[i];
    if (t === undefined) return fail('expected a function, TRUE, FALSE or "("');
    if (t === '(') {
      i++;
      const inner = or();
      if (tokens[i] !== ')') fail('expected ")"');
      i++;
      return inner;
    }
    const upper = t.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') {
      i++;
      return { type: 'const', value: upper === 'TRUE' };
    }
    if (upper === 'ALARM' || upper === 'OK' || upper === 'INSUFFICIENT_DATA') {
      i++;
      if (tokens[i] !== '(') fail('expected "("');
      i++;
      const raw = tokens[i] ?? fail('expected an alarm name');
      i++;
      if (tokens[i] !== ')') fail('expected ")"');
      i++;
      const name = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
      return { type: 'state', state: upper, alarm: alarmNameOf(name) };
    }
    return fail('expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or "("');
  };
  const node = or();
  if (i < tokens.length) fail('expected the end of the rule');
  return node;
}

/**
 * A rule target's constant input, or its input transformer's template with each `<name>`
 * replaced by the JSON path it reads (`{"shard": "x", "time": "$.time"}`): the replay needs the
 * shard id, and can see which event fields reach the function.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
function targetInput(target: { Input?: unknown; InputTransformer?: unknown }, ctx: ResolveContext, where: string): unknown {
  if (target.Input !== undefined) return JSON.parse(text(resolve(target.Input, ctx), where, 'target Input'));
  if (target.InputTransformer === undefined) return undefined;
  const transformer = resolve(target.InputTransformer, ctx) as { InputPathsMap?: Record<string, string>; InputTemplate: unknown };
  const paths = transformer.InputPathsMap ?? {};
  const template = text(transformer.InputTemplate, where, 'InputTemplate').replace(/"?<([A-Za-z0-9_.-]+)>"?/g, (_, name: string) => {
    const path = paths[name];
    if (path === undefined) throw new TemplateReadError(where, `InputTemplate names <${name}>, which InputPathsMap does not define`);
    return JSON.stringify(path);
  });
  return JSON.parse(template);
}

/** Every alarm, composite, topic and scheduled rule of the given stacks. */
export function readTemplates(stacks: readonly StackTemplate[]): ReadTemplates {
  const out: ReadTemplates = { alarms: [], composites: [], topics: [], rules: [] };
  for (const stack of stacks) {
    const resources = stack.template.Resources ?? {};
    for (const [logicalId, resource] of Object.entries(resources)) {
      const where = `${stack.stackName}/${logicalId}`;
      const ctx: ResolveContext = { stack, resources, where };
      const props = resource.Properties ?? {};
      switch (resource.Type) {
        case 'AWS::CloudWatch::Alarm':
        case 'AWS::CloudWatch::CompositeAlarm': {
          const base: AlarmBase = {
            name: physicalName(ctx, logicalId, 'AlarmName'),
            stackName: stack.stackName,
            region: stack.region,
            actionsEnabled: props.ActionsEnabled === undefined ? true : Boolean(props.ActionsEnabled),
            alarmActions: strings(props.AlarmActions, ctx),
            okActions: strings(props.OKActions, ctx),
            insufficientDataActions: strings(props.InsufficientDataActions, ctx),
          };
          if (resource.Type === 'AWS::CloudWatch::Alarm') out.alarms.push(metricAlarm(resolve(props, ctx) as Record<string, unknown>, base, where));
          else {
            if (props.ActionsSuppressor !== undefined) throw new TemplateReadError(where, 'ActionsSuppressor is not modelled by the replay');
            const ruleText = String(resolve(props.AlarmRule, ctx));
            out.composites.push({ ...base, kind: 'composite', rule: parseAlarmRule(ruleText), ruleText });
          }
          break;
        }
        case 'AWS::SNS::Topic':
          out.topics.push({ arn: ref(ctx, logicalId), name: physicalName(ctx, logicalId, 'TopicName'), stackName: stack.stackName });
          break;
        case 'AWS::Events::Rule': {
          if (props.ScheduleExpression === undefined) break;
          const targets = ((props.Targets as { Arn: unknown; Input?: unknown; InputTransformer?: unknown }[] | undefined) ?? []).map((t) => {
            const arn = String(resolve(t.Arn, ctx));
            const fn = /:function:([^:]+)$/.exec(arn);
            if (!fn) throw new TemplateReadError(where, `target ${arn} is not a Lambda function`);
            return { functionName: fn[1]!, input: targetInput(t, ctx, where) };
          });
          out.rules.push({ stackName: stack.stackName, region: stack.region, ruleName: physicalName(ctx, logicalId, 'Name'), scheduleExpression: text(props.ScheduleExpression, where, 'ScheduleExpression'), enabled: (props.State ?? 'ENABLED') === 'ENABLED', targets });
          break;
        }
      }
    }
  }
  return out;
}
