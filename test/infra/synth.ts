// Synthesizes fleets for the infra tests without esbuild (bundling: 'skip') and without
// the CDK's built-in CloudFormation validation, both slow and both exercised elsewhere.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProbeFleet, type ProbeFleetProps } from '../../lib/infra/index.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';

export interface Synthesized {
  app: App;
  fleet: ProbeFleet;
  template(stack: Stack): Template;
  /** Templates of every stack, keyed by stack name. */
  templates(): Map<string, Template>;
}

export function synth(fleet: Fleet, props: Partial<ProbeFleetProps> = {}): Synthesized {
  const app = new App({ builtinCloudFormationValidation: false });
  const probeFleet = new ProbeFleet(app, 'Fleet', { fleet, bundling: 'skip', ...props });
  const cache = new Map<Stack, Template>();
  const template = (stack: Stack): Template => {
    let t = cache.get(stack);
    if (!t) {
      t = Template.fromStack(stack);
      cache.set(stack, t);
    }
    return t;
  };
  return {
    app,
    fleet: probeFleet,
    template,
    templates: () => new Map(probeFleet.stacks.map((s) => [s.stackName, template(s)])),
  };
}

export function httpCheck(id: string, overrides: Partial<Check> = {}): Check {
  return {
    id,
    kind: 'http',
    name: `Check ${id}`,
    service: 'checkout',
    owner: 'team-checkout',
    runbook: `https://wiki.example.com/runbooks/${id}`,
    rollbackNote: 'Roll back the checkout deploy.',
    expect: 'GET /health answers 200.',
    severity: 'critical',
    url: '/health',
    ...overrides,
  } as Check;
}

/** A small fleet with one of everything the templates need to show. */
export function smallFleet(overrides: Partial<Fleet> = {}): Fleet {
  return {
    name: 'shop',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1', 'us-east-1', 'ap-southeast-1'],
    environments: { production: { baseUrl: 'https://shop.example.com', headers: { 'x-api-key': { $secret: 'shop/api-key' } } } },
    checks: [
      httpCheck('checkout-health', { schedule: '1m', maxMs: 1500 }),
      httpCheck('cart-page', { severity: 'warning', schedule: '5m' }),
      { ...httpCheck('catalog-search', { service: 'catalog', owner: 'team-catalog', severity: 'warning' }), schedule: '10m', auth: { bearer: { $secret: 'catalog/token' } } } as Check,
      {
        id: 'db-port',
        kind: 'tcp',
        name: 'DB port',
        service: 'catalog',
        owner: 'team-catalog',
        runbook: 'https://wiki.example.com/runbooks/db',
        rollbackNote: 'Fail over.',
        expect: 'port open',
        severity: 'info',
        regions: ['eu-west-1'],
        host: 'db.example.com',
        port: 5432,
      },
    ],
    alerting: {
      pager: { pagerDutyRoutingKey: { $secret: 'pd/routing-key' } },
      chat: {
        integrationUrl: { $secret: 'opsgenie/cloudwatch-url' },
        emails: ['sre@example.com'],
        slackChannels: [{ workspaceId: 'T0001', channelId: 'C0001', name: 'alerts' }],
        webhooks: [{ kind: 'teams', url: { $secret: 'teams/webhook' } }],
      },
    },
    ...overrides,
  };
}

/** Every IAM statement in a template, from roles' inline policies and policy resources. */
export function iamStatements(template: Template): { Action: string | string[]; Resource: unknown; Condition?: unknown; Sid?: string }[] {
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  const out: { Action: string | string[]; Resource: unknown }[] = [];
  for (const resource of Object.values(json.Resources)) {
    const props = resource.Properties ?? {};
    const docs: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Role') for (const p of (props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) docs.push(p.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') docs.push(props.PolicyDocument);
    for (const doc of docs) out.push(...((doc as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement));
  }
  return out;
}
