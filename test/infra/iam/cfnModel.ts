// Reads synthesized CloudFormation templates as CloudFormation would deploy them into one
// account: intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
// Fn::ImportValue) resolve to concrete names and ARNs, with a fixed account id and each
// stack's own region. Physical names follow what each service returns for Ref and GetAtt:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html
// Anything this reader does not know throws, so a new resource shape fails the layer loudly
// instead of being evaluated as something it is not.

export const ACCOUNT = '111122223333';
export const PARTITION = 'aws';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, unknown>;
}

export interface StackTemplate {
  stackName: string;
  region: string;
  template: CfnTemplate;
}

/** One resource of the deployed app, with its stack. */
export interface Located {
  stack: StackTemplate;
  logicalId: string;
  resource: CfnResource;
}

export class CfnApp {
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();

  constructor(readonly stacks: StackTemplate[]) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export) this.exports.set(String(this.resolve(stack, output.Export.Name)), { stack, value: output.Value });
      }
    }
  }

  /** Every resource of a type, across all stacks. */
  resources(type: string): Located[] {
    const out: Located[] = [];
    for (const stack of this.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        if (resource.Type === type) out.push({ stack, logicalId, resource });
      }
    }
    return out;
  }

  props(r: Located): Record<string, unknown> {
    return r.resource.Properties ?? {};
  }

  /** A property, resolved. */
  prop(r: Located, name: string): unknown {
    const value = this.props(r)[name];
    return value === undefined ? undefined : this.resolve(r.stack, value);
  }

  arn(r: Located): string {
    return this.getAtt(r.stack, r.logicalId, 'Arn');
  }

  /** Finds the resource whose ARN (or, for functions, name) a resolved reference names. */
  byArn(arn: string): Located | undefined {
    for (const stack of this.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        const r = { stack, logicalId, resource };
        if (!HAS_ARN.has(resource.Type)) continue;
        if (this.arn(r) === arn) return r;
      }
    }
    return undefined;
  }

  resolve(stack: StackTemplate, value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      switch (key) {
        case 'Ref':
          return this.ref(stack, String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return this.getAtt(stack, id!, attr!);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          const resolved = this.resolve(stack, parts);
          if (!Array.isArray(resolved)) throw new Error(`Fn::Join in ${stack.stackName}: expected a list, received ${JSON.stringify(resolved)}`);
          return resolved.map(String).join(sep);
        }
        case 'Fn::Sub':
          return this.sub(stack, arg);
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const items = this.resolve(stack, list) as unknown[];
          return items[Number(this.resolve(stack, index))];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(this.resolve(stack, text)).split(sep);
        }
        case 'Fn::ImportValue': {
          const name = String(this.resolve(stack, arg));
          const found = this.exports.get(name);
          if (!found) throw new Error(`Fn::ImportValue in ${stack.stackName}: no stack exports ${name}`);
          return this.resolve(found.stack, found.value);
        }
        default:
          if (key.startsWith('Fn::') || key === 'Condition') throw new Error(`${stack.stackName}: this reader does not resolve ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
  }

  private sub(stack: StackTemplate, arg: unknown): string {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in vars) return String(this.resolve(stack, vars[name]));
      if (name.includes('.')) {
        const [id, attr] = name.split('.');
        return this.getAtt(stack, id!, attr!);
      }
      return String(this.ref(stack, name));
    });
  }

  private resource(stack: StackTemplate, id: string): CfnResource {
    const r = stack.template.Resources[id];
    if (!r) throw new Error(`${stack.stackName}: no resource ${id}`);
    return r;
  }

  private name(stack: StackTemplate, id: string, property: string, fallback: () => string): string {
    const value = this.resource(stack, id).Properties?.[property];
    return value === undefined ? fallback() : String(this.resolve(stack, value));
  }

  private ref(stack: StackTemplate, id: string): unknown {
    switch (id) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::Region':
        return stack.region;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::NoValue':
        return undefined;
    }
    if (stack.template.Parameters?.[id] !== undefined) return `parameter:${id}`;
    const r = this.resource(stack, id);
    switch (r.Type) {
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
        return this.getAtt(stack, id, 'Arn');
      case 'AWS::SQS::Queue':
        return `https://sqs.${stack.region}.amazonaws.com/${ACCOUNT}/${this.queueName(stack, id)}`;
      case 'AWS::KMS::Key':
        return keyId(stack, id);
      case 'AWS::Lambda::Function':
        return this.name(stack, id, 'FunctionName', () => `${stack.stackName}-${id}`);
      case 'AWS::IAM::Role':
        return this.name(stack, id, 'RoleName', () => `${stack.stackName}-${id}`);
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return this.name(stack, id, 'AlarmName', () => `${stack.stackName}-${id}`);
      case 'AWS::Events::Rule':
        return this.name(stack, id, 'Name', () => `${stack.stackName}-${id}`);
      case 'AWS::Logs::LogGroup':
        return this.name(stack, id, 'LogGroupName', () => `${stack.stackName}-${id}`);
      default:
        return `${stack.stackName}/${id}`;
    }
  }

  private queueName(stack: StackTemplate, id: string): string {
    return this.name(stack, id, 'QueueName', () => `${stack.stackName}-${id}`);
  }

  getAtt(stack: StackTemplate, id: string, attr: string): string {
    const r = this.resource(stack, id);
    const arn = (service: string, resource: string, region = stack.region): string => `arn:${PARTITION}:${service}:${region}:${ACCOUNT}:${resource}`;
    const key = `${r.Type}.${attr}`;
    switch (key) {
      case 'AWS::SNS::Topic.Arn':
      case 'AWS::SNS::Topic.TopicArn':
        return arn('sns', this.name(stack, id, 'TopicName', () => `${stack.stackName}-${id}`));
      case 'AWS::SNS::Topic.TopicName':
        return this.name(stack, id, 'TopicName', () => `${stack.stackName}-${id}`);
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', this.queueName(stack, id));
      case 'AWS::SQS::Queue.QueueName':
        return this.queueName(stack, id);
      case 'AWS::SQS::Queue.QueueUrl':
        return String(this.ref(stack, id));
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${keyId(stack, id)}`);
      case 'AWS::KMS::Key.KeyId':
        return keyId(stack, id);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${String(this.ref(stack, id))}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${String(this.ref(stack, id))}`;
      case 'AWS::CloudWatch::Alarm.Arn':
      case 'AWS::CloudWatch::CompositeAlarm.Arn':
        return arn('cloudwatch', `alarm:${String(this.ref(stack, id))}`);
      case 'AWS::Events::Rule.Arn':
        return arn('events', `rule/${String(this.ref(stack, id))}`);
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${String(this.ref(stack, id))}:*`);
      case 'AWS::SecretsManager::Secret.Arn':
        return arn('secretsmanager', `secret:${this.name(stack, id, 'Name', () => id)}-AbCdEf`);
      default:
        throw new Error(`${stack.stackName}: this reader does not know ${key} (${id})`);
    }
  }
}

const HAS_ARN = new Set([
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::IAM::Role',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::Events::Rule',
]);

/** A stable stand-in for the key id KMS assigns (a UUID), unique per stack and logical id. */
function keyId(stack: StackTemplate, id: string): string {
  let h = 0;
  for (const ch of `${stack.stackName}/${id}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`;
}

/** A secret's ARN as Secrets Manager makes it: the name and a random six-character suffix. */
export function secretArnOf(region: string, name: string, suffix = 'AbCdEf'): string {
  return `arn:${PARTITION}:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`;
}
