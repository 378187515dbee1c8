// The deploy lifecycle: fleet versions synthesized in sequence, each transition checked against
// what CloudFormation and CloudWatch do with it (deployModel.ts): no name created while another
// stack or a retained leftover holds it, no alarm deleted while a composite names it, no stack
// left behind, every stack and name within the limits.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/errors.js';
import type { ProbeFleetProps } from '../../../lib/infra/probeFleet.js';
import type { Check, Fleet } from '../../../lib/model/fleet.js';
import { httpCheck, synth } from '../synth.js';
import { deploy, destroy, duplicateNames, emptyAccount, limitProblems, modelOf, type Account, type ModelStack } from './deployModel.js';

type Version = { fleet: Fleet; props?: Partial<ProbeFleetProps> } | 'destroy';

function fleetOf(checks: Check[], overrides: Partial<Fleet> = {}): Fleet {
  return {
    name: 'life',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
    environments: { production: { baseUrl: 'https://shop.example.com' } },
    checks,
    ...overrides,
  };
}

const checks = (n: number, make: (i: number) => Partial<Check> = () => ({})): Check[] => Array.from({ length: n }, (_, i) => httpCheck(`c-${i}`, { schedule: '1m', ...make(i) }));

/** Runs the versions in order from an empty account; returns every problem, per step. */
function lifecycle(versions: Version[]): { problems: string[]; models: Map<string, ModelStack>[] } {
  let account: Account = emptyAccount();
  let app: Map<string, ModelStack> = new Map();
  const problems: string[] = [];
  const models: Map<string, ModelStack>[] = [];
  versions.forEach((v, step) => {
    if (v === 'destroy') {
      const r = destroy(account, app);
      account = r.after;
      problems.push(...r.problems.map((p) => `step ${step} (destroy): ${p}`));
      return;
    }
    app = modelOf(synth(v.fleet, v.props ?? {}));
    models.push(app);
    problems.push(...limitProblems(app).map((p) => `step ${step} (limits): ${p}`));
    const r = deploy(account, app);
    account = r.after;
    problems.push(...r.problems.map((p) => `step ${step}: ${p}`));
    problems.push(...duplicateNames(account).map((p) => `step ${step} (after): ${p}`));
  });
  return { problems, models };
}

/** Fixed name → stack, over one synthesized app. */
function placement(app: Map<string, ModelStack>): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of app.values()) for (const r of s.resources.values()) if (r.name !== undefined) out.set(`${r.namespace ?? ''} ${r.name}`, s.name);
  return out;
}

describe('deploy lifecycle (each transition as CloudFormation would run it)', { timeout: 240_000 }, () => {
  it('35 → 36 shards in one region: every fixed name stays in the stack it was in', () => {
    const props = { maxChecksPerShard: 1 };
    const { problems, models } = lifecycle([
      { fleet: fleetOf(checks(35)), props },
      { fleet: fleetOf(checks(36)), props },
    ]);
    expect(problems).toEqual([]);
    const [before, after] = [placement(models[0]!), placement(models[1]!)];
    const moved = [...before].filter(([name, stack]) => after.has(name) && after.get(name) !== stack);
    expect(moved).toEqual([]);
  });

  it('a shard that goes and comes back', () => {
    const props = { maxChecksPerShard: 1 };
    const make = (n: number): Fleet => fleetOf(checks(n, (i) => ({ service: `svc-${i}` })));
    expect((lifecycle([{ fleet: make(3), props }, { fleet: make(2), props }, { fleet: make(3), props }]).problems)).toEqual([]);
  });

  it('cdk destroy, then deploy again', () => {
    const fleet = fleetOf(checks(3), { alerting: { chat: { webhooks: [{ kind: 'slack', url: { $secret: 'chat/hook' } }] } } });
    expect(lifecycle([{ fleet }, 'destroy', { fleet }]).problems).toEqual([]);
  });

  it('removing, then renaming, a critical check its service composite names', () => {
    const three = checks(3);
    const renamed = [three[0]!, { ...three[1]!, id: 'c-1-renamed' }];
    expect(lifecycle([{ fleet: fleetOf(three) }, { fleet: fleetOf(three.slice(0, 2)) }, { fleet: fleetOf(renamed) }]).problems).toEqual([]);
  });

  it('a service of 100 critical checks with ids of ~50 characters synthesizes within every limit, or is a config error with a path', () => {
    const fleet = fleetOf(checks(100, (i) => ({ id: `payments-authorization-capture-settlement-chk-${String(i).padStart(3, '0')}` })));
    let result: { problems: string[] } | undefined;
    try {
      result = lifecycle([{ fleet }]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).diagnostics.every((d) => d.path.length > 0)).toBe(true);
      return;
    }
    expect(result.problems).toEqual([]);
  });

  it('a fleet name of 100 characters synthesizes within every limit, or is a config error at `name`', () => {
    const fleet = fleetOf(checks(2), { name: 'n'.repeat(100) });
    try {
      expect(lifecycle([{ fleet }]).problems).toEqual([]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).diagnostics.map((d) => d.path)).toContain('name');
    }
  });

  it('adding a region, then removing it', () => {
    const one = fleetOf(checks(3));
    const two = fleetOf(checks(3), { regions: ['eu-west-1', 'us-east-1'] });
    const { problems } = lifecycle([{ fleet: one }, { fleet: two }, { fleet: one }]);
    // What is left deployed when a region goes is reported, not hidden.
    expect(problems.filter((p) => !p.includes('no longer in the app'))).toEqual([]);
  });

  it('changing a schedule moves checks between shards and deploys', () => {
    const a = fleetOf(checks(4));
    const b = fleetOf(checks(4, (i) => ({ schedule: i % 2 === 0 ? '5m' : '1m' })));
    expect(lifecycle([{ fleet: a }, { fleet: b }, { fleet: a }]).problems).toEqual([]);
  });

  it('probe stacks: across the split and back (20 → 40 → 20 shards, one size class)', () => {
    const props = { maxChecksPerShard: 1 };
    const make = (n: number): Fleet => fleetOf(checks(n, (i) => ({ service: `svc-${i % 3}` })));
    const { problems, models } = lifecycle([{ fleet: make(20), props }, { fleet: make(40), props }, { fleet: make(20), props }]);
    expect(problems).toEqual([]);
    expect([...models[1]!.keys()].filter((n) => n.includes('-probes-')).length).toBeGreaterThan([...models[0]!.keys()].filter((n) => n.includes('-probes-')).length);
  });

  it.fails('probe stacks: shrinking two size classes in one deploy (80 → 20 shards) is not covered: the stacks two classes up leave the app', () => {
    const props = { maxChecksPerShard: 1 };
    const make = (n: number): Fleet => fleetOf(checks(n, (i) => ({ service: `svc-${i % 3}` })));
    expect(lifecycle([{ fleet: make(80), props }, { fleet: make(20), props }]).problems).toEqual([]);
  });

  it('alarm stacks: up one size class and back (16 → 30 → 16 checks at 10 alarms per stack)', () => {
    const props = { maxAlarmsPerStack: 10 };
    const make = (n: number): Fleet => fleetOf(checks(n, (i) => ({ service: `svc-${i}` })));
    const { problems, models } = lifecycle([{ fleet: make(16), props }, { fleet: make(30), props }, { fleet: make(16), props }]);
    expect(problems).toEqual([]);
    const alarmStacks = (m: Map<string, ModelStack>): number => [...m.values()].filter((st) => st.name.includes('-alarms-') && [...st.resources.values()].some((r) => r.type === 'AWS::CloudWatch::Alarm')).length;
    expect(alarmStacks(models[1]!)).toBeGreaterThan(alarmStacks(models[0]!));
  });

  it('certificate stacks: past one stack of endpoints and back (60 → 100 → 60 TLS endpoints)', () => {
    const make = (n: number): Fleet => fleetOf(checks(n, (i) => ({ url: `https://host-${i}.example.com/health`, schedule: '5m', service: `svc-${i % 5}` })));
    const props = { maxChecksPerShard: 50 };
    const { problems, models } = lifecycle([{ fleet: make(60), props }, { fleet: make(100), props }, { fleet: make(60), props }]);
    expect(problems).toEqual([]);
    expect([...models[1]!.keys()].filter((n) => n.includes('-certificates')).length).toBeGreaterThan(1);
  });

  it('a service growing past 100 critical checks (nested part composites) and back', () => {
    const make = (n: number): Fleet => fleetOf(checks(n));
    const props = { maxChecksPerShard: 50 };
    expect(lifecycle([{ fleet: make(90), props }, { fleet: make(130), props }, { fleet: make(90), props }]).problems).toEqual([]);
  });
});
