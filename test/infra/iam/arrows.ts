// Every cross-service permission the deployed fleet depends on, derived from the templates
// (each alarm action, each subscription and its redrive queue, each rule target, each
// function's failure destination, each probe and notify role), as requests AWS would
// authorize, with the policies AWS would read for them: the topic policy, the key policy,
// the Lambda function policy (built from AWS::Lambda::Permission as Lambda does), the queue
// policy and the role's identity policies. Negative arrows are requests that must be refused.
//
// Rules encoded here, with AWS's word for them:
// - A topic policy replaces SNS's default policy; CloudWatch publishes alarm actions as the
//   service principal cloudwatch.amazonaws.com with aws:SourceArn (the alarm) and
//   aws:SourceAccount: https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
// - A publisher to a KMS-encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key:
//   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
// - SNS invokes a subscribed function, and EventBridge a rule's target function, through the
//   function's resource-based policy (one statement per AWS::Lambda::Permission, SourceArn as
//   an ArnLike condition): https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
// - SNS moves undeliverable messages to a subscription's dead-letter queue only if the queue
//   policy lets sns.amazonaws.com SendMessage for that topic: https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
// - Lambda sends a failed asynchronous invocation to an SQS destination with the function's
//   execution role: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
// - PutMetricData has no resource-level permissions; cloudwatch:namespace is its condition key:
//   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
import type { Simulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type CfnApp, type Located, secretArnOf } from './cfnModel.js';

export type ArrowKind =
  | 'alarm→topic'
  | 'alarm→topic key'
  | 'topic→function'
  | 'topic→queue'
  | 'function→destination'
  | 'rule→function'
  | 'rule→queue'
  | 'probe→metrics'
  | 'probe→secret'
  | 'notify→secret';

export interface Arrow {
  kind: ArrowKind;
  /** Human reading: who asks what of whom. */
  label: string;
  expected: 'Allowed' | 'Denied';
  simulation: Simulation;
}

type PolicyDocument = { Version?: string; Statement: Record<string, unknown>[] };

function simulation(principal: string, action: string, resource: string, context: Record<string, string>, policies: { identity?: PolicyDocument[]; resource?: PolicyDocument | undefined }): Simulation {
  return {
    request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: { 'aws:SecureTransport': 'true', ...context } },
    identityPolicies: (policies.identity ?? []).map((policy, i) => ({ name: `policy-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(policies.resource ? { resourcePolicy: policies.resource } : {}),
  };
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function document(statements: Record<string, unknown>[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** The topic's policy: the statements of every AWS::SNS::TopicPolicy naming it. Null: SNS's default applies. */
export function topicPolicy(app: CfnApp, topicArn: string): PolicyDocument | null {
  const statements: Record<string, unknown>[] = [];
  let found = false;
  for (const p of app.resources('AWS::SNS::TopicPolicy')) {
    if (!asArray(app.prop(p, 'Topics')).includes(topicArn)) continue;
    found = true;
    statements.push(...asArray((app.prop(p, 'PolicyDocument') as PolicyDocument).Statement).map((s) => s as Record<string, unknown>));
  }
  return found ? document(statements) : null;
}

function queuePolicy(app: CfnApp, queue: Located): PolicyDocument | undefined {
  const url = app.resolve(queue.stack, { Ref: queue.logicalId });
  const statements: Record<string, unknown>[] = [];
  for (const p of app.resources('AWS::SQS::QueuePolicy')) {
    if (!asArray(app.prop(p, 'Queues')).includes(url)) continue;
    statements.push(...asArray((app.prop(p, 'PolicyDocument') as PolicyDocument).Statement).map((s) => s as Record<string, unknown>));
  }
  return statements.length > 0 ? document(statements) : undefined;
}

/** The function policy Lambda builds from AWS::Lambda::Permission resources. */
function functionPolicy(app: CfnApp, fn: Located): PolicyDocument | undefined {
  const arn = app.arn(fn);
  const name = app.resolve(fn.stack, { Ref: fn.logicalId });
  const statements: Record<string, unknown>[] = [];
  for (const p of app.resources('AWS::Lambda::Permission')) {
    const target = app.prop(p, 'FunctionName');
    if (target !== arn && target !== name) continue;
    const principal = String(app.prop(p, 'Principal'));
    const sourceArn = app.prop(p, 'SourceArn');
    const sourceAccount = app.prop(p, 'SourceAccount');
    const condition: Record<string, Record<string, unknown>> = {};
    if (sourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': sourceArn };
    if (sourceAccount !== undefined) condition.StringEquals = { 'AWS:SourceAccount': sourceAccount };
    statements.push({
      Effect: 'Allow',
      Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
      Action: app.prop(p, 'Action'),
      Resource: arn,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    });
  }
  return statements.length > 0 ? document(statements) : undefined;
}

export interface RolePolicies {
  documents: PolicyDocument[];
  /** AWS managed policies: not in the templates, so not evaluated. */
  awsManaged: string[];
}

/** A role's identity policies: inline, AWS::IAM::Policy and customer managed policies attached to it. */
export function rolePolicies(app: CfnApp, role: Located): RolePolicies {
  const roleName = app.resolve(role.stack, { Ref: role.logicalId });
  const documents: PolicyDocument[] = [];
  for (const p of asArray(app.prop(role, 'Policies')) as { PolicyDocument: PolicyDocument }[]) documents.push(p.PolicyDocument);
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const p of app.resources(type)) {
      if (asArray(app.prop(p, 'Roles')).includes(roleName)) documents.push(app.prop(p, 'PolicyDocument') as PolicyDocument);
    }
  }
  const awsManaged: string[] = [];
  for (const arn of asArray(app.prop(role, 'ManagedPolicyArns')).map(String)) {
    const managed = app.resources('AWS::IAM::ManagedPolicy').find((m) => app.resolve(m.stack, { Ref: m.logicalId }) === arn);
    if (managed) documents.push(app.prop(managed, 'PolicyDocument') as PolicyDocument);
    else awsManaged.push(arn);
  }
  return { documents, awsManaged };
}

function roleOf(app: CfnApp, fn: Located): Located {
  const roleArn = String(app.prop(fn, 'Role'));
  const role = app.byArn(roleArn);
  if (!role) throw new Error(`function ${app.arn(fn)}: its role ${roleArn} is not in the app`);
  return role;
}

function require<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(what);
  return value;
}

/** Arrows of the alerting path and the runtime's reach, positives and the negatives next to them. */
export interface FleetExpectations {
  /** The metric namespace the probes publish to. */
  namespace: string;
  /** Per shard id: secrets its checks resolve, and secrets of other shards it must not read. */
  shardSecrets(shardId: string): { own: string[]; others: string[] };
  /** Secret names the notify function delivers with. */
  deliverySecrets: string[];
  /** Secret names the notify function must not read (the probes'). */
  probeSecrets: string[];
  homeRegion: string;
}

export function deriveArrows(app: CfnApp, expect: FleetExpectations): Arrow[] {
  const arrows: Arrow[] = [];
  const topics = new Map(app.resources('AWS::SNS::Topic').map((t) => [app.arn(t), t]));

  // Alarm actions → topic, and the topic's key.
  const pairs = new Set<string>();
  for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
    for (const alarm of app.resources(type)) {
      const alarmArn = app.arn(alarm);
      const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((p) => asArray(app.prop(alarm, p)).map(String));
      for (const action of actions) {
        if (!action.startsWith('arn:aws:sns:')) throw new Error(`alarm ${alarmArn}: action ${action} is not an SNS topic; this layer does not evaluate it`);
        const key = `${alarmArn} ${action}`;
        if (pairs.has(key)) continue;
        pairs.add(key);
        const topic = require(topics.get(action), `alarm ${alarmArn}: its action names topic ${action}, which no stack of the app creates`);
        const context = { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': ACCOUNT };
        arrows.push({
          kind: 'alarm→topic',
          label: `${alarmArn} → sns:Publish ${action}`,
          expected: 'Allowed',
          simulation: simulation('cloudwatch.amazonaws.com', 'sns:Publish', action, context, { resource: topicPolicy(app, action) ?? undefined }),
        });
        const keyProp = app.prop(topic, 'KmsMasterKeyId');
        if (keyProp !== undefined) {
          if (typeof keyProp !== 'string') throw new Error(`topic ${action}: expected KmsMasterKeyId to resolve to a key ARN, received ${JSON.stringify(keyProp)}`);
          const keyRef = keyProp;
          const keyLoc = require(app.byArn(keyRef), `topic ${action}: key ${keyRef} is not in the app`);
          const keyPolicy = app.prop(keyLoc, 'KeyPolicy') as PolicyDocument;
          for (const kmsAction of ['kms:GenerateDataKey', 'kms:Decrypt']) {
            arrows.push({
              kind: 'alarm→topic key',
              label: `${alarmArn} → ${kmsAction} ${keyRef}`,
              expected: 'Allowed',
              simulation: simulation('cloudwatch.amazonaws.com', kmsAction, keyRef, context, { resource: keyPolicy }),
            });
          }
        }
      }
    }
  }

  // Subscriptions: SNS → function or queue, and SNS → the subscription's dead-letter queue.
  const snsToQueue = (topicArn: string, queueArn: string, why: string): void => {
    const queue = require(app.byArn(queueArn), `${why}: queue ${queueArn} is not in the app`);
    arrows.push({
      kind: 'topic→queue',
      label: `${topicArn} → sqs:SendMessage ${queueArn} (${why})`,
      expected: 'Allowed',
      simulation: simulation('sns.amazonaws.com', 'sqs:SendMessage', queueArn, { 'aws:SourceArn': topicArn, 'aws:SourceAccount': ACCOUNT }, { resource: queuePolicy(app, queue) }),
    });
  };
  for (const sub of app.resources('AWS::SNS::Subscription')) {
    const topicArn = String(app.prop(sub, 'TopicArn'));
    const protocol = String(app.prop(sub, 'Protocol'));
    const endpoint = String(app.prop(sub, 'Endpoint'));
    if (protocol === 'lambda') {
      const fn = require(app.byArn(endpoint), `subscription of ${topicArn}: function ${endpoint} is not in the app`);
      arrows.push({
        kind: 'topic→function',
        label: `${topicArn} → lambda:InvokeFunction ${endpoint}`,
        expected: 'Allowed',
        simulation: simulation('sns.amazonaws.com', 'lambda:InvokeFunction', endpoint, { 'aws:SourceArn': topicArn, 'aws:SourceAccount': ACCOUNT }, { resource: functionPolicy(app, fn) }),
      });
    } else if (protocol === 'sqs') {
      snsToQueue(topicArn, endpoint, 'subscription');
    }
    const redrive = app.prop(sub, 'RedrivePolicy') as { deadLetterTargetArn?: string } | undefined;
    if (redrive?.deadLetterTargetArn) snsToQueue(topicArn, redrive.deadLetterTargetArn, `redrive of the ${protocol} subscription`);
  }

  // A function's asynchronous failure (or success) destination, sent with its own role.
  for (const config of app.resources('AWS::Lambda::EventInvokeConfig')) {
    const fnName = String(app.prop(config, 'FunctionName'));
    const fn = require(
      app.resources('AWS::Lambda::Function').find((f) => app.resolve(f.stack, { Ref: f.logicalId }) === fnName),
      `EventInvokeConfig names function ${fnName}, which is not in the app`,
    );
    const destinations = app.prop(config, 'DestinationConfig') as Record<string, { Destination?: string }> | undefined;
    for (const [when, d] of Object.entries(destinations ?? {})) {
      if (!d.Destination) continue;
      const role = roleOf(app, fn);
      const target = d.Destination;
      const service = target.split(':')[2];
      const action = service === 'sqs' ? 'sqs:SendMessage' : service === 'sns' ? 'sns:Publish' : service === 'lambda' ? 'lambda:InvokeFunction' : service === 'events' ? 'events:PutEvents' : '';
      if (action === '') throw new Error(`function ${app.arn(fn)}: destination ${target} is of a kind this layer does not evaluate`);
      const targetLoc = app.byArn(target);
      const resource = targetLoc && service === 'sqs' ? queuePolicy(app, targetLoc) : targetLoc && service === 'sns' ? (topicPolicy(app, target) ?? undefined) : undefined;
      arrows.push({
        kind: 'function→destination',
        label: `${app.arn(fn)} (${when}) → ${action} ${target}`,
        expected: 'Allowed',
        simulation: simulation(app.arn(role), action, target, {}, { identity: rolePolicies(app, role).documents, resource }),
      });
    }
  }

  // Rules → their targets (and a target's dead-letter queue).
  for (const rule of app.resources('AWS::Events::Rule')) {
    const ruleArn = app.arn(rule);
    for (const target of asArray(app.prop(rule, 'Targets')) as { Arn: string; DeadLetterConfig?: { Arn?: string } }[]) {
      const context = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': ACCOUNT };
      const loc = require(app.byArn(target.Arn), `rule ${ruleArn}: target ${target.Arn} is not in the app`);
      if (loc.resource.Type === 'AWS::Lambda::Function') {
        arrows.push({ kind: 'rule→function', label: `${ruleArn} → lambda:InvokeFunction ${target.Arn}`, expected: 'Allowed', simulation: simulation('events.amazonaws.com', 'lambda:InvokeFunction', target.Arn, context, { resource: functionPolicy(app, loc) }) });
      } else if (loc.resource.Type === 'AWS::SQS::Queue') {
        arrows.push({ kind: 'rule→queue', label: `${ruleArn} → sqs:SendMessage ${target.Arn}`, expected: 'Allowed', simulation: simulation('events.amazonaws.com', 'sqs:SendMessage', target.Arn, context, { resource: queuePolicy(app, loc) }) });
      } else {
        throw new Error(`rule ${ruleArn}: target ${target.Arn} is a ${loc.resource.Type}, which this layer does not evaluate`);
      }
      const dlq = target.DeadLetterConfig?.Arn;
      if (dlq) {
        const queue = require(app.byArn(dlq), `rule ${ruleArn}: dead-letter queue ${dlq} is not in the app`);
        arrows.push({ kind: 'rule→queue', label: `${ruleArn} → sqs:SendMessage ${dlq} (target dead-letter queue)`, expected: 'Allowed', simulation: simulation('events.amazonaws.com', 'sqs:SendMessage', dlq, context, { resource: queuePolicy(app, queue) }) });
      }
    }
  }

  // Probe roles: the functions the schedules run, found by the shard id in the rule's input.
  for (const rule of app.resources('AWS::Events::Rule')) {
    for (const target of asArray(app.prop(rule, 'Targets')) as { Arn: string; Input?: string; InputTransformer?: { InputTemplate?: string } }[]) {
      // With the event's time copied in, the input is an InputTransformer template (`"time":<time>`
      // is not JSON), so the shard id is read from the template's text.
      const template = target.InputTransformer?.InputTemplate;
      const shardId = target.Input ? (JSON.parse(target.Input) as { shard?: string }).shard : typeof template === 'string' ? /"shard":\s*"([a-z0-9-]+)"/.exec(template)?.[1] : undefined;
      if (shardId === undefined) continue;
      const fn = require(app.byArn(target.Arn), `rule ${app.arn(rule)}: target ${target.Arn} is not in the app`);
      const role = roleOf(app, fn);
      const roleArn = app.arn(role);
      const { documents, awsManaged } = rolePolicies(app, role);
      if (awsManaged.length > 0) throw new Error(`probe role ${roleArn}: AWS managed policies ${awsManaged.join(', ')} cannot be evaluated from the templates`);
      const region = fn.stack.region;
      const metrics = (namespace: string, expected: Arrow['expected']): Arrow => ({
        kind: 'probe→metrics',
        label: `${roleArn} (shard ${shardId}) → cloudwatch:PutMetricData namespace ${namespace}`,
        expected,
        simulation: simulation(roleArn, 'cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': namespace }, { identity: documents }),
      });
      arrows.push(metrics(expect.namespace, 'Allowed'), metrics('AWS/Lambda', 'Denied'), metrics(`${expect.namespace}-other`, 'Denied'));
      const { own, others } = expect.shardSecrets(shardId);
      for (const [names, expected] of [[own, 'Allowed'], [[...others, 'unrelated/secret'], 'Denied']] as const) {
        for (const name of names) {
          const arn = secretArnOf(region, name);
          arrows.push({ kind: 'probe→secret', label: `${roleArn} (shard ${shardId}) → secretsmanager:GetSecretValue ${name}`, expected, simulation: simulation(roleArn, 'secretsmanager:GetSecretValue', arn, {}, { identity: documents }) });
        }
      }
    }
  }

  // The notify function(s): whatever a topic invokes.
  const notifyFunctions = new Set<string>();
  for (const sub of app.resources('AWS::SNS::Subscription')) if (app.prop(sub, 'Protocol') === 'lambda') notifyFunctions.add(String(app.prop(sub, 'Endpoint')));
  for (const fnArn of notifyFunctions) {
    const fn = require(app.byArn(fnArn), `function ${fnArn} is not in the app`);
    const role = roleOf(app, fn);
    const roleArn = app.arn(role);
    const { documents, awsManaged } = rolePolicies(app, role);
    if (awsManaged.length > 0) throw new Error(`notify role ${roleArn}: AWS managed policies ${awsManaged.join(', ')} cannot be evaluated from the templates`);
    const notDelivery = [...expect.probeSecrets.filter((s) => !expect.deliverySecrets.includes(s)), 'unrelated/secret'];
    for (const [names, expected] of [[expect.deliverySecrets, 'Allowed'], [notDelivery, 'Denied']] as const) {
      for (const name of names) {
        arrows.push({
          kind: 'notify→secret',
          label: `${roleArn} → secretsmanager:GetSecretValue ${name}`,
          expected,
          simulation: simulation(roleArn, 'secretsmanager:GetSecretValue', secretArnOf(fn.stack.region, name), {}, { identity: documents }),
        });
      }
    }
  }
  return arrows;
}

/**
 * Requests that must be refused next to the positive ones: each alarm→topic, topic→function and
 * rule→function arrow asked again by a stranger (another account, another alarm, topic or rule)
 * and, for topics, without TLS.
 */
export function strangerArrows(positives: readonly Arrow[]): Arrow[] {
  const out: Arrow[] = [];
  const foreignAccount = '999988887777';
  const withContext = (a: Arrow, label: string, context: Record<string, string>): Arrow => ({
    kind: a.kind,
    label: `${a.label} [${label}]`,
    expected: 'Denied',
    simulation: { ...a.simulation, request: { ...a.simulation.request, contextVariables: { ...a.simulation.request.contextVariables, ...context } } },
  });
  for (const a of positives) {
    if (a.expected !== 'Allowed') continue;
    const sourceArn = a.simulation.request.contextVariables['aws:SourceArn'];
    if (typeof sourceArn !== 'string') continue;
    if (a.kind === 'alarm→topic' || a.kind === 'alarm→topic key') {
      const region = sourceArn.split(':')[3]!;
      out.push(withContext(a, 'an alarm in another account', { 'aws:SourceArn': sourceArn.replace(`:${ACCOUNT}:`, `:${foreignAccount}:`), 'aws:SourceAccount': foreignAccount }));
      // The key is fenced by account only (AWS documents the key grant for CloudWatch without a
      // SourceArn condition); the topic policy is what keeps other alarms of the account out.
      if (a.kind === 'alarm→topic') {
        out.push(withContext(a, 'an alarm of another team', { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:someone-else/x` }));
        out.push(withContext(a, 'without TLS', { 'aws:SecureTransport': 'false' }));
      }
    } else if (a.kind === 'topic→function') {
      out.push(withContext(a, 'another topic', { 'aws:SourceArn': sourceArn.replace(/:[^:]+$/, ':someone-elses-topic') }));
    } else if (a.kind === 'rule→function') {
      out.push(withContext(a, 'another rule', { 'aws:SourceArn': sourceArn.replace(/rule\/.+$/, 'rule/someone-elses-rule') }));
    }
  }
  return out;
}
