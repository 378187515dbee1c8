// A model of what `cdk deploy --all` and `cdk destroy --all` do to the stacks of an account,
// read from synthesized templates, with the CloudFormation and CloudWatch rules that make a
// deploy fail or leave something behind. Each rule cites the documentation it encodes.
import type { Stack } from 'aws-cdk-lib';
import type { Synthesized } from '../synth.js';

type Json = Record<string, unknown>;
interface CfnResource {
  Type: string;
  Properties?: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
}

/** One resource as the model sees it. */
export interface ModelResource {
  stack: string;
  logicalId: string;
  type: string;
  /** The fixed physical name (resolved with placeholder account/partition), undefined when CloudFormation generates it. */
  name: string | undefined;
  /** The namespace the name must be unique in: `<kind>@<region>`, or `<kind>@global`. */
  namespace: string | undefined;
  /** DeletionPolicy Retain: removing it from the stack leaves it in the account. */
  retained: boolean;
  /** Logical ids this resource references (Ref, Fn::GetAtt, DependsOn): CloudFormation's creation order. */
  references: Set<string>;
  /** Alarm names a composite's AlarmRule names. */
  ruleMembers: string[];
  properties: Json;
}

export interface ModelStack {
  name: string;
  region: string;
  /** Names of the stacks this one deploys after (direct dependencies). */
  dependencies: string[];
  resources: Map<string, ModelResource>;
  templateBytes: number;
  description: string | undefined;
  outputs: number;
  parameters: number;
}

/** What exists in the account: deployed stacks and what their updates or deletions left behind. */
export interface Account {
  stacks: Map<string, ModelStack>;
  /** Retained resources no stack owns any more; their names stay taken. */
  orphans: ModelResource[];
}

export const emptyAccount = (): Account => ({ stacks: new Map(), orphans: [] });

/**
 * Which property carries the physical name, and its namespace. Uniqueness scopes:
 * - Lambda function names, per region: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
 * - Log group names, per region: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
 * - Alarm names (metric and composite share one namespace), per region:
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 * - SNS topic names, per region: https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
 * - SQS queue names, per region: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 * - EventBridge rule names, per event bus (per region here): https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
 * - KMS alias names, per region: https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html
 * - Dashboards have no region in their ARN (arn:aws:cloudwatch::account:dashboard/name), one
 *   namespace per account: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
 * - Chatbot configurations are global, names unique per account:
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-chatbot-slackchannelconfiguration.html
 * - IAM role names are global per account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
const NAMED: Record<string, { property: string; kind: string; global?: boolean; max: number }> = {
  'AWS::Lambda::Function': { property: 'FunctionName', kind: 'lambda', max: 64 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', kind: 'loggroup', max: 512 },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', kind: 'alarm', max: 255 },
  'AWS::CloudWatch::CompositeAlarm': { property: 'AlarmName', kind: 'alarm', max: 255 },
  'AWS::SNS::Topic': { property: 'TopicName', kind: 'topic', max: 256 },
  'AWS::SQS::Queue': { property: 'QueueName', kind: 'queue', max: 80 },
  'AWS::Events::Rule': { property: 'Name', kind: 'rule', max: 64 },
  'AWS::KMS::Alias': { property: 'AliasName', kind: 'alias', max: 256 },
  'AWS::CloudWatch::Dashboard': { property: 'DashboardName', kind: 'dashboard', global: true, max: 255 },
  'AWS::Chatbot::SlackChannelConfiguration': { property: 'ConfigurationName', kind: 'chatbot', global: true, max: 128 },
  'AWS::IAM::Role': { property: 'RoleName', kind: 'role', global: true, max: 64 },
};

const ACCOUNT = '111122223333';
/** What a composite rule's Ref/GetAtt reference reads as. */
const TOKEN_MEMBER = 'TOKEN';

/** A template value as text, with pseudo parameters filled in; undefined when it depends on another resource. */
function resolveText(value: unknown, region: string): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return value === undefined ? undefined : JSON.stringify(value);
  const o = value as Json;
  if ('Ref' in o) {
    const ref = o['Ref'];
    if (ref === 'AWS::AccountId') return ACCOUNT;
    if (ref === 'AWS::Region') return region;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    return undefined;
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    const texts = parts.map((p) => resolveText(p, region));
    return texts.every((t) => t !== undefined) ? texts.join(sep) : undefined;
  }
  return undefined;
}

/** A template value with every token replaced by a marker: for lengths of rules and descriptions. */
export function flatText(value: unknown, region: string): string {
  if (typeof value === 'string') return value;
  const resolved = resolveText(value, region);
  if (resolved !== undefined) return resolved;
  if (typeof value === 'object' && value !== null && 'Fn::Join' in value) {
    const [sep, parts] = (value as Json)['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => flatText(p, region)).join(sep);
  }
  // An ARN of another resource: about as long as the longest ARN of that kind.
  return `arn:aws:cloudwatch:xx-xxxx-1:111122223333:alarm:${TOKEN_MEMBER}`;
}

function referencesIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const o = value as Json;
  if (typeof o['Ref'] === 'string' && !(o['Ref']).startsWith('AWS::')) out.add(o['Ref']);
  if (Array.isArray(o['Fn::GetAtt'])) out.add(String((o['Fn::GetAtt'] as unknown[])[0]));
  for (const v of Object.values(o)) referencesIn(v, out);
}

/** Alarm names in a composite rule: ALARM("name"), OK(name), INSUFFICIENT_DATA("name"). */
export function ruleMembers(rule: string): string[] {
  const out: string[] = [];
  for (const m of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]*)"|([^)\s]+))\s*\)/g)) out.push((m[1] ?? m[2] ?? '').replace(/^arn:[^:]*:cloudwatch:[^:]*:[^:]*:alarm:/, ''));
  return out;
}

/** Every stack of a synthesized fleet as the model sees it. */
export function modelOf(s: Synthesized): Map<string, ModelStack> {
  const out = new Map<string, ModelStack>();
  for (const stack of s.fleet.stacks) out.set(stack.stackName, modelStack(stack, s.template(stack).toJSON()));
  return out;
}

function modelStack(stack: Stack, template: Json): ModelStack {
  const region = stack.region;
  const resources = new Map<string, ModelResource>();
  for (const [logicalId, r] of Object.entries((template['Resources'] ?? {}) as Record<string, CfnResource>)) {
    const named = NAMED[r.Type];
    const properties = r.Properties ?? {};
    const rawName = named ? properties[named.property] : undefined;
    const name = rawName === undefined ? undefined : (resolveText(rawName, region) ?? `TOKEN:${JSON.stringify(rawName)}`);
    const references = new Set<string>();
    referencesIn(properties, references);
    for (const d of [r.DependsOn ?? []].flat()) references.add(d);
    const rule = r.Type === 'AWS::CloudWatch::CompositeAlarm' ? flatText(properties['AlarmRule'], region) : '';
    resources.set(logicalId, {
      stack: stack.stackName,
      logicalId,
      type: r.Type,
      name,
      namespace: named && name !== undefined ? `${named.kind}@${named.global ? 'global' : region}` : undefined,
      retained: r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate',
      references,
      ruleMembers: rule === '' ? [] : ruleMembers(rule),
      properties,
    });
  }
  return {
    name: stack.stackName,
    region,
    dependencies: stack.dependencies.map((d) => d.stackName),
    resources,
    templateBytes: Buffer.byteLength(JSON.stringify(template)),
    description: typeof template['Description'] === 'string' ? template['Description'] : undefined,
    outputs: Object.keys((template['Outputs'] ?? {})).length,
    parameters: Object.keys((template['Parameters'] ?? {})).length,
  };
}

const key = (r: Pick<ModelResource, 'namespace' | 'name'>): string => `${r.namespace ?? ''} ${r.name ?? ''}`;
const where = (r: ModelResource): string => `${r.stack}/${r.logicalId}`;

/** Stacks in the order `cdk deploy --all` deploys them: every dependency first. */
export function deployOrder(stacks: ReadonlyMap<string, ModelStack>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle through ${name}`);
    state.set(name, 'visiting');
    for (const d of stacks.get(name)?.dependencies ?? []) if (stacks.has(d)) visit(d);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...stacks.keys()].sort()) visit(name);
  return order;
}

/**
 * `cdk deploy --all`: deploys the app's stacks in dependency order; a stack that is no longer
 * in the app is left as it is — the CDK CLI never deletes a stack it was not asked to
 * (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html). Each stack update first
 * creates and updates resources, and deletes removed ones only in its cleanup phase
 * (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html),
 * so a fixed name may only change owner when the old owner lets go first. A resource with a
 * custom name that the update would create under a name still taken fails the stack:
 * "<name> already exists" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-resource-already-exists).
 * A retained resource leaving its stack stays in the account under its name
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 *
 * Returns the account afterwards and every problem found.
 */
export function deploy(before: Account, app: ReadonlyMap<string, ModelStack>): { after: Account; problems: string[] } {
  const problems: string[] = [];
  const stacks = new Map(before.stacks);
  const orphans = [...before.orphans];
  // Who holds each fixed name right now.
  const holders = new Map<string, ModelResource>();
  const hold = (r: ModelResource): void => {
    if (r.name !== undefined) holders.set(key(r), r);
  };
  for (const s of stacks.values()) for (const r of s.resources.values()) hold(r);
  for (const o of orphans) hold(o);
  // Alarm name → the composites (as resources) that name it, as deployed now.
  const compositesNaming = (alarm: string, region: string): ModelResource[] =>
    [...stacks.values()].filter((s) => s.region === region).flatMap((s) => [...s.resources.values()].filter((r) => r.ruleMembers.includes(alarm)));

  for (const name of deployOrder(app)) {
    const next = app.get(name)!;
    const previous = stacks.get(name);
    // Creation and update phase.
    for (const r of next.resources.values()) {
      if (r.name === undefined) continue;
      const holder = holders.get(key(r));
      const same = holder !== undefined && holder.stack === name && holder.logicalId === r.logicalId && !orphans.includes(holder);
      if (holder && !same) {
        const what = orphans.includes(holder) ? 'a retained resource left behind earlier' : `${where(holder)}, which ${stacks.has(holder.stack) && app.has(holder.stack) && holder.stack !== name ? 'deploys later or not before it' : holder.stack === name ? 'is deleted only in this stack\'s cleanup phase' : 'is no longer in the app and never updated'}`;
        problems.push(`${name}: creating ${r.type} ${r.name} (${r.logicalId}) fails with "already exists": the name is held by ${what}`);
      }
      // A composite is created only when every alarm its rule names exists: CloudWatch answers
      // "alarms ... in the alarm rule do not exist" otherwise
      // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html).
      for (const member of r.ruleMembers) {
        // An alarm referenced by Ref/GetAtt is in this template, and CloudFormation creates it first.
        if (member === TOKEN_MEMBER) continue;
        const memberHolder = holders.get(`alarm@${next.region} ${member}`);
        const inThisStack = [...next.resources.values()].find((m) => m.name === member && m.namespace === `alarm@${next.region}`);
        if (inThisStack) {
          if (!dependsOn(next, r.logicalId, inThisStack.logicalId)) problems.push(`${name}: composite ${r.name} names ${member} of the same stack without a dependency on it (created in either order)`);
          continue;
        }
        if (!memberHolder || orphans.includes(memberHolder)) problems.push(`${name}: composite ${r.name} names ${member}, which no deployed stack holds when it is created`);
      }
    }
    for (const r of next.resources.values()) hold(r);
    // Cleanup phase: what the stack no longer has is deleted, or left behind when retained.
    for (const old of previous?.resources.values() ?? []) {
      const kept = next.resources.get(old.logicalId);
      if (kept && kept.type === old.type && kept.name === old.name) continue;
      if (old.name !== undefined && holders.get(key(old)) === old) holders.delete(key(old));
      if (old.retained) {
        orphans.push(old);
        if (old.name !== undefined) holders.set(key(old), old);
        continue;
      }
      // CloudWatch refuses to delete an alarm a composite still names
      // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html);
      // CloudFormation then gives up on it and the alarm stays, unowned.
      if (old.namespace?.startsWith('alarm@') && old.name !== undefined) {
        const naming = compositesNaming(old.name, next.region).filter((c) => !(c.stack === name && !next.resources.has(c.logicalId) && dependsOnPrevious(previous!, c.logicalId, old.logicalId)));
        const stillNaming = naming.filter((c) => {
          const current = c.stack === name ? next.resources.get(c.logicalId) : stacks.get(c.stack)?.resources.get(c.logicalId);
          return current !== undefined && current.ruleMembers.includes(old.name!);
        });
        if (stillNaming.length > 0) problems.push(`${name}: deleting alarm ${old.name} fails: composite ${stillNaming.map((c) => `${c.name ?? c.logicalId} (${c.stack})`).join(', ')} still names it`);
      }
    }
    stacks.set(name, next);
  }
  // Stacks the app no longer has keep running whatever they hold; an empty bucket (a placeholder
  // only) left behind holds nothing and costs nothing.
  const inert = new Set(['AWS::CloudFormation::WaitConditionHandle', 'AWS::CDK::Metadata']);
  for (const [name, s] of stacks) {
    if (app.has(name)) continue;
    const live = [...s.resources.values()].filter((r) => !inert.has(r.type));
    if (live.length > 0) problems.push(`${name}: no longer in the app, so cdk deploy leaves it and its ${live.length} resource(s) (${[...new Set(live.map((r) => r.type))].join(', ')}) deployed`);
  }
  return { after: { stacks, orphans }, problems };
}

/** Within one template: does `from` depend on `to` (Ref, GetAtt or DependsOn, transitively)? */
function dependsOn(stack: ModelStack, from: string, to: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const r = stack.resources.get(from);
  if (!r) return false;
  if (r.references.has(to)) return true;
  return [...r.references].some((n) => dependsOn(stack, n, to, seen));
}
const dependsOnPrevious = dependsOn;

/**
 * `cdk destroy --all`: deletes the app's stacks, dependants first
 * (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-destroy.html). Retained resources stay.
 */
export function destroy(before: Account, app: ReadonlyMap<string, ModelStack>): { after: Account; problems: string[] } {
  const problems: string[] = [];
  const stacks = new Map(before.stacks);
  const orphans = [...before.orphans];
  for (const name of deployOrder(app).reverse()) {
    const s = stacks.get(name);
    if (!s) continue;
    for (const r of s.resources.values()) {
      if (r.retained) orphans.push(r);
      if (r.namespace?.startsWith('alarm@') && r.name !== undefined) {
        const naming = [...stacks.values()].filter((o) => o.name !== name && o.region === s.region).flatMap((o) => [...o.resources.values()].filter((c) => c.ruleMembers.includes(r.name!)));
        if (naming.length > 0) problems.push(`destroy ${name}: deleting alarm ${r.name} fails: composite ${naming.map((c) => `${c.name ?? ''} (${c.stack})`).join(', ')} still names it`);
      }
    }
    stacks.delete(name);
  }
  return { after: { stacks, orphans }, problems };
}

/**
 * Limits of one synthesized app, each with the documentation it comes from:
 * - CloudFormation: 500 resources, 200 outputs, 200 parameters per stack, a template of at most
 *   1 MB from S3, stack names of 128 characters, stack descriptions of 1024 bytes
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html);
 * - CloudWatch: alarm names 255 and descriptions 1024 characters, a composite's AlarmRule at most
 *   10,240 characters naming at most 100 alarms, at most 10 metrics per metric-math alarm
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html,
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
 * - the physical-name lengths of NAMED above (each API's reference).
 */
export function limitProblems(app: ReadonlyMap<string, ModelStack>): string[] {
  const problems: string[] = [];
  for (const s of app.values()) {
    if (s.name.length > 128 || !/^[A-Za-z][A-Za-z0-9-]*$/.test(s.name)) problems.push(`${s.name}: stack name must be [A-Za-z][A-Za-z0-9-]* of at most 128 characters (${s.name.length})`);
    if (s.resources.size > 500) problems.push(`${s.name}: ${s.resources.size} resources, more than 500`);
    if (s.templateBytes > 1_000_000) problems.push(`${s.name}: template of ${s.templateBytes} bytes, more than 1 MB`);
    if (s.outputs > 200) problems.push(`${s.name}: ${s.outputs} outputs, more than 200`);
    if (s.parameters > 200) problems.push(`${s.name}: ${s.parameters} parameters, more than 200`);
    if (s.description !== undefined && Buffer.byteLength(s.description) > 1024) problems.push(`${s.name}: stack description over 1024 bytes`);
    for (const r of s.resources.values()) {
      const named = NAMED[r.type];
      if (named && r.name !== undefined && r.name.length > named.max) problems.push(`${s.name}/${r.logicalId}: ${r.type} name of ${r.name.length} characters, more than ${named.max}`);
      if (r.type === 'AWS::CloudWatch::Alarm' || r.type === 'AWS::CloudWatch::CompositeAlarm') {
        const description = flatText(r.properties['AlarmDescription'] ?? '', s.region);
        if (description.length > 1024) problems.push(`${s.name}/${r.logicalId}: alarm description of ${description.length} characters, more than 1024`);
      }
      if (r.type === 'AWS::CloudWatch::CompositeAlarm') {
        const rule = flatText(r.properties['AlarmRule'], s.region);
        if (rule.length > 10240) problems.push(`${s.name}/${r.logicalId}: AlarmRule of ${rule.length} characters, more than 10240`);
        if (r.ruleMembers.length > 100) problems.push(`${s.name}/${r.logicalId}: AlarmRule names ${r.ruleMembers.length} alarms, more than 100`);
      }
      if (r.type === 'AWS::CloudWatch::Alarm' && Array.isArray(r.properties['Metrics'])) {
        const stats = (r.properties['Metrics'] as Json[]).filter((m) => m['MetricStat'] !== undefined).length;
        if (stats > 10) problems.push(`${s.name}/${r.logicalId}: ${stats} metrics in one alarm, more than 10`);
      }
      if (r.type === 'AWS::Lambda::Function' && typeof r.properties['Description'] === 'string' && r.properties['Description'].length > 256) problems.push(`${s.name}/${r.logicalId}: function description over 256 characters`);
      if (r.type === 'AWS::Events::Rule' && typeof r.properties['Description'] === 'string' && r.properties['Description'].length > 512) problems.push(`${s.name}/${r.logicalId}: rule description over 512 characters`);
    }
  }
  return problems;
}

/** Fixed names held twice at once in the account (deployed stacks and orphans). */
export function duplicateNames(account: Account): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  const all = [...[...account.stacks.values()].flatMap((s) => [...s.resources.values()]), ...account.orphans];
  for (const r of all) {
    if (r.name === undefined) continue;
    const previous = seen.get(key(r));
    if (previous !== undefined) out.push(`${r.type} ${r.name}: held by ${previous} and ${account.orphans.includes(r) ? 'a retained orphan' : where(r)}`);
    else seen.set(key(r), account.orphans.includes(r) ? 'a retained orphan' : where(r));
  }
  return out;
}
