// Runs arrows through the independent evaluator (@cloud-copilot/iam-simulate, AGPL-3.0: a
// test-only devDependency, never bundled into the app or the Lambda functions).
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { secretNamesIn, secretsUsedBy } from '../../../lib/config/secretsUsed.js';
import { namespaceOf } from '../../../lib/config/resolve.js';
import type { ProbeFleet } from '../../../lib/infra/index.js';
import type { Fleet } from '../../../lib/model/fleet.js';
import type { Arrow, FleetExpectations } from './arrows.js';
import { CfnApp, type CfnTemplate } from './cfnModel.js';

export interface Verdict {
  arrow: Arrow;
  result: string;
}

export async function evaluate(arrows: readonly Arrow[]): Promise<Verdict[]> {
  const out: Verdict[] = [];
  for (const arrow of arrows) {
    const r = await runSimulation(arrow.simulation, { simulationMode: 'Strict' });
    out.push({ arrow, result: r.resultType === 'error' ? `error: ${r.errors.message}` : r.overallResult });
  }
  return out;
}

/** Whether a verdict is what the arrow expects: Allowed, or refused (implicitly or explicitly). */
export function asExpected(v: Verdict): boolean {
  return v.arrow.expected === 'Allowed' ? v.result === 'Allowed' : v.result === 'ImplicitlyDenied' || v.result === 'ExplicitlyDenied';
}

export function appOf(fleet: ProbeFleet, template: (stack: Stack) => Template, edit?: (stackName: string, t: CfnTemplate) => CfnTemplate): CfnApp {
  return new CfnApp(
    fleet.stacks.map((stack) => {
      const json = structuredClone(template(stack).toJSON()) as CfnTemplate;
      return { stackName: stack.stackName, region: stack.region, template: edit ? edit(stack.stackName, json) : json };
    }),
  );
}

/** What the fleet definition says each role needs, independent of how the infrastructure grants it. */
export function expectationsOf(fleet: Fleet, probeFleet: ProbeFleet): FleetExpectations {
  const byId = new Map(fleet.checks.map((c) => [c.id, c]));
  const used = (shardId: string): string[] => {
    const shard = probeFleet.shards.find((s) => s.id === shardId);
    if (!shard) throw new Error(`no shard ${shardId} in the fleet's plan`);
    return secretsUsedBy(fleet, shard.targets.map((t) => ({ check: byId.get(t.checkId)!, environment: t.environment }))).map((u) => u.name);
  };
  // What a shard may legitimately read: anything its checks, their environments or the defaults reference.
  const reachable = (shardId: string): Set<string> => {
    const shard = probeFleet.shards.find((s) => s.id === shardId)!;
    const envs = new Set(shard.targets.map((t) => t.environment));
    return new Set(secretNamesIn(shard.targets.map((t) => byId.get(t.checkId)), Object.entries(fleet.environments).filter(([n]) => envs.has(n)), fleet.defaults));
  };
  return {
    namespace: namespaceOf(fleet),
    homeRegion: fleet.homeRegion,
    shardSecrets(shardId) {
      const mine = reachable(shardId);
      const others = new Set(probeFleet.shards.filter((s) => s.id !== shardId).flatMap((s) => used(s.id)));
      return { own: used(shardId), others: [...others].filter((s) => !mine.has(s)).sort() };
    },
    deliverySecrets: secretNamesIn(fleet.alerting?.pager, fleet.alerting?.chat),
    probeSecrets: secretNamesIn(fleet.checks, fleet.environments, fleet.defaults),
  };
}
