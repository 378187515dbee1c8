// Every cross-service arrow of the deployed fleet, read from the synthesized templates of
// three fleets and evaluated by an independent IAM policy evaluator: what must be allowed is,
// and the strangers next to it are refused. Nothing here calls AWS.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../../lib/model/fleet.js';
import { synth } from '../synth.js';
import { deriveArrows, strangerArrows, type Arrow, type ArrowKind } from './arrows.js';
import type { CfnTemplate } from './cfnModel.js';
import { appOf, asExpected, evaluate, expectationsOf } from './evaluate.js';
import { demoFleet, elevenRegionFleet, threeRegionFleet } from './fleets.js';

interface Case {
  name: string;
  fleet: Fleet;
  /** Arrow kinds this fleet must have at least one of. */
  kinds: ArrowKind[];
}

const ALWAYS: ArrowKind[] = ['alarm→topic', 'alarm→topic key', 'rule→function', 'probe→metrics'];
const NOTIFY: ArrowKind[] = ['topic→function', 'topic→queue', 'function→destination', 'notify→secret'];

const cases: Case[] = [
  { name: 'demo (demo/probes.config.ts)', fleet: await demoFleet(), kinds: [...ALWAYS, 'probe→secret'] },
  { name: 'three regions, two environments, PagerDuty and Slack', fleet: threeRegionFleet(), kinds: [...ALWAYS, ...NOTIFY, 'probe→secret'] },
  { name: 'eleven regions, PagerDuty integration URL and Teams', fleet: elevenRegionFleet(), kinds: [...ALWAYS, ...NOTIFY, 'probe→secret'] },
];

/** The topic policies as they were before the fix: only the Deny without TLS. */
function revertTopicPolicyFix(_stack: string, t: CfnTemplate): CfnTemplate {
  for (const r of Object.values(t.Resources)) {
    if (r.Type !== 'AWS::SNS::TopicPolicy') continue;
    const doc = r.Properties!.PolicyDocument as { Statement: { Principal?: { Service?: unknown } }[] };
    doc.Statement = doc.Statement.filter((s) => JSON.stringify(s.Principal ?? {}) !== JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }));
  }
  return t;
}

function countByKind(arrows: readonly Arrow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of arrows) out[`${a.kind} ${a.expected}`] = (out[`${a.kind} ${a.expected}`] ?? 0) + 1;
  return out;
}

describe.each(cases)('IAM arrows: $name', ({ fleet, kinds }) => {
  const s = synth(fleet);
  const template = (stack: Parameters<typeof s.template>[0]) => s.template(stack);
  const app = appOf(s.fleet, template);
  const expectations = expectationsOf(fleet, s.fleet);
  const arrows = deriveArrows(app, expectations);
  const strangers = strangerArrows(arrows);
  const all = [...arrows, ...strangers];

  it('derives arrows of every kind from the templates, and counts them', () => {
    const counts = countByKind(all);
    console.log(JSON.stringify({ fleet: fleet.name, stacks: app.stacks.length, arrows: all.length, counts }));
    expect(all.length).toBeGreaterThan(0);
    for (const kind of kinds) expect(arrows.filter((a) => a.kind === kind && a.expected === 'Allowed').length, kind).toBeGreaterThan(0);
    // Every topic an alarm publishes to exists in the app (deriveArrows throws otherwise); a
    // topic no alarm of this fleet targets (the demo pages nobody) is simply not an arrow.
    const reached = new Set(arrows.filter((a) => a.kind === 'alarm→topic').map((a) => a.simulation.request.resource.resource));
    expect(reached.size).toBeGreaterThan(0);
  });

  it('allows every arrow the fleet needs and refuses every other request it was asked', async () => {
    const verdicts = await evaluate(all);
    const wrong = verdicts.filter((v) => !asExpected(v)).map((v) => `${v.arrow.label}: expected ${v.arrow.expected}, evaluated ${v.result}`);
    expect(wrong).toEqual([]);
    expect(verdicts.length).toBe(all.length);
  });

  it('fails when the topic policy allows no CloudWatch alarm to publish (the fix reverted)', async () => {
    const reverted = deriveArrows(appOf(s.fleet, template, revertTopicPolicyFix), expectations).filter((a) => a.kind === 'alarm→topic');
    expect(reverted.length).toBe(arrows.filter((a) => a.kind === 'alarm→topic').length);
    const verdicts = await evaluate(reverted);
    expect(verdicts.filter((v) => v.result === 'Allowed')).toEqual([]);
    expect(verdicts.filter(asExpected).length).toBe(0);
  });
});

describe('IAM arrows: negative controls (each broken grant is caught)', () => {
  const fleet = threeRegionFleet();
  const s = synth(fleet);
  const template = (stack: Parameters<typeof s.template>[0]) => s.template(stack);
  const expectations = expectationsOf(fleet, s.fleet);
  const editStatements = (type: string, edit: (statements: Record<string, unknown>[]) => Record<string, unknown>[]) => (_stack: string, t: CfnTemplate): CfnTemplate => {
    for (const r of Object.values(t.Resources)) {
      if (r.Type !== type) continue;
      const docs = type === 'AWS::IAM::Role' ? ((r.Properties!.Policies ?? []) as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]).map((p) => p.PolicyDocument) : [(r.Properties!.KeyPolicy ?? r.Properties!.PolicyDocument) as { Statement: Record<string, unknown>[] }];
      for (const doc of docs) doc.Statement = edit(doc.Statement);
    }
    return t;
  };
  const results = async (edit: (stack: string, t: CfnTemplate) => CfnTemplate, kind: ArrowKind) => {
    const arrows = deriveArrows(appOf(s.fleet, template, edit), expectations).filter((a) => a.kind === kind);
    expect(arrows.length).toBeGreaterThan(0);
    return evaluate(arrows);
  };

  it('a key policy without the CloudWatch grant refuses every alarm → key arrow', async () => {
    const verdicts = await results(editStatements('AWS::KMS::Key', (st) => st.filter((x) => x.Sid !== 'AllowCloudWatchAlarmsToPublish')), 'alarm→topic key');
    expect(verdicts.filter((v) => v.result === 'Allowed')).toEqual([]);
  });

  it("a probe role reading every secret is caught by the other shards' secrets", async () => {
    const widen = editStatements('AWS::IAM::Role', (st) => st.map((x) => (x.Sid === 'ReadReferencedSecrets' ? { ...x, Resource: '*' } : x)));
    const verdicts = await results(widen, 'probe→secret');
    const wrong = verdicts.filter((v) => !asExpected(v));
    expect(wrong.length).toBeGreaterThan(0);
    expect(wrong.every((v) => v.arrow.expected === 'Denied')).toBe(true);
  });

  it('a probe role publishing to any namespace is caught', async () => {
    const widen = editStatements('AWS::IAM::Role', (st) => st.map((x) => (x.Sid === 'PublishFleetMetrics' ? { Sid: x.Sid, Effect: 'Allow', Action: x.Action, Resource: '*' } : x)));
    const verdicts = await results(widen, 'probe→metrics');
    const denied = verdicts.filter((v) => v.arrow.expected === 'Denied');
    expect(denied.length).toBeGreaterThan(0);
    expect(verdicts.filter((v) => !asExpected(v))).toEqual(denied);
  });
});

describe('the evaluator stays in the tests', () => {
  it('is imported by no file of lib/, bin/ or lambdas/ (AGPL-3.0: a test-only devDependency, never bundled)', () => {
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const sources = ['lib', 'bin', 'lambdas'].flatMap(files);
    expect(sources.length).toBeGreaterThan(50);
    expect(sources.filter((f) => readFileSync(f, 'utf8').includes('@cloud-copilot/'))).toEqual([]);
  });
});
